//! Integrations with other services. Zoom is the one that matters.

pub mod calendars;
pub mod oauth;
pub mod webhooks;
pub mod zoom;
