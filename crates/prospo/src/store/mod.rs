//! Storage: one [`Db`] over SQLite or PostgreSQL, running the same SQL on either.
//!
//! Queries are written once with `$1` placeholders (both drivers accept them) and run through
//! [`on_db!`], which expands the body once per backend. Backend-specific SQL (advisory locks,
//! `FOR UPDATE SKIP LOCKED`) lives in explicit match arms.

pub mod accounts;
pub mod availability;
pub mod email_verifications;
pub mod event_types;
pub mod meetings;
pub mod outbox;
pub mod password_resets;
pub mod reminders;
pub mod sessions;
pub mod tokens;
pub mod webhooks;
pub mod zoom_connections;
pub mod zoom_jobs;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// Runs `$body` with `$pool` bound to whichever pool `$db` holds.
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

/// Claims due rows for one worker across all instances. `$select` is an `UPDATE … WHERE key IN
/// (SELECT … LIMIT $3` statement left open (binds: `$1` now, `$2` claimed until, `$3` limit) and
/// `$returning` its `RETURNING` clause. SQLite has one writer, so the statement is atomic alone;
/// PostgreSQL skips rows another instance is claiming.
macro_rules! claim_due {
    ($db:expr, $now:expr, $until:expr, $limit:expr, $select:literal, $returning:literal) => {
        match $db {
            $crate::store::Db::Sqlite(pool) => {
                sqlx::query_as(concat!($select, ") ", $returning))
                    .bind($now)
                    .bind($until)
                    .bind($limit)
                    .fetch_all(pool)
                    .await
            }
            $crate::store::Db::Postgres(pool) => {
                sqlx::query_as(concat!($select, " FOR UPDATE SKIP LOCKED) ", $returning))
                    .bind($now)
                    .bind($until)
                    .bind($limit)
                    .fetch_all(pool)
                    .await
            }
        }
    };
}
pub(crate) use claim_due;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(constraint or message)`.
    pub fn from_sqlx(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            let which = db.constraint().map(str::to_owned).unwrap_or_else(|| db.message().to_owned());
            return StoreError::Conflict(which);
        }
        StoreError::Sqlx(e)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            anyhow::bail!(
                "unsupported database URL scheme {scheme:?}: use sqlite://PATH, postgres://… or postgresql://…"
            )
        }
    }
}

impl Db {
    /// Opens the database a URL names. SQLite files (and their folder) are created on first start.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .with_context(|| "invalid SQLite URL")?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                if let Some(dir) = Path::new(options.get_filename()).parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .context("cannot open the SQLite database")?;
                Ok(Db::Sqlite(pool))
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .context("cannot connect to PostgreSQL")?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations. On PostgreSQL sqlx holds an advisory lock while it migrates,
    /// so several instances starting together apply each migration once.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
        .context("database migration failed")
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> StoreResult<()> {
        on_db!(self, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(self, |pool| pool.close().await)
    }
}

/// Milliseconds since the Unix epoch: how instants are stored.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
