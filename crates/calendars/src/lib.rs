//! Calendars for a meeting scheduler: iCalendar feeds and CalDAV servers.
//! Knows nothing of Prospo.
//!
//! * [`ics`]: pure iCalendar → busy times (recurrences, time zones, free-busy).
//! * [`caldav`]: a CalDAV client over [`outbound::GuardedClient`]: discovery,
//!   change markers, free-busy and event queries, write-back with ETags.
//! * `test_servers` (feature `test-servers`): starts real Radicale and
//!   Xandikos servers for tests.

pub mod caldav;
pub mod ics;
#[cfg(feature = "test-servers")]
pub mod test_servers;
mod xml;

pub use caldav::{CalDav, CalDavError, Discovered, RemoteCalendar};
pub use ics::{BusyEvent, IcsError, Window, busy_events, busy_periods};
