//! The calendar data both emulators share: users, their calendars, and events, with a store-wide
//! change counter that sync tokens (Google) and delta tokens (Graph) are built on.
//!
//! Deleted events stay as tombstones so that incremental syncs can report them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Provider, ids};

/// When an event starts or ends: an instant, or a whole day (all-day events float: the day is
/// read in whatever zone the answer uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum EventTime {
    At(Timestamp),
    AllDay(Date),
}

impl EventTime {
    /// The instant this time stands for, reading all-day dates as midnight in `tz`.
    pub fn instant(self, tz: &TimeZone) -> Timestamp {
        match self {
            EventTime::At(ts) => ts,
            EventTime::AllDay(date) => {
                date.to_zoned(tz.clone()).map(|z| z.timestamp()).unwrap_or_else(|_| date_at_utc(date))
            }
        }
    }
}

fn date_at_utc(date: Date) -> Timestamp {
    date.to_zoned(TimeZone::UTC).map(|z| z.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Graph's `showAs`; Google's `transparency` maps `transparent` to [`ShowAs::Free`] and `opaque`
/// to [`ShowAs::Busy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ShowAs {
    Free,
    Tentative,
    Busy,
    Oof,
    WorkingElsewhere,
    Unknown,
}

impl ShowAs {
    pub fn parse(s: &str) -> Option<ShowAs> {
        Some(match s {
            "free" => ShowAs::Free,
            "tentative" => ShowAs::Tentative,
            "busy" => ShowAs::Busy,
            "oof" => ShowAs::Oof,
            "workingElsewhere" => ShowAs::WorkingElsewhere,
            "unknown" => ShowAs::Unknown,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ShowAs::Free => "free",
            ShowAs::Tentative => "tentative",
            ShowAs::Busy => "busy",
            ShowAs::Oof => "oof",
            ShowAs::WorkingElsewhere => "workingElsewhere",
            ShowAs::Unknown => "unknown",
        }
    }
}

/// Google's event `status`; Graph's `isCancelled` is [`Status::Cancelled`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Confirmed,
    Tentative,
    Cancelled,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "confirmed" => Status::Confirmed,
            "tentative" => Status::Tentative,
            "cancelled" => Status::Cancelled,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Tentative => "tentative",
            Status::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Event {
    pub id: String,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub start: EventTime,
    pub end: EventTime,
    /// The zones the writer named for start and end (Google `timeZone`, Graph `timeZone`).
    pub start_zone: Option<String>,
    pub end_zone: Option<String>,
    pub show_as: ShowAs,
    pub status: Status,
    pub deleted: bool,
    pub ical_uid: String,
    pub transaction_id: Option<String>,
    /// Provider fields the sandbox keeps as written and echoes back (attendees, reminders, …).
    pub extra: Map<String, Value>,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub sequence: i64,
    pub etag: String,
    /// The store's change counter at this event's last write.
    pub changed: u64,
}

impl Event {
    /// Whether the event blocks time: not deleted, not cancelled, not shown as free.
    pub fn busy(&self) -> bool {
        !self.deleted && self.status != Status::Cancelled && self.show_as != ShowAs::Free
    }

    /// Half-open overlap with `[from, to)`, reading all-day dates in `tz`.
    pub fn overlaps(&self, from: Option<Timestamp>, to: Option<Timestamp>, tz: &TimeZone) -> bool {
        let (start, end) = (self.start.instant(tz), self.end.instant(tz));
        from.is_none_or(|f| end > f) && to.is_none_or(|t| start < t)
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Calendar {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub primary: bool,
    pub time_zone: String,
    /// The store's change counter when the calendar was created.
    pub created: u64,
    /// Raised to make every sync/delta token of this calendar stale (`/_sandbox/…/sync-reset`).
    pub sync_epoch: u32,
    pub events: BTreeMap<String, Event>,
}

impl Calendar {
    pub fn tz(&self) -> TimeZone {
        TimeZone::get(&self.time_zone).unwrap_or(TimeZone::UTC)
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct User {
    pub email: String,
    /// Graph's user id (a GUID); Google's calendar ids are email addresses instead.
    pub id: String,
    pub display_name: String,
    /// Calendar ids, the primary one first.
    pub calendars: Vec<String>,
}

impl User {
    pub fn given_and_surname(&self) -> (String, String) {
        match self.display_name.split_once(' ') {
            Some((given, surname)) => (given.to_string(), surname.to_string()),
            None => (self.display_name.clone(), String::new()),
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Store {
    /// Users by lowercase email.
    pub users: BTreeMap<String, User>,
    pub calendars: BTreeMap<String, Calendar>,
    /// The change counter: raised by every write.
    pub seq: u64,
}

/// "ada.lovelace@example.com" reads as "Ada Lovelace".
fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Store {
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The user with this email, created with a primary calendar if new.
    pub fn ensure_user(&mut self, provider: Provider, email: &str) -> &User {
        let email = email.trim().to_ascii_lowercase();
        if !self.users.contains_key(&email) {
            let calendar_id = match provider {
                Provider::Google => email.clone(),
                Provider::Microsoft => ids::graph_item_id(),
            };
            let name = match provider {
                Provider::Google => email.clone(),
                Provider::Microsoft => "Calendar".to_string(),
            };
            self.insert_calendar(&email, calendar_id.clone(), name, true);
            let user = User {
                email: email.clone(),
                id: ids::guid(),
                display_name: name_from_email(&email),
                calendars: vec![calendar_id],
            };
            self.users.insert(email.clone(), user);
        }
        &self.users[&email]
    }

    fn insert_calendar(&mut self, owner: &str, id: String, name: String, primary: bool) {
        let created = self.next_seq();
        let calendar = Calendar {
            id: id.clone(),
            owner: owner.to_string(),
            name,
            primary,
            time_zone: "UTC".into(),
            created,
            sync_epoch: 0,
            events: BTreeMap::new(),
        };
        self.calendars.insert(id, calendar);
    }

    /// A secondary calendar for this user (created if new).
    pub fn add_calendar(&mut self, provider: Provider, email: &str, name: &str) -> String {
        let email = self.ensure_user(provider, email).email.clone();
        let id = match provider {
            Provider::Google => ids::google_calendar_id(),
            Provider::Microsoft => ids::graph_item_id(),
        };
        self.insert_calendar(&email, id.clone(), name.to_string(), false);
        if let Some(user) = self.users.get_mut(&email) {
            user.calendars.push(id.clone());
        }
        id
    }

    pub fn primary_calendar_id(&self, email: &str) -> Option<String> {
        self.users.get(&email.to_ascii_lowercase()).and_then(|u| u.calendars.first().cloned())
    }

    /// A new event with the fields every provider fills in.
    pub fn new_event(&mut self, id: String, start: EventTime, end: EventTime, now: Timestamp) -> Event {
        let changed = self.next_seq();
        Event {
            ical_uid: String::new(),
            id,
            summary: String::new(),
            description: String::new(),
            location: String::new(),
            start,
            end,
            start_zone: None,
            end_zone: None,
            show_as: ShowAs::Busy,
            status: Status::Confirmed,
            deleted: false,
            transaction_id: None,
            extra: Map::new(),
            created: now,
            updated: now,
            sequence: 0,
            etag: ids::etag(),
            changed,
        }
    }

    /// Marks an event written now: a new etag, change number and update time.
    pub fn touch(&mut self, calendar_id: &str, event_id: &str, now: Timestamp) {
        let changed = self.next_seq();
        if let Some(e) = self.calendars.get_mut(calendar_id).and_then(|c| c.events.get_mut(event_id)) {
            e.changed = changed;
            e.updated = now;
            e.etag = ids::etag();
        }
    }
}
