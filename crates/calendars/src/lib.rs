//! Calendars for a meeting scheduler: iCalendar feeds and CalDAV servers.
//! Knows nothing of Prospo.
//!
//! * [`ics`]: pure iCalendar → busy times (recurrences, time zones, free-busy).
//! * [`caldav`]: a CalDAV client over [`outbound::GuardedClient`]: discovery,
//!   change markers, free-busy and event queries, write-back with ETags.
//! * [`google`]: a Google Calendar API v3 client (calendar list, free/busy, events,
//!   sync tokens, write-back).
//! * [`microsoft`]: a Microsoft Graph calendar client (calendars, calendarView, delta,
//!   write-back).
//! * [`provider`]: what those two share (errors, the event to write, bounded answers).
//! * `test_servers` (feature `test-servers`): starts real Radicale and
//!   Xandikos servers for tests.

pub mod caldav;
pub mod google;
pub mod ics;
pub mod microsoft;
pub mod provider;
#[cfg(feature = "test-servers")]
pub mod test_servers;
mod xml;

pub use caldav::{CalDav, CalDavError, Discovered, RemoteCalendar};
pub use google::GoogleCalendar;
pub use ics::{BusyEvent, IcsError, Window, busy_events, busy_periods};
pub use microsoft::MicrosoftCalendar;
pub use provider::{ChangeCheck, NewEvent, ProviderCalendar, ProviderError};
