//! OAuth connections (product.md §9): authorizations in flight (`oauth_states`) and the tokens of
//! each connection (`oauth_tokens`), whatever the provider.

use super::{Db, StoreResult, Tx, on_db, on_tx};
use crate::domain::text_forms::text_forms;

/// Who a user connects with one button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OAuthProvider {
    Google,
    Microsoft,
    Zoom,
}

text_forms! {
    OAuthProvider { Google => "google", Microsoft => "microsoft", Zoom => "zoom" }
}

/// An authorization in flight, taken (deleted) by its callback.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StateRow {
    pub session_hash: String,
    pub user_id: String,
    pub provider: OAuthProvider,
    pub verifier_sealed: Vec<u8>,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub connection_id: String,
    pub user_id: String,
    pub provider: OAuthProvider,
    pub access_sealed: Vec<u8>,
    pub access_expires_at: i64,
    pub refresh_sealed: Vec<u8>,
    pub scopes: String,
    pub version: i64,
    pub refreshing_until: Option<i64>,
}

/// Sealed tokens to store, after a code exchange or a refresh.
pub struct SealedTokens<'a> {
    pub access_sealed: &'a [u8],
    pub access_expires_at: i64,
    pub refresh_sealed: &'a [u8],
    pub scopes: &'a str,
}

const SELECT_TOKEN: &str = "SELECT connection_id, user_id, provider, access_sealed, access_expires_at, refresh_sealed, \
     scopes, version, refreshing_until FROM oauth_tokens WHERE connection_id = $1";

impl Db {
    /// Stores an authorization in flight (and forgets those older than `expired_before`).
    pub async fn insert_oauth_state(&self, state_hash: &str, row: &StateRow, expired_before: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM oauth_states WHERE created_at < $1").bind(expired_before).execute(&mut *c).await?;
            sqlx::query(
                "INSERT INTO oauth_states (state_hash, session_hash, user_id, provider, verifier_sealed, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(state_hash)
            .bind(&row.session_hash)
            .bind(&row.user_id)
            .bind(row.provider)
            .bind(&row.verifier_sealed)
            .bind(row.created_at)
            .execute(&mut *c)
            .await
            .map(drop)
        })?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes an authorization in flight: deleted in the same statement, so of two callbacks with
    /// one state only one gets it.
    pub async fn take_oauth_state(&self, state_hash: &str) -> StoreResult<Option<StateRow>> {
        let mut tx = self.begin().await?;
        let row = on_tx!(&mut tx, |c| {
            sqlx::query_as(
                "DELETE FROM oauth_states WHERE state_hash = $1 \
                 RETURNING session_hash, user_id, provider, verifier_sealed, created_at",
            )
            .bind(state_hash)
            .fetch_optional(&mut *c)
            .await
        })?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn oauth_token(&self, connection_id: &str) -> StoreResult<Option<TokenRow>> {
        Ok(on_db!(self, |pool| sqlx::query_as(SELECT_TOKEN).bind(connection_id).fetch_optional(pool).await)?)
    }

    /// Claims the refresh of a connection's tokens until `until`, if nobody refreshed them since
    /// `version` was read and no other claim is live. Whoever gets `true` refreshes; the others wait
    /// for the version to move.
    pub async fn claim_oauth_refresh(
        &self,
        connection_id: &str,
        version: i64,
        now: i64,
        until: i64,
    ) -> StoreResult<bool> {
        let _writer = self.sqlite_writer().await;
        let claimed = on_db!(self, |pool| {
            sqlx::query(
                "UPDATE oauth_tokens SET refreshing_until = $4 WHERE connection_id = $1 AND version = $2 \
                 AND (refreshing_until IS NULL OR refreshing_until < $3)",
            )
            .bind(connection_id)
            .bind(version)
            .bind(now)
            .bind(until)
            .execute(pool)
            .await
            .map(|r| r.rows_affected() == 1)
        })?;
        Ok(claimed)
    }

    /// Stores refreshed tokens if the version is still the one the refresh started from; the
    /// version rises and the claim ends. `false` when another writer moved it (nothing stored).
    pub async fn store_refreshed_oauth_tokens(
        &self,
        connection_id: &str,
        version: i64,
        tokens: &SealedTokens<'_>,
        now: i64,
    ) -> StoreResult<bool> {
        let _writer = self.sqlite_writer().await;
        let stored = on_db!(self, |pool| {
            sqlx::query(
                "UPDATE oauth_tokens SET access_sealed = $3, access_expires_at = $4, refresh_sealed = $5, scopes = $6, \
                 version = version + 1, refreshing_until = NULL, refreshed_at = $7 \
                 WHERE connection_id = $1 AND version = $2",
            )
            .bind(connection_id)
            .bind(version)
            .bind(tokens.access_sealed)
            .bind(tokens.access_expires_at)
            .bind(tokens.refresh_sealed)
            .bind(tokens.scopes)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected() == 1)
        })?;
        Ok(stored)
    }

    /// Ends a claim without a new token (the refresh failed).
    pub async fn release_oauth_refresh(&self, connection_id: &str, version: i64) -> StoreResult<()> {
        let _writer = self.sqlite_writer().await;
        on_db!(self, |pool| {
            sqlx::query("UPDATE oauth_tokens SET refreshing_until = NULL WHERE connection_id = $1 AND version = $2")
                .bind(connection_id)
                .bind(version)
                .execute(pool)
                .await
                .map(drop)
        })?;
        Ok(())
    }

    /// Every token row's seals, for `keys rotate`.
    pub async fn sealed_oauth_tokens(&self) -> StoreResult<Vec<(String, String, Vec<u8>, Vec<u8>)>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT connection_id, user_id, access_sealed, refresh_sealed FROM oauth_tokens")
                .fetch_all(pool)
                .await
        })?)
    }

    pub async fn replace_sealed_oauth_tokens(
        &self,
        connection_id: &str,
        access: &[u8],
        refresh: &[u8],
    ) -> StoreResult<()> {
        let _writer = self.sqlite_writer().await;
        on_db!(self, |pool| {
            sqlx::query("UPDATE oauth_tokens SET access_sealed = $2, refresh_sealed = $3 WHERE connection_id = $1")
                .bind(connection_id)
                .bind(access)
                .bind(refresh)
                .execute(pool)
                .await
                .map(drop)
        })?;
        Ok(())
    }
}

impl Tx {
    /// The tokens of a new (or reconnected) connection; a reconnect starts a new version line.
    pub async fn put_oauth_tokens(
        &mut self,
        connection_id: &str,
        user_id: &str,
        provider: OAuthProvider,
        tokens: &SealedTokens<'_>,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO oauth_tokens (connection_id, user_id, provider, access_sealed, access_expires_at, \
                 refresh_sealed, scopes, version, refreshed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) \
                 ON CONFLICT (connection_id) DO UPDATE SET access_sealed = excluded.access_sealed, \
                 access_expires_at = excluded.access_expires_at, refresh_sealed = excluded.refresh_sealed, \
                 scopes = excluded.scopes, version = oauth_tokens.version + 1, refreshing_until = NULL, \
                 refreshed_at = excluded.refreshed_at",
            )
            .bind(connection_id)
            .bind(user_id)
            .bind(provider)
            .bind(tokens.access_sealed)
            .bind(tokens.access_expires_at)
            .bind(tokens.refresh_sealed)
            .bind(tokens.scopes)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(drop)
        })?;
        Ok(())
    }

    pub async fn delete_oauth_tokens(&mut self, connection_id: &str) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM oauth_tokens WHERE connection_id = $1")
                .bind(connection_id)
                .execute(&mut *c)
                .await
                .map(drop)
        })?;
        Ok(())
    }
}
