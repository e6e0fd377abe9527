//! Which scopes each endpoint accepts (zoom/README.md §2): its granular scope in the user-level,
//! `:admin` and `:master` forms, or any classic scope listed for it.

use axum::http::StatusCode;

use crate::errors::ZoomError;
use crate::limits::Category;

pub(crate) struct Endpoint {
    pub granular: &'static str,
    pub classic: &'static [&'static str],
    pub category: Category,
}

const MEETING_WRITE: &[&str] = &["meeting:write", "meeting:write:admin"];
const MEETING_READ: &[&str] = &["meeting:read", "meeting:read:admin"];
const RECORDING_READ: &[&str] = &["recording:read", "recording:read:admin"];
const RECORDING_WRITE: &[&str] = &["recording:write", "recording:write:admin"];

pub(crate) const CREATE_MEETING: Endpoint =
    Endpoint { granular: "meeting:write:meeting", classic: MEETING_WRITE, category: Category::Medium };
pub(crate) const GET_MEETING: Endpoint =
    Endpoint { granular: "meeting:read:meeting", classic: MEETING_READ, category: Category::Light };
pub(crate) const UPDATE_MEETING: Endpoint =
    Endpoint { granular: "meeting:update:meeting", classic: MEETING_WRITE, category: Category::Light };
pub(crate) const DELETE_MEETING: Endpoint =
    Endpoint { granular: "meeting:delete:meeting", classic: MEETING_WRITE, category: Category::Light };
pub(crate) const LIST_MEETINGS: Endpoint =
    Endpoint { granular: "meeting:read:list_meetings", classic: MEETING_READ, category: Category::Medium };
pub(crate) const GET_USER: Endpoint = Endpoint {
    granular: "user:read:user",
    classic: &["user:read", "user:write", "user:read:admin", "user:write:admin", "user_profile"],
    category: Category::Light,
};
/// `user_info:read` is accepted for `GET /users/me` only.
pub(crate) const GET_USER_ME: Endpoint = Endpoint {
    granular: "user:read:user",
    classic: &["user:read", "user:write", "user:read:admin", "user:write:admin", "user_profile", "user_info:read"],
    category: Category::Light,
};
pub(crate) const LIST_USER_RECORDINGS: Endpoint = Endpoint {
    granular: "cloud_recording:read:list_user_recordings",
    classic: RECORDING_READ,
    category: Category::Medium,
};
pub(crate) const LIST_RECORDING_FILES: Endpoint = Endpoint {
    granular: "cloud_recording:read:list_recording_files",
    classic: RECORDING_READ,
    category: Category::Light,
};
pub(crate) const DELETE_RECORDING_FILE: Endpoint =
    Endpoint { granular: "cloud_recording:delete:recording_file", classic: RECORDING_WRITE, category: Category::Light };
pub(crate) const DELETE_MEETING_RECORDINGS: Endpoint = Endpoint {
    granular: "cloud_recording:delete:meeting_recording",
    classic: RECORDING_WRITE,
    category: Category::Light,
};

impl Endpoint {
    pub fn allows(&self, granted: &[String]) -> bool {
        granted.iter().any(|g| {
            let g = g.as_str();
            self.classic.contains(&g)
                || g == self.granular
                || g.strip_prefix(self.granular).is_some_and(|rest| rest == ":admin" || rest == ":master")
        })
    }

    /// Whether a scope lets the token act for any user of its account: the granular `:admin`
    /// or `:master` form, or a classic `:admin` scope.
    pub fn allows_account_wide(&self, granted: &[String]) -> bool {
        granted.iter().any(|g| {
            let g = g.as_str();
            (self.classic.contains(&g) && g.ends_with(":admin"))
                || g.strip_prefix(self.granular).is_some_and(|rest| rest == ":admin" || rest == ":master")
        })
    }

    /// Zoom's 400/4711, listing the acceptable granular scopes as seen in real answers.
    pub fn missing_scope(&self) -> ZoomError {
        ZoomError::new(
            StatusCode::BAD_REQUEST,
            4711,
            format!("Invalid access token, does not contain scopes:[{g}, {g}:admin].", g = self.granular),
        )
    }
}
