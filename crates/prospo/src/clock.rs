//! The one clock of the application. Everything that asks what time it is asks this, so a test can
//! move time forward instead of sleeping; the store never reads a clock of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};
use tokio::sync::Notify;

/// The wall clock, plus an offset that only tests move.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    moved: Arc<Notify>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::now() + SignedDuration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Milliseconds since the Unix epoch: how instants are stored.
    pub fn now_ms(&self) -> i64 {
        self.now().as_millisecond()
    }

    /// Moves time forward by `by` and wakes whoever waits for a due time (the job runners).
    pub fn advance(&self, by: SignedDuration) {
        self.offset_ms.fetch_add(by.as_millis() as i64, Ordering::Relaxed);
        self.moved.notify_waiters();
    }

    /// Resolves when [`Clock::advance`] moves time.
    pub async fn moved(&self) {
        self.moved.notified().await;
    }
}
