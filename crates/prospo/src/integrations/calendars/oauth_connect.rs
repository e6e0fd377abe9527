//! A Google or Microsoft calendar account connected by OAuth (product.md §9): after the consent,
//! the account's email and calendars are read with the new token, then the connection, its
//! calendars and its tokens are stored in one transaction (or nothing is). Connecting the same
//! account again (Reconnect) keeps the connection, its calendars and choices, with the new tokens.

use calendars::provider::ProviderError;

use super::connect::{Found, new_calendars};
use super::remote::Remote;
use crate::app::App;
use crate::integrations::oauth::access::seal_grant;
use crate::integrations::oauth::flow::Completed;
use crate::integrations::oauth::{OAuthError, OAuthProvider, provider_name};
use crate::jobs::Queue;
use crate::store::calendars::{NewConnection, Provider, sync_subject};
use crate::store::new_id;
use crate::store::oauth::SealedTokens;

/// Stores the connection; the message for the settings page.
pub async fn connect(app: &App, provider: OAuthProvider, completed: Completed) -> Result<String, OAuthError> {
    let name = provider_name(provider);
    let calendar_provider = match provider {
        OAuthProvider::Google => Provider::Google,
        OAuthProvider::Microsoft => Provider::Microsoft,
        OAuthProvider::Zoom => return Err(OAuthError::Internal(anyhow::anyhow!("Zoom is not a calendar"))),
    };
    let remote = Remote::with_token(app, provider, completed.grant.access_token.clone())
        .map_err(|e| OAuthError::Internal(anyhow::anyhow!(e)))?;
    let (account, found) = remote.account().await.map_err(|e| discovery_error(name, e))?;
    let user_id = completed.user_id.as_str();
    let (access_sealed, refresh_sealed, expires_at) = seal_grant(app, user_id, &completed.grant);
    let tokens = SealedTokens {
        access_sealed: &access_sealed,
        access_expires_at: expires_at,
        refresh_sealed: &refresh_sealed,
        scopes: &completed.grant.scopes,
    };
    let now = app.now_ms();
    let existing = app
        .db
        .calendar_connections_of(user_id)
        .await?
        .into_iter()
        .find(|c| c.provider == calendar_provider && c.account.eq_ignore_ascii_case(&account));
    let mut tx = app.db.begin_locked(user_id).await?;
    let id = match &existing {
        Some(connection) => {
            tx.put_oauth_tokens(&connection.id, user_id, provider, &tokens, now).await?;
            tx.calendar_connection_reconnected(&connection.id).await?;
            tx.schedule_job(Queue::Calendar, &sync_subject(&connection.id), now, now).await?;
            connection.id.clone()
        }
        None => {
            let id = new_id();
            let found = found
                .into_iter()
                .map(|c| Found {
                    href: c.id,
                    name: c.name,
                    color: None,
                    writable: c.writable,
                    is_default: c.is_default,
                })
                .collect();
            let calendars =
                new_calendars(app, &mut tx, user_id, calendar_provider, found).await.map_err(|e| match e {
                    super::CalendarError::Store(e) => OAuthError::Store(e),
                    e => OAuthError::Internal(anyhow::anyhow!(e)),
                })?;
            let connection = NewConnection {
                id: &id,
                user_id,
                provider: calendar_provider,
                account: &account,
                url: None,
                secret_sealed: None,
            };
            tx.insert_calendar_connection(&connection, &calendars, now).await?;
            tx.put_oauth_tokens(&id, user_id, provider, &tokens, now).await?;
            id
        }
    };
    tx.commit().await?;
    app.wake(Queue::Calendar);
    tracing::info!(connection_id = %id, %provider, "an OAuth calendar account was connected");
    let what = crate::integrations::oauth::product_name(provider);
    Ok(match existing {
        Some(_) => format!("{what} ({account}) is connected again."),
        None => format!("{what} ({account}) is connected."),
    })
}

fn discovery_error(provider: &'static str, e: ProviderError) -> OAuthError {
    match e {
        ProviderError::Unauthorized | ProviderError::Forbidden(_) => {
            OAuthError::Refused { provider, code: "calendar_access_refused".into() }
        }
        e => OAuthError::Unavailable { provider, why: e.to_string() },
    }
}
