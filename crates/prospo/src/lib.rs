//! Prospo: a meeting scheduler whose Zoom integration is the best in its field.

pub mod accounts;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod integrations;
pub mod jobs;
pub mod limits;
pub mod maintenance;
pub mod notifications;
pub mod profile;
pub mod scheduling;
pub mod secrets;
pub mod startup;
pub mod store;
mod telemetry;
pub mod timefmt;
