//! `GET /users/{userId}`.

use jiff::Timestamp;
use serde::Deserialize;

use crate::Auth;
use crate::client::{PathSegment, ZoomClient};
use crate::error::{CallKind, Result};
use crate::serde_util::{lenient_i64, opt_timestamp};

/// A Zoom user (the fields a scheduler uses; others are ignored).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    /// 1 Basic, 2 Licensed, 4 Unassigned, 99 None.
    #[serde(default, rename = "type", deserialize_with = "lenient_i64")]
    pub user_type: Option<i64>,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub pmi: Option<i64>,
    #[serde(default)]
    pub role_name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// `pending`, `active` or `inactive`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub created_at: Option<Timestamp>,
}

impl ZoomClient {
    /// `GET /users/{user}` where `user` is `me`, a user id or an email.
    pub async fn get_user(&self, auth: &Auth, user: &str) -> Result<User> {
        let url = self.api_url(&[PathSegment::Literal("users"), PathSegment::Id(user)]);
        self.json(auth, CallKind::Other, |http| http.get(&url)).await
    }
}
