//! Idempotency keys: a request claims its key before it runs and records its answer after; a retry
//! with the same key finds the answer (or the first request still running).

use super::{Db, StoreResult, on_db};

/// What a request's key finds.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use (or the first use was abandoned): run the request, then [`Db::finish_idempotency_key`].
    Fresh,
    /// Answered before, to the same body.
    Answered { status: u16, answer_sealed: Vec<u8> },
    /// Used before with another body.
    Reused,
    /// The first request with this key is still being answered.
    InFlight,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    request_hash: String,
    status: Option<i64>,
    answer_sealed: Option<Vec<u8>>,
    created_at: i64,
}

impl Db {
    /// Claims `key_hash` for a request whose body hashes to `request_hash`. A claim whose request
    /// has not answered after `abandoned_after_ms` (its instance died) may be taken over.
    pub async fn claim_idempotency_key(
        &self,
        key_hash: &str,
        request_hash: &str,
        abandoned_after_ms: i64,
        now: i64,
    ) -> StoreResult<Claim> {
        let inserted = on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO idempotency_keys (key_hash, request_hash, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key_hash) DO NOTHING",
            )
            .bind(key_hash)
            .bind(request_hash)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let row: Option<KeyRow> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT request_hash, status, answer_sealed, created_at FROM idempotency_keys WHERE key_hash = $1",
            )
            .bind(key_hash)
            .fetch_optional(pool)
            .await
        })?;
        // Deleted in between (released after a failure): the caller may simply retry as new.
        let Some(row) = row else { return Ok(Claim::InFlight) };
        if row.request_hash != request_hash {
            return Ok(Claim::Reused);
        }
        match (row.status, row.answer_sealed) {
            (Some(status), Some(answer_sealed)) => {
                Ok(Claim::Answered { status: u16::try_from(status).unwrap_or(500), answer_sealed })
            }
            _ if row.created_at <= now - abandoned_after_ms => {
                let taken = on_db!(self, |pool| {
                    sqlx::query(
                        "UPDATE idempotency_keys SET created_at = $1 \
                         WHERE key_hash = $2 AND status IS NULL AND created_at = $3",
                    )
                    .bind(now)
                    .bind(key_hash)
                    .bind(row.created_at)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
                })?;
                Ok(if taken == 1 { Claim::Fresh } else { Claim::InFlight })
            }
            _ => Ok(Claim::InFlight),
        }
    }

    /// Records the answer to a claimed key.
    pub async fn finish_idempotency_key(&self, key_hash: &str, status: u16, answer_sealed: &[u8]) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE idempotency_keys SET status = $1, answer_sealed = $2 WHERE key_hash = $3")
                .bind(i64::from(status))
                .bind(answer_sealed)
                .bind(key_hash)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Gives up a claim whose request got no answer worth repeating (a 5xx, a rate limit).
    pub async fn release_idempotency_key(&self, key_hash: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("DELETE FROM idempotency_keys WHERE key_hash = $1 AND status IS NULL")
                .bind(key_hash)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Forgets keys made before `before`.
    pub async fn delete_idempotency_keys_before(&self, before: i64) -> StoreResult<u64> {
        Ok(on_db!(self, |pool| {
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }
}
