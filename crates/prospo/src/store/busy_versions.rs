//! Busy versions: a counter per user raised in the transaction of every change of their busy time,
//! so a cache of busy times (team slots, `scheduling::busy_cache`) knows in one read whether it
//! still holds, on every instance.

use std::collections::HashMap;

use super::{Db, StoreResult, Tx, on_db, on_tx};

impl Tx {
    /// Raises the busy versions of `user_ids`, one row at a time in id order (so transactions
    /// raising overlapping sets cannot deadlock on PostgreSQL).
    pub async fn raise_busy_versions(&mut self, user_ids: &[&str]) -> StoreResult<()> {
        let mut ids = user_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            on_tx!(self, |c| {
                sqlx::query(
                    "INSERT INTO busy_versions (user_id, version) VALUES ($1, 1) \
                     ON CONFLICT (user_id) DO UPDATE SET version = busy_versions.version + 1",
                )
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
            })?;
        }
        Ok(())
    }

    /// Raises the busy versions of everyone attending a meeting: its host and its co-hosts.
    pub async fn raise_meeting_busy_versions(&mut self, meeting_id: &str, host_id: &str) -> StoreResult<()> {
        let cohosts: Vec<String> = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT user_id FROM meeting_hosts WHERE meeting_id = $1")
                .bind(meeting_id)
                .fetch_all(&mut *c)
                .await
        })?;
        let mut ids: Vec<&str> = cohosts.iter().map(String::as_str).collect();
        ids.push(host_id);
        self.raise_busy_versions(&ids).await
    }
}

impl Db {
    /// The busy versions of `user_ids` (0 for a user never changed).
    pub async fn busy_versions(&self, user_ids: &[String]) -> StoreResult<HashMap<String, i64>> {
        if user_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let marks: Vec<String> = (1..=user_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT user_id, version FROM busy_versions WHERE user_id IN ({})", marks.join(", "));
        let rows: Vec<(String, i64)> = on_db!(self, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for id in user_ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await
        })?;
        let mut versions: HashMap<String, i64> = user_ids.iter().map(|id| (id.clone(), 0)).collect();
        versions.extend(rows);
        Ok(versions)
    }
}
