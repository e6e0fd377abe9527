//! Granted scopes and the scopes an S2S app needs.
//!
//! Zoom accepts, for each endpoint, any one of a list mixing granular scopes (user-level,
//! `:admin`, `:master`) and classic ones. [`Scopes::satisfies`] applies exactly that rule.

use std::collections::BTreeSet;
use std::fmt;

/// A scope the app needs, named by its granular user-level name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequiredScope {
    MeetingWrite,
    MeetingRead,
    MeetingUpdate,
    MeetingDelete,
    UserRead,
    ListRecordingFiles,
    ListUserRecordings,
    DeleteRecordingFile,
    /// Recommended, never required: lets a caller find a meeting whose create answer was lost.
    ListMeetings,
}

impl RequiredScope {
    /// The required scopes in their fixed display order.
    pub const REQUIRED: [RequiredScope; 8] = [
        Self::MeetingWrite,
        Self::MeetingRead,
        Self::MeetingUpdate,
        Self::MeetingDelete,
        Self::UserRead,
        Self::ListRecordingFiles,
        Self::ListUserRecordings,
        Self::DeleteRecordingFile,
    ];

    /// The recommended scopes, in display order.
    pub const RECOMMENDED: [RequiredScope; 1] = [Self::ListMeetings];

    /// The granular user-level name, which is what error messages show.
    pub const fn name(self) -> &'static str {
        match self {
            Self::MeetingWrite => "meeting:write:meeting",
            Self::MeetingRead => "meeting:read:meeting",
            Self::MeetingUpdate => "meeting:update:meeting",
            Self::MeetingDelete => "meeting:delete:meeting",
            Self::UserRead => "user:read:user",
            Self::ListRecordingFiles => "cloud_recording:read:list_recording_files",
            Self::ListUserRecordings => "cloud_recording:read:list_user_recordings",
            Self::DeleteRecordingFile => "cloud_recording:delete:recording_file",
            Self::ListMeetings => "meeting:read:list_meetings",
        }
    }

    /// Classic scopes Zoom accepts for the same endpoint.
    pub const fn classic_equivalents(self) -> &'static [&'static str] {
        match self {
            Self::MeetingWrite | Self::MeetingUpdate | Self::MeetingDelete => &["meeting:write", "meeting:write:admin"],
            Self::MeetingRead | Self::ListMeetings => &["meeting:read", "meeting:read:admin"],
            Self::UserRead => &["user:read", "user:read:admin", "user:write", "user:write:admin"],
            Self::ListRecordingFiles | Self::ListUserRecordings => &["recording:read", "recording:read:admin"],
            Self::DeleteRecordingFile => &["recording:write", "recording:write:admin"],
        }
    }
}

impl fmt::Display for RequiredScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scopes granted to a token, parsed from Zoom's space-separated `scope` field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// Parses a space-separated list; extra whitespace is ignored.
    pub fn parse(scope: &str) -> Self {
        Self(scope.split_whitespace().map(str::to_owned).collect())
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a granted scope satisfies `required`: the same name, the name with `:admin` or
    /// `:master` appended, or one of its classic equivalents.
    pub fn satisfies(&self, required: RequiredScope) -> bool {
        let name = required.name();
        self.contains(name)
            || [":admin", ":master"].iter().any(|suffix| self.contains(&format!("{name}{suffix}")))
            || required.classic_equivalents().iter().any(|classic| self.contains(classic))
    }

    /// The required scopes not satisfied, by name, in the fixed display order.
    pub fn missing_required(&self) -> Vec<&'static str> {
        self.missing(&RequiredScope::REQUIRED)
    }

    /// The recommended scopes not satisfied, by name, in display order.
    pub fn missing_recommended(&self) -> Vec<&'static str> {
        self.missing(&RequiredScope::RECOMMENDED)
    }

    fn missing(&self, wanted: &[RequiredScope]) -> Vec<&'static str> {
        wanted.iter().filter(|r| !self.satisfies(**r)).map(|r| r.name()).collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_REQUIRED: [&str; 8] = [
        "meeting:write:meeting",
        "meeting:read:meeting",
        "meeting:update:meeting",
        "meeting:delete:meeting",
        "user:read:user",
        "cloud_recording:read:list_recording_files",
        "cloud_recording:read:list_user_recordings",
        "cloud_recording:delete:recording_file",
    ];

    fn with_suffix(suffix: &str) -> Scopes {
        Scopes::parse(&ALL_REQUIRED.iter().map(|s| format!("{s}{suffix}")).collect::<Vec<_>>().join(" "))
    }

    #[test]
    fn granular_admin_and_master_sets_satisfy_everything_required() {
        for suffix in ["", ":admin", ":master"] {
            let s = with_suffix(suffix);
            assert!(s.missing_required().is_empty(), "suffix {suffix:?}");
            assert_eq!(s.missing_recommended(), vec!["meeting:read:list_meetings"]);
        }
    }

    #[test]
    fn classic_set_satisfies_everything() {
        let s = Scopes::parse(
            "meeting:write:admin meeting:read:admin user:read:admin recording:read:admin recording:write:admin",
        );
        assert!(s.missing_required().is_empty());
        assert!(s.missing_recommended().is_empty());
        let user_level = Scopes::parse("meeting:write meeting:read user:write recording:read recording:write");
        assert!(user_level.missing_required().is_empty());
    }

    #[test]
    fn mixed_set_reports_missing_in_table_order() {
        let s = Scopes::parse(
            "  meeting:write:admin user:read:user:master\tcloud_recording:read:list_recording_files:admin marketplace:read:list_event_subscriptions ",
        );
        assert_eq!(
            s.missing_required(),
            vec![
                "meeting:read:meeting",
                "cloud_recording:read:list_user_recordings",
                "cloud_recording:delete:recording_file",
            ]
        );
        assert!(s.satisfies(RequiredScope::MeetingDelete));
        assert!(s.satisfies(RequiredScope::MeetingUpdate));
    }

    #[test]
    fn near_misses_do_not_count() {
        let s = Scopes::parse(
            "meeting:write:meeting:other meeting:read:meeting:admin:extra meeting:write:meetings user_info:read recording:read:master",
        );
        assert_eq!(s.missing_required(), ALL_REQUIRED.to_vec());
        assert_eq!(Scopes::parse("").missing_required(), ALL_REQUIRED.to_vec());
    }

    #[test]
    fn list_meetings_is_recommended_and_covered_by_classic_read() {
        assert!(Scopes::parse("meeting:read:list_meetings:admin").missing_recommended().is_empty());
        assert!(Scopes::parse("meeting:read").missing_recommended().is_empty());
        assert!(!Scopes::parse("meeting:read:meeting:admin").satisfies(RequiredScope::ListMeetings));
    }
}
