//! Scheduling: event types, availability, bookings and meetings. HTML and JSON handlers call these.

pub mod availability;
pub mod bookable;
pub mod booking;
pub mod busy_cache;
pub mod busy_day;
pub mod event_types;
pub mod meetings;
pub mod team_booking;
pub mod teams;
