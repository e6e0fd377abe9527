//! The profile's rows: a whole profile written in one statement (with the verification link a new
//! email needs, in the same transaction), and the profile photo.

use super::accounts::{LinkKind, NewLink, Taken};
use super::{Db, StoreError, StoreResult, on_db, on_tx};

/// A profile as it is to be stored, every field already validated.
pub struct ProfileUpdate<'a> {
    pub name: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub timezone: Option<&'a str>,
    pub bio: Option<&'a str>,
    pub locale: Option<&'a str>,
    /// JSON array of origins.
    pub embed_origins: &'a str,
    /// Set when the email changed: the address is unconfirmed again, earlier links stop working,
    /// and this link (with its mail) is stored instead.
    pub verification: Option<&'a NewLink<'a>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileUpdateError {
    #[error("{0:?} is taken")]
    Taken(Taken),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A stored photo, as served.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoRow {
    pub version: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Db {
    /// Writes the whole profile at once: either every field changes or none does.
    pub async fn update_profile(
        &self,
        user_id: &str,
        profile: &ProfileUpdate<'_>,
        now: i64,
    ) -> Result<(), ProfileUpdateError> {
        let result = async {
            let mut tx = self.begin().await?;
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "UPDATE users SET name = $2, username = $3, email = $4, timezone = $5, bio = $6, locale = $7, \
                     embed_origins = $8, email_verified_at = CASE WHEN $9 THEN NULL ELSE email_verified_at END \
                     WHERE id = $1",
                )
                .bind(user_id)
                .bind(profile.name)
                .bind(profile.username)
                .bind(profile.email)
                .bind(profile.timezone)
                .bind(profile.bio)
                .bind(profile.locale)
                .bind(profile.embed_origins)
                .bind(profile.verification.is_some())
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
            })?;
            if let Some(link) = profile.verification {
                // A link mailed to the old address must not confirm the new one.
                on_tx!(&mut tx, |c| {
                    sqlx::query("UPDATE email_verifications SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
                        .bind(user_id)
                        .bind(now)
                        .execute(&mut *c)
                        .await
                        .map(|r| r.rows_affected())
                })?;
                tx.insert_link(LinkKind::EmailVerification, user_id, link, now).await?;
            }
            tx.commit().await
        }
        .await;
        match result {
            Ok(()) => Ok(()),
            // As at sign-up: ask which value is taken rather than parse the backend's message.
            Err(StoreError::Conflict(_)) => {
                let email_owner = self.user_by_email(profile.email).await?;
                if email_owner.is_some_and(|u| u.id != user_id) {
                    Err(ProfileUpdateError::Taken(Taken::Email))
                } else {
                    Err(ProfileUpdateError::Taken(Taken::Username))
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Stores (or replaces) the user's photo.
    pub async fn put_photo(
        &self,
        user_id: &str,
        version: &str,
        content_type: &str,
        bytes: &[u8],
        now: i64,
    ) -> StoreResult<()> {
        let _writer = self.sqlite_writer().await;
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO profile_photos (user_id, version, content_type, bytes, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, \
                 content_type = excluded.content_type, bytes = excluded.bytes, updated_at = excluded.updated_at",
            )
            .bind(user_id)
            .bind(version)
            .bind(content_type)
            .bind(bytes)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(StoreError::from)
    }

    /// Removes the user's photo; false when there was none.
    pub async fn delete_photo(&self, user_id: &str) -> StoreResult<bool> {
        let _writer = self.sqlite_writer().await;
        let affected = on_db!(self, |pool| {
            sqlx::query("DELETE FROM profile_photos WHERE user_id = $1")
                .bind(user_id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(affected > 0)
    }

    /// The user's photo with its bytes.
    pub async fn photo_of(&self, user_id: &str) -> StoreResult<Option<PhotoRow>> {
        const SQL: &str = "SELECT version, content_type, bytes FROM profile_photos WHERE user_id = $1";
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(user_id).fetch_optional(pool).await)?)
    }

    /// The version of the user's photo (part of its URL), without reading its bytes.
    pub async fn photo_version(&self, user_id: &str) -> StoreResult<Option<String>> {
        const SQL: &str = "SELECT version FROM profile_photos WHERE user_id = $1";
        Ok(on_db!(self, |pool| sqlx::query_scalar(SQL).bind(user_id).fetch_optional(pool).await)?)
    }
}
