//! Failed log-ins, counted per key (a client address; an account from one address) in fixed
//! windows. An attempt is counted before its password is checked, in one statement per key, so
//! parallel guesses cannot all slip under the limit; a correct password gives its count back.

use super::{Db, StoreResult, Tx, on_tx};

/// A key's count in its window, after this attempt.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct AttemptCount {
    pub failures: i64,
    pub window_start: i64,
}

impl Db {
    /// Counts an attempt against every key (in one transaction); returns each key's count.
    pub async fn count_login_attempt(
        &self,
        keys: &[String],
        window_ms: i64,
        now: i64,
    ) -> StoreResult<Vec<AttemptCount>> {
        let mut tx = self.begin().await?;
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            counts.push(tx.count_attempt(key, window_ms, now).await?);
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// A correct password: the attempt counted for it is given back.
    pub async fn refund_login_attempt(&self, keys: &[String]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for key in keys {
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE login_attempts SET failures = failures - 1 WHERE key = $1 AND failures > 0")
                    .bind(key)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await
    }
}

impl Tx {
    async fn count_attempt(&mut self, key: &str, window_ms: i64, now: i64) -> StoreResult<AttemptCount> {
        Ok(on_tx!(self, |c| {
            sqlx::query_as(
                "INSERT INTO login_attempts (key, window_start, failures) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET \
                   failures = CASE WHEN login_attempts.window_start <= $2 - $3 THEN 1 ELSE login_attempts.failures + 1 END, \
                   window_start = CASE WHEN login_attempts.window_start <= $2 - $3 THEN $2 ELSE login_attempts.window_start END \
                 RETURNING failures, window_start",
            )
            .bind(key)
            .bind(now)
            .bind(window_ms)
            .fetch_one(&mut *c)
            .await
        })?)
    }
}
