//! Prospo: a meeting scheduler whose Zoom integration is the best in its field.

pub mod accounts;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod http;
pub mod integrations;
pub mod notifications;
pub mod recordings;
pub mod scheduling;
pub mod secrets;
pub mod startup;
pub mod store;
mod telemetry;
pub mod timefmt;
