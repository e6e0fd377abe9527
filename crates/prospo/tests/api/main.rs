//! HTTP-level tests of the JSON API and the store, on SQLite and (when configured) PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod caldav;
mod calendars;
mod conventions;
mod embed;
mod jobs;
mod languages;
mod notifications;
mod oauth;
mod outgoing_webhooks;
mod process;
mod profile;
mod questions;
mod recordings;
mod reminders_and_alerts;
mod scheduling;
mod storage;
mod teams;
mod trust;
mod webhooks;
mod zoom_connect;

pub use support::{Backend, TestApp};
