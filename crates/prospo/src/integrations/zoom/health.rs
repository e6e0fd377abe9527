//! Health checks: periodic (hourly by default, jittered, claimed so each connection is checked
//! once across instances), on demand (Check now), and at once when Zoom refuses a fresh token.

use std::time::Duration;

use rand::Rng;
use tokio::sync::mpsc;
use zoom::ZoomError;

use super::{ConnectProblem, MintedToken, ZoomIntegration};
use crate::store::now_ms;
use crate::store::zoom_connections::ZoomConnectionRow;

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
/// A claimed check not finished by then may be taken by another instance.
const CLAIM_MS: i64 = 2 * 60 * 1000;

impl ZoomIntegration {
    pub(super) fn jittered_interval_ms(&self) -> i64 {
        let base = self.check_interval.as_millis() as i64;
        let jitter = base / 10;
        base + if jitter > 0 { rand::rng().random_range(-jitter..=jitter) } else { 0 }
    }

    /// Checks one connection. `fresh_token` mints a new token (Check now); the periodic check
    /// uses the cached one, which a deactivated app's revocation already kills.
    pub async fn check(&self, row: &ZoomConnectionRow, fresh_token: bool) -> anyhow::Result<CheckOutcome> {
        let outcome = self.probe(row, fresh_token).await;
        let next = now_ms() + self.jittered_interval_ms();
        match &outcome {
            (CheckOutcome::Healthy, scopes) => {
                self.db.record_zoom_health(&row.id, None, scopes.as_deref(), next, None).await?
            }
            (CheckOutcome::NeedsAttention(problem), scopes) => {
                tracing::info!(connection_id = %row.id, code = problem.code(), "zoom connection needs attention");
                let error = (problem.code(), problem.message());
                let alert = self.connection_alert(&row.user_id, &error.1).await?;
                let (error, scopes) = (Some((error.0, error.1.as_str())), scopes.as_deref());
                self.db.record_zoom_health(&row.id, error, scopes, next, Some(&alert)).await?;
                self.notices.wake_sender();
            }
            (CheckOutcome::Inconclusive, _) => {
                let retry = now_ms() + RETRY_INCONCLUSIVE_MS;
                let current = row.error_code.as_deref().zip(row.error_message.as_deref());
                self.db.record_zoom_health(&row.id, current, None, retry, None).await?
            }
        }
        Ok(outcome.0)
    }

    async fn probe(&self, row: &ZoomConnectionRow, fresh_token: bool) -> (CheckOutcome, Option<String>) {
        let Ok(creds) = self.credentials(row) else {
            // The keyring no longer opens the stored secret: only new credentials help.
            return (CheckOutcome::NeedsAttention(ConnectProblem::InvalidCredentials), None);
        };
        let token = if fresh_token { self.client.mint_token(&creds).await } else { self.client.token(&creds).await };
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
        match self.client.get_user(&creds, &row.zoom_user_id).await {
            Ok(_) => (CheckOutcome::Healthy, scopes),
            Err(e) => (outcome_of_error(&e, row), scopes),
        }
    }

    /// Runs due checks until the task is dropped: wakes every `poll` or when a check became due early.
    pub async fn run_health_checks(self, poll: Duration) {
        loop {
            match self.db.claim_due_zoom_checks(20, CLAIM_MS).await {
                Ok(rows) => {
                    for row in rows {
                        if let Err(e) = self.check(&row, false).await {
                            tracing::error!(error = ?e, connection_id = %row.id, "zoom health check failed to record");
                        }
                    }
                }
                Err(e) => tracing::error!(error = ?e, "cannot claim zoom health checks"),
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                () = self.wake_checks.notified() => {}
            }
        }
    }

    /// Makes a connection's check due now, e.g. after Zoom refused a freshly minted token (401
    /// code 124) or answered 4711 to any call.
    pub async fn check_soon(&self, connection_id: &str) {
        if let Err(e) = self.db.make_zoom_check_due(connection_id).await {
            tracing::error!(error = ?e, connection_id, "cannot schedule a zoom health check");
        }
        self.wake_checks.notify_one();
    }

    /// Compares every freshly minted token's scopes with the required ones: a token that lacks one
    /// moves the app's connections to Needs attention at once.
    pub async fn watch_minted_tokens(self, mut minted: mpsc::UnboundedReceiver<MintedToken>) {
        while let Some((account_id, client_id, missing, minted_at)) = minted.recv().await {
            if missing.is_empty() {
                continue;
            }
            let rows = match self.db.zoom_connections_of_app(&account_id, &client_id).await {
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
                let recorded = match self.connection_alert(&row.user_id, &message).await {
                    Ok(alert) => self
                        .db
                        .record_missing_scopes_since(&row.id, problem.code(), &message, minted_at, &alert)
                        .await
                        .map_err(anyhow::Error::from),
                    Err(e) => Err(e),
                };
                match recorded {
                    Ok(()) => self.notices.wake_sender(),
                    Err(e) => tracing::error!(error = ?e, connection_id = %row.id, "cannot record missing scopes"),
                }
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
