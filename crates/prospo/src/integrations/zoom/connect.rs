//! Save & Connect, in the help page's order; nothing is stored unless every step passes.

use secrecy::{ExposeSecret, SecretString};
use zoom::{Auth, Credentials, ZoomError};

use super::{CLIENT_SECRET_FIELD, ConnectProblem, credentials, seal, wake_work_of};
use crate::app::App;
use crate::domain::accounts::Email;
use crate::store::new_id;
use crate::store::zoom_connections::{VerifiedAuth, VerifiedConnection, ZoomConnectionRow};

/// What the person typed. An empty secret on update keeps the stored one.
pub struct ConnectInput {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub zoom_user: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{}", .0.message())]
    Problem(ConnectProblem),
    /// Zoom down, timing out or rate-limiting: none of the three errors, nothing saved.
    #[error("Zoom did not answer. Nothing was saved; please try again in a moment.")]
    ZoomUnavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<ConnectProblem> for ConnectError {
    fn from(problem: ConnectProblem) -> Self {
        ConnectError::Problem(problem)
    }
}

/// Step 1's rule: what could be an Account ID (Zoom documents no format; this only catches what
/// cannot be one: inner spaces, quotes, an email, a URL).
pub fn is_plausible_account_id(id: &str) -> bool {
    (16..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_plausible_client_value(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(char::is_whitespace)
}

/// Save & Connect (and Update credentials): exactly two Zoom calls on success, a token and the
/// profile. The previous connection, if any, is replaced only once the new one passed.
pub async fn connect(app: &App, user_id: &str, input: ConnectInput) -> Result<ZoomConnectionRow, ConnectError> {
    // 1. Normalise and check the form before calling Zoom.
    let account_id = input.account_id.trim();
    let client_id = input.client_id.trim();
    let typed_secret = input.client_secret.expose_secret().trim();
    if !is_plausible_account_id(account_id) {
        return Err(ConnectProblem::InvalidAccountId.into());
    }
    let existing = app.db.zoom_connection_of(user_id).await.map_err(anyhow::Error::from)?;
    let secret = match (typed_secret.is_empty(), &existing) {
        (true, Some(row)) => credentials(app, row).map_err(|_| ConnectProblem::InvalidCredentials)?.client_secret,
        _ => SecretString::from(typed_secret.to_owned()),
    };
    if !is_plausible_client_value(client_id) || !is_plausible_client_value(secret.expose_secret()) {
        return Err(ConnectProblem::InvalidCredentials.into());
    }
    let zoom_user = match input.zoom_user.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => {
            Some(Email::parse(raw).map_err(|_| ConnectProblem::ZoomUserNotFound(raw.to_owned()))?.as_str().to_owned())
        }
        None => None,
    };
    let creds = Credentials::new(account_id, client_id, secret);

    // 2. A fresh token: its scopes are the app's scopes now.
    let token = app.zoom.client.mint_token(&creds).await.map_err(classify)?;

    // 3. Every required scope granted (exact, :admin, :master or classic).
    let missing = token.scopes.missing_required();
    if !missing.is_empty() {
        return Err(ConnectProblem::MissingScopes(missing.into_iter().map(str::to_owned).collect()).into());
    }

    // 4. The Zoom profile meetings will be created for.
    let auth = Auth::App(creds.clone());
    let profile = match app.zoom.client.get_user(&auth, zoom_user.as_deref().unwrap_or("me")).await {
        Ok(profile) => profile,
        Err(ZoomError::NotFound { .. }) => {
            return Err(match &zoom_user {
                None => ConnectProblem::ZoomUserRequired,
                Some(email) => ConnectProblem::ZoomUserNotFound(email.clone()),
            }
            .into());
        }
        Err(e) => return Err(classify(e)),
    };
    let email = profile.email.clone().or(zoom_user.clone()).unwrap_or_default();
    let name = display_name(&profile);

    // 5. Store: one row per user, sealed secret bound to this user.
    let id = existing.as_ref().map(|row| row.id.clone()).unwrap_or_else(new_id);
    let sealed = seal(&app.secrets, creds.client_secret.expose_secret(), user_id, CLIENT_SECRET_FIELD);
    let scopes: Vec<&str> = token.scopes.iter().collect();
    let scopes = scopes.join(" ");
    let now = app.now_ms();
    app.db
        .save_zoom_connection(
            VerifiedConnection {
                id: &id,
                user_id,
                account_id,
                client_id,
                auth: VerifiedAuth::ClientSecret(&sealed),
                zoom_user_requested: zoom_user.as_deref(),
                zoom_user_id: &profile.id,
                zoom_email: &email,
                zoom_name: name.as_deref(),
                granted_scopes: &scopes,
                next_check_at: now + app.zoom.jittered_interval_ms(),
            },
            now,
        )
        .await
        .map_err(anyhow::Error::from)?;
    // Tokens of a replaced app are of no further use.
    if let Some(old) = existing
        && (old.account_id != account_id || old.client_id != client_id)
        && let Ok(old_creds) = credentials(app, &old)
    {
        app.zoom.client.forget(&old_creds);
    }
    tracing::info!(user_id, connection_id = %id, zoom_user_id = %profile.id, "zoom connected");
    // Work held while the connection needed attention can go now.
    wake_work_of(app, user_id).await?;
    let row = app.db.zoom_connection_of(user_id).await.map_err(anyhow::Error::from)?;
    row.ok_or_else(|| anyhow::anyhow!("connection vanished right after it was saved").into())
}

pub(super) fn display_name(profile: &zoom::User) -> Option<String> {
    profile.display_name.clone().or_else(|| {
        let full = [profile.first_name.as_deref(), profile.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!full.is_empty()).then_some(full)
    })
}

/// Zoom errors during Save & Connect: a credential problem, or Zoom being unavailable.
fn classify(error: ZoomError) -> ConnectError {
    match ConnectProblem::from_zoom_error(&error) {
        Some(problem) => problem.into(),
        None => {
            tracing::warn!(error = %error, "zoom did not answer usefully during save & connect");
            ConnectError::ZoomUnavailable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_plausible_account_id;

    #[test]
    fn account_id_rule_catches_only_what_cannot_be_an_id() {
        assert!(is_plausible_account_id("q6gBJVO5TzexKYTb_I2rpg"));
        assert!(is_plausible_account_id("Cx3wERazSgup7ZWRHQM8-w"));
        for bad in [
            "short",
            "q6gBJVO5 TzexKYTb_I2rpg",
            "\"q6gBJVO5TzexKYTb_I2rpg\"",
            "ada@example.com.invalid",
            "https://zoom.us/account",
            &"a".repeat(65),
        ] {
            assert!(!is_plausible_account_id(bad), "{bad:?} accepted");
        }
    }
}
