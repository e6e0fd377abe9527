//! Everything one sandbox keeps: which provider it plays, its authorization server, the calendar
//! store, the API counter and the sandbox clock. Serialised as-is into the state file.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::Provider;
use crate::oauth::AuthServer;
use crate::store::Store;

#[derive(Serialize, Deserialize)]
pub(crate) struct Data {
    pub provider: Provider,
    pub auth: AuthServer,
    pub store: Store,
    /// Every request to the provider's API routes, whatever its outcome.
    pub api_requests: u64,
    /// What `PUT /_sandbox/clock` set: the sandbox clock is the wall clock plus this.
    pub clock_offset_seconds: i64,
}

impl Data {
    pub fn new(provider: Provider) -> Data {
        Data {
            provider,
            auth: AuthServer::new(provider.flavour()),
            store: Store::default(),
            api_requests: 0,
            clock_offset_seconds: 0,
        }
    }

    /// The sandbox clock, in whole milliseconds (the precision both providers show).
    pub fn now(&self) -> Timestamp {
        let now = Timestamp::now() + SignedDuration::from_secs(self.clock_offset_seconds);
        Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
    }
}
