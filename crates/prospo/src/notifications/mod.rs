//! Mail: what Prospo tells invitees and hosts, written to the durable outbox together with the change
//! that causes it ([`crate::store::outbox`]), sent by the mail queue ([`sender`]) through SMTP or as
//! `.eml` files, and reminders queued when they come due ([`reminders`]).

pub mod account_mails;
pub mod compose;
pub mod host_alerts;
pub mod ics;
pub mod links;
pub mod meeting_mails;
pub mod reminders;
pub mod sender;

pub use links::Notices;
