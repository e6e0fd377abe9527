//! Personal API tokens: only their hashes are stored. A token ends at its own end (`expires_at`,
//! named tokens that were given one) or `idle_days` after its last use (tokens from log-in).

use super::{Db, StoreResult, on_db};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// When it stops working, if it does (for a log-in token: as of its last use).
    pub ends_at: Option<i64>,
}

/// How long a token lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLife {
    /// Until revoked, or until this instant (ms).
    Until(Option<i64>),
    /// Until this many days pass without a use.
    Idle { days: i64 },
}

/// Every [`TokenRow`] column; `ends_at` computed from the two ways a token ends.
const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, last_used_at, \
     CASE WHEN idle_days IS NOT NULL THEN COALESCE(last_used_at, created_at) + idle_days * 86400000 \
     ELSE expires_at END AS ends_at";

impl Db {
    pub async fn create_api_token(
        &self,
        id: &str,
        user_id: &str,
        name: &str,
        token_hash: &str,
        life: TokenLife,
        now: i64,
    ) -> StoreResult<()> {
        let (expires_at, idle_days) = match life {
            TokenLife::Until(end) => (end, None),
            TokenLife::Idle { days } => (None, Some(days)),
        };
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at, idle_days) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .bind(idle_days)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Finds the live token a hash belongs to and marks it used (which, for a log-in token, moves
    /// its end); an ended token is not found.
    pub async fn use_api_token(&self, token_hash: &str, now: i64) -> StoreResult<Option<TokenRow>> {
        let sql = format!(
            "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 \
             AND (expires_at IS NULL OR expires_at > $2) \
             AND (idle_days IS NULL OR COALESCE(last_used_at, created_at) + idle_days * 86400000 > $2) \
             RETURNING {TOKEN_COLUMNS}"
        );
        Ok(on_db!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(token_hash).bind(now).fetch_optional(pool).await
        })?)
    }

    /// A user's tokens that still work, newest first.
    pub async fn api_tokens(&self, user_id: &str, now: i64) -> StoreResult<Vec<TokenRow>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 \
             AND (expires_at IS NULL OR expires_at > $2) \
             AND (idle_days IS NULL OR COALESCE(last_used_at, created_at) + idle_days * 86400000 > $2) \
             ORDER BY created_at DESC, id DESC"
        );
        Ok(on_db!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(user_id).bind(now).fetch_all(pool).await
        })?)
    }

    /// Revokes one of the user's tokens; false when the user has no such token.
    pub async fn delete_api_token(&self, user_id: &str, token_id: &str) -> StoreResult<bool> {
        let affected = on_db!(self, |pool| {
            sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                .bind(token_id)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(affected > 0)
    }
}
