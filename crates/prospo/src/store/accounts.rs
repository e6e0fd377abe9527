//! Users: the rows behind sign-up and log-in.

use super::outbox::{OutgoingMail, enqueue_mails_sql};
use super::{Db, StoreError, StoreResult, new_id, now_ms, on_db};

/// Inserts a [`NewLink`] into `$table` (email_verifications or password_resets) and queues its mail.
macro_rules! insert_link_sql {
    ($tx:ident, $table:literal, $user_id:expr, $link:expr, $now:expr) => {
        sqlx::query(concat!(
            "INSERT INTO ",
            $table,
            " (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
        ))
        .bind($link.token_hash)
        .bind($user_id)
        .bind($now)
        .bind($link.expires_at)
        .execute(&mut *$tx)
        .await?;
        enqueue_mails_sql!($tx, std::slice::from_ref($link.mail), $now);
    };
}
/// Uses a link of `$table` inside a transaction: marks it used if it is unused and unexpired (only
/// one use can win) and yields `Some(user_id)`, else `None`.
macro_rules! use_link_sql {
    ($tx:ident, $table:literal, $token_hash:expr, $now:expr) => {{
        let used: Option<(String,)> = sqlx::query_as(concat!(
            "UPDATE ",
            $table,
            " SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id"
        ))
        .bind($token_hash)
        .bind($now)
        .fetch_optional(&mut *$tx)
        .await?;
        used.map(|(user_id,)| user_id)
    }};
}
pub(crate) use use_link_sql;

impl Db {
    /// Stores another link for an account and queues the mail that carries it, together.
    pub async fn create_account_link(&self, kind: LinkKind, user_id: &str, link: &NewLink<'_>) -> StoreResult<()> {
        let now = now_ms();
        on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            match kind {
                LinkKind::EmailVerification => {
                    insert_link_sql!(tx, "email_verifications", user_id, link, now);
                }
                LinkKind::PasswordReset => {
                    insert_link_sql!(tx, "password_resets", user_id, link, now);
                }
            }
            tx.commit().await
        }
        .await)?;
        Ok(())
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub username: String,
    pub name: String,
    pub password_hash: String,
    pub timezone: Option<String>,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    /// When the email was confirmed (accounts made before verification existed count as confirmed).
    pub email_verified_at: Option<i64>,
    pub created_at: i64,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    /// The email verification link, stored with the account together with the mail that carries it.
    pub verification: &'a NewLink<'a>,
}

/// Which single-use link a [`NewLink`] is.
#[derive(Debug, Clone, Copy)]
pub enum LinkKind {
    EmailVerification,
    PasswordReset,
}

/// A single-use link sent by mail (email verification, password reset): only its token's hash is
/// stored, and the mail that carries it is queued in the same transaction.
pub struct NewLink<'a> {
    pub token_hash: &'a str,
    pub expires_at: i64,
    pub mail: &'a OutgoingMail,
}

/// Which unique field a sign-up collided with.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Email,
    Username,
}

/// `SELECT` of every [`UserRow`] column, followed by the given clause.
macro_rules! select_user {
    ($clause:literal) => {
        concat!(
            "SELECT id, email, username, name, password_hash, timezone, failed_logins, locked_until, email_verified_at, \
             created_at FROM users ",
            $clause
        )
    };
}

impl Db {
    pub async fn create_user(&self, user: NewUser<'_>) -> Result<UserRow, CreateUserError> {
        let id = new_id();
        let now = now_ms();
        let result = on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO users (id, email, username, name, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(user.email)
            .bind(user.username)
            .bind(user.name)
            .bind(user.password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            insert_link_sql!(tx, "email_verifications", &id, user.verification, now);
            tx.commit().await
        }
        .await);
        match result.map_err(StoreError::from_sqlx) {
            Ok(()) => {}
            // Backends name the violated constraint differently (and SQLite reports only one of
            // two): ask which value is taken instead.
            Err(StoreError::Conflict(_)) if self.user_by_email(user.email).await?.is_some() => {
                return Err(CreateUserError::Taken(Taken::Email));
            }
            Err(StoreError::Conflict(_)) => return Err(CreateUserError::Taken(Taken::Username)),
            Err(e) => return Err(CreateUserError::Store(e)),
        }
        Ok(self.user_by_id(&id).await?.expect("row inserted above"))
    }

    pub async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRow>> {
        const SQL: &str = select_user!("WHERE id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
        const SQL: &str = select_user!("WHERE email = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(email).fetch_optional(pool).await)?)
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRow>> {
        const SQL: &str = select_user!("WHERE username = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(username).fetch_optional(pool).await)?)
    }

    /// Counts a failed log-in and sets how long the account must wait before the next try.
    pub async fn record_failed_login(&self, user_id: &str, locked_until: Option<i64>) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE users SET failed_logins = failed_logins + 1, locked_until = $2 WHERE id = $1")
                .bind(user_id)
                .bind(locked_until)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn clear_failed_logins(&self, user_id: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("{0:?} is taken")]
    Taken(Taken),
    #[error(transparent)]
    Store(#[from] StoreError),
}
