//! Storage: one [`Db`] over SQLite or PostgreSQL, running the same SQL on either.
//!
//! Queries are written once with `$1` placeholders (both drivers accept them) and run through
//! [`on_db!`] (a pool) or [`on_tx!`] (a transaction), which expand the body once per backend.
//! Changes that must commit together run on a [`Tx`] from [`Db::begin`] or [`Db::begin_locked`].
//! Backend-specific SQL (row locks, `FOR UPDATE SKIP LOCKED`) lives in explicit match arms.
//! Nothing here reads the clock: callers pass `now`, so tests can move time.

pub mod accounts;
pub mod availability;
pub mod busy_versions;
pub mod calendars;
mod columns;
pub mod email_verifications;
pub mod event_types;
pub mod idempotency;
pub mod jobs;
pub mod login_attempts;
pub mod meetings;
pub mod oauth;
pub mod outbox;
pub mod outgoing_webhooks;
pub mod password_resets;
pub mod profiles;
pub mod reminders;
pub mod sessions;
pub mod teams;
pub mod tokens;
pub mod webhooks;
pub mod zoom_connections;
pub mod zoom_usage;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

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

/// Runs `$body` with `$conn` bound to the connection of whichever transaction `$tx` holds.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// A write transaction on either backend; dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(SqliteTx { tx, _writer }) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// A SQLite write transaction, holding its database's in-process writer lock until it ends.
///
/// SQLite has one writer per file. Writers of one process queue on this lock (first come, first
/// served) instead of in SQLite's busy handler, which sleeps 1, 2, 5, 10, … ms between tries and
/// so adds its steps to every contended write. Other processes on the same file still meet
/// `busy_timeout`.
pub struct SqliteTx {
    tx: sqlx::Transaction<'static, Sqlite>,
    _writer: tokio::sync::OwnedMutexGuard<()>,
}

impl std::ops::Deref for SqliteTx {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &sqlx::SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }
}

/// The writer lock of the SQLite file `pool` opens, shared by every pool of this process on it.
fn sqlite_writer(pool: &SqlitePool) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static WRITERS: OnceLock<Mutex<HashMap<std::path::PathBuf, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let file = pool.connect_options().get_filename().to_owned();
    let mut writers = WRITERS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    writers.entry(file).or_default().clone()
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// A guarded write found the row changed since it was read.
    #[error("{0} changed meanwhile")]
    Stale(&'static str),
    #[error(transparent)]
    Sqlx(sqlx::Error),
}

/// The one conversion from the driver's errors: a unique violation is a [`StoreError::Conflict`]
/// (so a plain `?` never turns a conflict into a 500); anything else stays a database error.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
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

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a
    /// deferred transaction that upgrades later fails with SQLITE_BUSY, which busy_timeout does
    /// not absorb.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(pool) => {
                let writer = sqlite_writer(pool).lock_owned().await;
                Tx::Sqlite(SqliteTx { tx: pool.begin_with("BEGIN IMMEDIATE").await?, _writer: writer })
            }
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// On SQLite, this process's turn to write outside a transaction (see [`SqliteTx`]).
    pub(crate) async fn sqlite_writer(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self {
            Db::Sqlite(pool) => Some(sqlite_writer(pool).lock_owned().await),
            Db::Postgres(_) => None,
        }
    }

    /// A write transaction holding the host's lock, so that changes to one host's calendar (two
    /// invitees racing for one slot, a disconnect racing a booking) happen one after the other.
    /// SQLite has one writer at a time anyway; PostgreSQL locks the host's row.
    pub async fn begin_locked(&self, host_id: &str) -> StoreResult<Tx> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(t) = &mut tx {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE").bind(host_id).execute(&mut **t).await?;
        }
        Ok(tx)
    }
}

/// `($1, $2, …), (…), …`: the VALUES of a multi-row insert of `rows` rows of `columns` columns, so a
/// batch is one statement.
pub(crate) fn values_list(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let marks: Vec<String> = (1..=columns).map(|col| format!("${}", row * columns + col)).collect();
            format!("({})", marks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
