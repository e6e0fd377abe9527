//! What a public booking page books: one host's event type, or a team's. The pages and their
//! manage links treat both alike through this.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::booking::{self, BookingError, BookingInput, PublicEvent};
use super::team_booking::{self, TeamEvent};
use crate::app::App;
use crate::store::event_types::EventTypeRow;
use crate::store::meetings::MeetingRow;
use crate::store::{Db, StoreError};

pub enum Bookable {
    Personal(Box<PublicEvent>),
    Team(Box<TeamEvent>),
}

impl Bookable {
    pub fn event(&self) -> &EventTypeRow {
        match self {
            Bookable::Personal(p) => &p.event,
            Bookable::Team(t) => &t.event,
        }
    }

    /// The language the host chose for their public pages (a team has none).
    pub fn host_locale(&self) -> Option<&str> {
        match self {
            Bookable::Personal(p) => p.host.locale.as_deref(),
            Bookable::Team(_) => None,
        }
    }

    /// Whom the page books: the host's name, or the team's.
    pub fn host_name(&self) -> &str {
        match self {
            Bookable::Personal(p) => &p.host.name,
            Bookable::Team(t) => &t.team.name,
        }
    }

    /// The page's path.
    pub fn path(&self) -> String {
        match self {
            Bookable::Personal(p) => format!("/{}/{}", p.host.username, p.event.slug),
            Bookable::Team(t) => format!("/team/{}/{}", t.team.slug, t.event.slug),
        }
    }

    /// The public slots route of this page.
    pub fn slots_url(&self) -> String {
        format!("/api/v1/public{}/slots", self.path())
    }

    /// Whether anyone can be booked (a Zoom event type needs the host's Zoom).
    pub fn can_book(&self) -> bool {
        match self {
            Bookable::Personal(p) => booking::zoom_ready(p),
            Bookable::Team(t) => t.can_book(),
        }
    }

    /// Whose bookings one invitee email is limited on (the host, or the team).
    pub fn limit_key(&self) -> &str {
        match self {
            Bookable::Personal(p) => &p.host.id,
            Bookable::Team(t) => &t.team.id,
        }
    }

    pub async fn slots(
        &self,
        app: &App,
        from: Date,
        to: Date,
        viewer_tz: &TimeZone,
        now: Timestamp,
    ) -> Result<Vec<Timestamp>, BookingError> {
        match self {
            Bookable::Personal(p) => booking::public_slots(&app.db, p, from, to, viewer_tz, now).await,
            Bookable::Team(t) => team_booking::team_slots(app, t, from, to, viewer_tz, now).await,
        }
    }

    pub async fn book(&self, app: &App, input: BookingInput) -> Result<(MeetingRow, String), BookingError> {
        match self {
            Bookable::Personal(p) => booking::book(app, p, input).await,
            Bookable::Team(t) => team_booking::book(app, t, input).await,
        }
    }

    /// The page a meeting was booked through, if it still exists, as its manage link moves it: a
    /// team booking keeps its members, so only their common free times are offered.
    pub async fn of_meeting(db: &Db, row: &MeetingRow) -> Result<Option<Bookable>, StoreError> {
        let Some(event_type_id) = &row.event_type_id else { return Ok(None) };
        let Some(event) = db.event_type(event_type_id).await? else { return Ok(None) };
        if event.team_id.is_some() {
            let Some(mut team_event) = team_booking::event_of_meeting(db, row).await? else { return Ok(None) };
            let mut attending = db.meeting_cohosts(&row.id).await?;
            attending.push(row.host_id.clone());
            team_event.members.retain(|m| attending.contains(&m.user.id));
            return Ok(Some(Bookable::Team(Box::new(team_event))));
        }
        let Some(host) = db.host_by_id(&row.host_id).await? else { return Ok(None) };
        Ok(Some(Bookable::Personal(Box::new(PublicEvent::of(host, event)))))
    }
}
