//! Personal API tokens: only their hashes are stored.

use super::{Db, StoreResult, on_db};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl Db {
    pub async fn create_api_token(
        &self,
        id: &str,
        user_id: &str,
        name: &str,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Finds the token a hash belongs to and marks it used.
    pub async fn use_api_token(&self, token_hash: &str, now: i64) -> StoreResult<Option<TokenRow>> {
        let row: Option<TokenRow> = on_db!(self, |pool| {
            sqlx::query_as(
                "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 \
                 RETURNING id, user_id, name, created_at, last_used_at",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// A user's tokens, newest first.
    pub async fn api_tokens(&self, user_id: &str) -> StoreResult<Vec<TokenRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, user_id, name, created_at, last_used_at FROM api_tokens \
                 WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
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
