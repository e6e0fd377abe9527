//! What Save & Connect and the health checks report, with the help page's exact texts.

use zoom::{RequiredScope, ZoomError};

/// A reason the connection cannot be used until its owner acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectProblem {
    InvalidAccountId,
    InvalidCredentials,
    /// The missing required scopes, in the help page's order.
    MissingScopes(Vec<String>),
    /// `users/me` was refused (404 code 1001): the app belongs to someone else's account user.
    ZoomUserRequired,
    ZoomUserNotFound(String),
    /// Connect with Zoom: Zoom no longer honours the user's grant (revoked, or the app removed).
    Reconnect,
}

impl ConnectProblem {
    pub fn code(&self) -> &'static str {
        match self {
            ConnectProblem::InvalidAccountId => "invalid_account_id",
            ConnectProblem::InvalidCredentials => "invalid_credentials",
            ConnectProblem::MissingScopes(_) => "missing_scopes",
            ConnectProblem::ZoomUserRequired => "zoom_user_required",
            ConnectProblem::ZoomUserNotFound(_) => "zoom_user_not_found",
            ConnectProblem::Reconnect => "reconnect_required",
        }
    }

    /// The message, word for word as the help page fixes the first three.
    pub fn message(&self) -> String {
        match self {
            ConnectProblem::InvalidAccountId => "Invalid Account ID format".into(),
            ConnectProblem::InvalidCredentials => "Invalid credentials".into(),
            ConnectProblem::MissingScopes(names) => {
                format!("Your Zoom app is missing required permissions: {}", names.join(", "))
            }
            ConnectProblem::ZoomUserRequired => {
                "Zoom could not find the user who created this app. Enter your Zoom email as Zoom user.".into()
            }
            ConnectProblem::ZoomUserNotFound(email) => format!("Zoom has no user {email} in this app's account."),
            ConnectProblem::Reconnect => "Zoom no longer accepts Prospo's access to your account.".into(),
        }
    }

    /// How to fix it: shown under the message.
    pub fn fix(&self) -> &'static str {
        match self {
            ConnectProblem::InvalidAccountId => {
                "Copy the Account ID from your Server-to-Server OAuth app's App Credentials page in the Zoom App \
                 Marketplace. It is a single word of letters, digits, - and _ (usually 22 characters), not an email or a link."
            }
            ConnectProblem::InvalidCredentials => {
                "Check that the Account ID, Client ID and Client Secret come from the same Server-to-Server OAuth app, \
                 that they are copied exactly (they are case-sensitive), and that the app is activated."
            }
            ConnectProblem::MissingScopes(_) => {
                "In the Zoom App Marketplace, open your app, add these scopes under Scopes, then deactivate and \
                 reactivate the app, and click Save & Connect again."
            }
            ConnectProblem::ZoomUserRequired => {
                "Open Advanced and enter the email of your own user in the Zoom account this app belongs to."
            }
            ConnectProblem::ZoomUserNotFound(_) => {
                "Enter the email of a user in the same Zoom account as the app, or leave Zoom user empty to use the \
                 app's creator."
            }
            ConnectProblem::Reconnect => {
                "The access was removed in Zoom (or it expired). Click Reconnect and allow it again."
            }
        }
    }

    pub fn missing_scopes(&self) -> Option<&[String]> {
        match self {
            ConnectProblem::MissingScopes(names) => Some(names),
            _ => None,
        }
    }

    /// Rebuilds a stored problem (code and message) for display.
    pub fn from_stored(code: &str, message: &str) -> ConnectProblem {
        match code {
            "invalid_account_id" => ConnectProblem::InvalidAccountId,
            "missing_scopes" => ConnectProblem::MissingScopes(
                message
                    .rsplit_once(": ")
                    .map(|(_, names)| names.split(", ").map(str::to_owned).collect())
                    .unwrap_or_default(),
            ),
            "zoom_user_required" => ConnectProblem::ZoomUserRequired,
            "reconnect_required" => ConnectProblem::Reconnect,
            "zoom_user_not_found" => ConnectProblem::ZoomUserNotFound(
                message.trim_start_matches("Zoom has no user ").split(' ').next().unwrap_or_default().to_owned(),
            ),
            _ => ConnectProblem::InvalidCredentials,
        }
    }

    /// The problem a Zoom answer means for the connection, if it means one; `None` for
    /// transient trouble (Zoom unavailable, rate limits) and answers about other things.
    pub fn from_zoom_error(error: &ZoomError) -> Option<ConnectProblem> {
        match error {
            ZoomError::InvalidCredentials { .. } | ZoomError::InvalidRequest { .. } | ZoomError::InvalidToken => {
                Some(ConnectProblem::InvalidCredentials)
            }
            ZoomError::InvalidGrant { .. } => Some(ConnectProblem::Reconnect),
            ZoomError::MissingScopes { acceptable } => {
                Some(ConnectProblem::MissingScopes(required_names_for(acceptable)))
            }
            _ => None,
        }
    }
}

/// Maps the acceptable scopes a 4711 lists to the required scope they stand for.
fn required_names_for(acceptable: &[String]) -> Vec<String> {
    let mut names: Vec<RequiredScope> = RequiredScope::REQUIRED
        .into_iter()
        .filter(|required| {
            acceptable.iter().any(|a| {
                a == required.name() || a.strip_prefix(required.name()).is_some_and(|rest| rest.starts_with(':'))
            })
        })
        .collect();
    names.sort();
    names.into_iter().map(|r| r.name().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_the_help_pages() {
        assert_eq!(ConnectProblem::InvalidAccountId.message(), "Invalid Account ID format");
        assert_eq!(ConnectProblem::InvalidCredentials.message(), "Invalid credentials");
        let missing = ConnectProblem::MissingScopes(vec!["meeting:write:meeting".into(), "user:read:user".into()]);
        assert_eq!(
            missing.message(),
            "Your Zoom app is missing required permissions: meeting:write:meeting, user:read:user"
        );
        assert_eq!(ConnectProblem::from_stored(missing.code(), &missing.message()), missing);
    }

    #[test]
    fn a_4711_names_the_required_scope() {
        let error = ZoomError::MissingScopes {
            acceptable: vec!["meeting:write:meeting:admin".into(), "meeting:write:meeting".into()],
        };
        assert_eq!(
            ConnectProblem::from_zoom_error(&error),
            Some(ConnectProblem::MissingScopes(vec!["meeting:write:meeting".into()]))
        );
    }
}
