//! Users: the rows behind sign-up and log-in.

use super::outbox::OutgoingMail;
use super::{Db, StoreError, StoreResult, Tx, new_id, on_db, on_tx};

impl LinkKind {
    fn table(self) -> &'static str {
        match self {
            LinkKind::EmailVerification => "email_verifications",
            LinkKind::PasswordReset => "password_resets",
        }
    }
}

impl Tx {
    /// Stores a single-use link and queues the mail that carries it, in this transaction.
    pub async fn insert_link(
        &mut self,
        kind: LinkKind,
        user_id: &str,
        link: &NewLink<'_>,
        now: i64,
    ) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO {} (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            kind.table()
        );
        on_tx!(self, |c| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(link.token_hash)
                .bind(user_id)
                .bind(now)
                .bind(link.expires_at)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        self.enqueue_mails(std::slice::from_ref(link.mail), now).await
    }

    /// Uses a link: marks it used if it is unused and unexpired (only one use can win) and
    /// answers whose it was.
    pub async fn use_link(&mut self, kind: LinkKind, token_hash: &str, now: i64) -> StoreResult<Option<String>> {
        let sql = format!(
            "UPDATE {} SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
            kind.table()
        );
        let used: Option<(String,)> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(now).fetch_optional(&mut *c).await
        })?;
        Ok(used.map(|(user_id,)| user_id))
    }
}

impl Db {
    /// Stores another link for an account and queues the mail that carries it, together.
    pub async fn create_account_link(
        &self,
        kind: LinkKind,
        user_id: &str,
        link: &NewLink<'_>,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.insert_link(kind, user_id, link, now).await?;
        tx.commit().await
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
    /// The public profile's short bio.
    pub bio: Option<String>,
    /// The language invitees' pages default to (`en`, `de`, `fr`, `es`, `pt`).
    pub locale: Option<String>,
    /// Sites allowed to embed the booking pages, as a JSON array of origins.
    pub embed_origins: String,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    /// The email verification link, stored with the account together with the mail that carries it.
    pub verification: &'a NewLink<'a>,
    /// The first hours: (zone, weekly JSON, overrides JSON).
    pub availability: (&'a str, &'a str, &'a str),
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
             created_at, bio, locale, embed_origins FROM users ",
            $clause
        )
    };
}

/// A host with what booking reads about them besides the account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HostRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub zoom_connected: bool,
    /// The availability as stored (validated JSON), when the host saved one.
    pub availability_timezone: Option<String>,
    pub availability_weekly: Option<String>,
    pub availability_overrides: Option<String>,
}

macro_rules! select_host {
    () => {
        "SELECT u.id, u.email, u.username, u.name, u.password_hash, u.timezone, u.failed_logins, u.locked_until, \
         u.email_verified_at, u.created_at, u.bio, u.locale, u.embed_origins, \
         EXISTS (SELECT 1 FROM zoom_connections z WHERE z.user_id = u.id) AS zoom_connected, \
         a.timezone AS availability_timezone, a.weekly AS availability_weekly, a.overrides AS availability_overrides \
         FROM users u LEFT JOIN availability a ON a.user_id = u.id "
    };
}

impl Db {
    pub async fn create_user(&self, user: NewUser<'_>, now: i64) -> Result<UserRow, CreateUserError> {
        let id = new_id();
        let result = async {
            let mut tx = self.begin().await?;
            on_tx!(&mut tx, |c| {
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
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
            })?;
            tx.insert_link(LinkKind::EmailVerification, &id, user.verification, now).await?;
            tx.put_availability(&id, user.availability, now).await?;
            tx.commit().await
        }
        .await;
        match result {
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

    /// A host as booking needs them, in one read: the account, whether Zoom is connected, and the
    /// stored availability (if any).
    pub async fn host_by_username(&self, username: &str) -> StoreResult<Option<HostRow>> {
        const SQL: &str = concat!(select_host!(), "WHERE u.username = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(username).fetch_optional(pool).await)?)
    }

    /// [`Db::host_by_username`] by id.
    pub async fn host_by_id(&self, id: &str) -> StoreResult<Option<HostRow>> {
        const SQL: &str = concat!(select_host!(), "WHERE u.id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRow>> {
        const SQL: &str = select_user!("WHERE username = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(username).fetch_optional(pool).await)?)
    }

    /// A new password: every session but `keep` (the one that asked) and every API token end, and
    /// reset links sent earlier stop working, as after a reset.
    pub async fn change_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(user_id)
                .bind(password_hash)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user_id)
                .bind(keep.unwrap_or(""))
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id).execute(&mut *c).await?;
            sqlx::query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id)
                .bind(now)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        tx.commit().await
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("{0:?} is taken")]
    Taken(Taken),
    #[error(transparent)]
    Store(#[from] StoreError),
}
