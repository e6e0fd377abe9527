//! Health checks: periodic (hourly by default, jittered; each connection's check is its job on the
//! `zoom_check` queue, so it runs once across instances), on demand (Check now), and at once when
//! Zoom refuses a fresh token.

use tokio::sync::mpsc;
use zoom::{Auth, ZoomError};

use super::alerts::connection_alert;
use super::client::MintedToken;
use super::{ConnectProblem, credentials};
use crate::app::{App, AppRef};
use crate::jobs::{ClaimedJob, Completion, JobEnd, Queue, Work};
use crate::store::zoom_connections::{ZoomAuthKind, ZoomConnectionRow};

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    Healthy,
    NeedsAttention(ConnectProblem),
    /// Zoom did not answer usefully; the connection's state is left as it was.
    Inconclusive,
}

/// A check that could not reach Zoom is tried again this much later.
const RETRY_INCONCLUSIVE_MS: i64 = 5 * 60 * 1000;

/// Checks one connection and records the outcome; returns it with when the next periodic check
/// is due. `fresh_token` mints a new token (Check now); the periodic check uses the cached one,
/// which a deactivated app's revocation already kills.
pub async fn check(app: &App, row: &ZoomConnectionRow, fresh_token: bool) -> anyhow::Result<(CheckOutcome, i64)> {
    let (outcome, scopes) = probe(app, row, fresh_token).await;
    let now = app.now_ms();
    let next = match &outcome {
        CheckOutcome::Healthy => {
            app.db.record_zoom_health(&row.id, None, scopes.as_deref(), None, now).await?;
            now + app.zoom.jittered_interval_ms()
        }
        CheckOutcome::NeedsAttention(problem) => {
            tracing::info!(connection_id = %row.id, code = problem.code(), "zoom connection needs attention");
            let message = problem.message();
            let alert = connection_alert(app, &row.user_id, &message).await?;
            let error = Some((problem.code(), message.as_str()));
            app.db.record_zoom_health(&row.id, error, scopes.as_deref(), Some(&alert), now).await?;
            app.wake(Queue::Mail);
            now + app.zoom.jittered_interval_ms()
        }
        CheckOutcome::Inconclusive => {
            let current = row.error_code.as_deref().zip(row.error_message.as_deref());
            app.db.record_zoom_health(&row.id, current, None, None, now).await?;
            now + RETRY_INCONCLUSIVE_MS
        }
    };
    Ok((outcome, next))
}

/// Check now: runs a check with a fresh token, and the next periodic one a period later.
pub async fn check_now(app: &App, row: &ZoomConnectionRow) -> anyhow::Result<CheckOutcome> {
    let (outcome, next) = check(app, row, true).await?;
    app.db.schedule_zoom_check(&row.id, next, app.now_ms()).await?;
    Ok(outcome)
}

async fn probe(app: &App, row: &ZoomConnectionRow, fresh_token: bool) -> (CheckOutcome, Option<String>) {
    if row.kind == ZoomAuthKind::OAuth {
        return probe_user_grant(app, row).await;
    }
    let Ok(creds) = credentials(app, row) else {
        // The keyring no longer opens the stored secret: only new credentials help.
        return (CheckOutcome::NeedsAttention(ConnectProblem::InvalidCredentials), None);
    };
    let client = &app.zoom.client;
    let token = if fresh_token { client.mint_token(&creds).await } else { client.token(&creds).await };
    let token = match token {
        Ok(token) => token,
        Err(e) => return (outcome_of_error(&e, row), None),
    };
    let scopes = Some(token.scopes.iter().collect::<Vec<_>>().join(" "));
    let missing = token.scopes.missing_required();
    if !missing.is_empty() {
        let problem = ConnectProblem::MissingScopes(missing.into_iter().map(str::to_owned).collect());
        return (CheckOutcome::NeedsAttention(problem), scopes);
    }
    match client.get_user(&Auth::App(creds), &row.zoom_user_id).await {
        Ok(_) => (CheckOutcome::Healthy, scopes),
        Err(e) => (outcome_of_error(&e, row), scopes),
    }
}

/// A user-authorised connection: its grant still refreshes (the OAuth core says), it holds the
/// required scopes, and `/users/me` answers.
async fn probe_user_grant(app: &App, row: &ZoomConnectionRow) -> (CheckOutcome, Option<String>) {
    use crate::integrations::oauth::OAuthError;
    match crate::integrations::oauth::access::access_token(app, &row.id).await {
        Ok(_) => {}
        Err(OAuthError::Revoked(_) | OAuthError::InvalidClient(_) | OAuthError::NotOffered) => {
            return (CheckOutcome::NeedsAttention(ConnectProblem::Reconnect), None);
        }
        Err(_) => return (CheckOutcome::Inconclusive, None),
    }
    let scopes = match app.db.oauth_token(&row.id).await {
        Ok(Some(tokens)) => tokens.scopes,
        _ => return (CheckOutcome::Inconclusive, None),
    };
    let missing = zoom::Scopes::parse(&scopes).missing_required();
    if !missing.is_empty() {
        let problem = ConnectProblem::MissingScopes(missing.into_iter().map(str::to_owned).collect());
        return (CheckOutcome::NeedsAttention(problem), Some(scopes));
    }
    let Ok(auth) = super::auth(app, row) else { return (CheckOutcome::Inconclusive, None) };
    match app.zoom.client.get_user(&auth, "me").await {
        Ok(_) => (CheckOutcome::Healthy, Some(scopes)),
        Err(e) => (outcome_of_error(&e, row), Some(scopes)),
    }
}

/// The periodic checks, as the `zoom_check` queue's work.
pub struct ZoomCheckWork(pub AppRef);

impl Work for ZoomCheckWork {
    async fn run(&self, job: &ClaimedJob) -> Completion {
        let app = &self.0;
        let row = match app.db.zoom_connection(&job.subject).await {
            Ok(Some(row)) => row,
            Ok(None) => return Completion::End(JobEnd::Done),
            Err(e) => return retry(app, format!("cannot read the connection: {e}")),
        };
        match check(app, &row, false).await {
            Ok((outcome, next)) => {
                if outcome == CheckOutcome::Healthy
                    && let Err(e) = super::recordings::Recordings(app).poll_awaited(&row.user_id).await
                {
                    tracing::warn!(error = %e, connection_id = %row.id, "cannot look for awaited recordings");
                }
                Completion::End(JobEnd::RunAt(next))
            }
            Err(e) => retry(app, format!("{e:#}")),
        }
    }
}

fn retry(app: &App, error: String) -> Completion {
    Completion::End(JobEnd::Retry { at: app.now_ms() + RETRY_INCONCLUSIVE_MS, error })
}

/// Makes a connection's check due now, e.g. after Zoom refused a freshly minted token (401
/// code 124) or answered 4711 to any call.
pub async fn check_soon(app: &App, connection_id: &str) {
    let now = app.now_ms();
    if let Err(e) = app.db.schedule_zoom_check(connection_id, now, now).await {
        tracing::error!(error = ?e, connection_id, "cannot schedule a zoom health check");
    }
    app.wake(Queue::ZoomCheck);
}

/// Compares every freshly minted token's scopes with the required ones: a token that lacks one
/// moves the app's connections to Needs attention at once.
pub async fn watch_minted_tokens(app: AppRef, mut minted: mpsc::UnboundedReceiver<MintedToken>) {
    while let Some((account_id, client_id, missing, minted_at)) = minted.recv().await {
        if missing.is_empty() {
            continue;
        }
        let rows = match app.db.zoom_connections_of_app(&account_id, &client_id).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = ?e, "cannot look up connections of a minted token");
                continue;
            }
        };
        let problem = ConnectProblem::MissingScopes(missing.iter().map(|s| (*s).to_owned()).collect());
        let message = problem.message();
        for row in rows {
            // A check that ran after this mint saw the app's newer scopes: this news is stale.
            let recorded = match connection_alert(&app, &row.user_id, &message).await {
                Ok(alert) => app
                    .db
                    .record_missing_scopes_since(&row.id, problem.code(), &message, minted_at, &alert, app.now_ms())
                    .await
                    .map_err(anyhow::Error::from),
                Err(e) => Err(e),
            };
            match recorded {
                Ok(()) => app.wake(Queue::Mail),
                Err(e) => tracing::error!(error = ?e, connection_id = %row.id, "cannot record missing scopes"),
            }
        }
    }
}

fn outcome_of_error(error: &ZoomError, row: &ZoomConnectionRow) -> CheckOutcome {
    if let Some(problem) = ConnectProblem::from_zoom_error(error) {
        return CheckOutcome::NeedsAttention(problem);
    }
    match error {
        ZoomError::NotFound { .. } => CheckOutcome::NeedsAttention(match &row.zoom_user_requested {
            Some(email) => ConnectProblem::ZoomUserNotFound(email.clone()),
            None => ConnectProblem::ZoomUserRequired,
        }),
        _ => {
            tracing::warn!(error = %error, connection_id = %row.id, "zoom health check inconclusive");
            CheckOutcome::Inconclusive
        }
    }
}
