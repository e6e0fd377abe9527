//! Team slots read every member's busy time; each member's is kept here between requests. An entry
//! holds while the member's busy version (`store::busy_versions`, raised in the transaction of
//! every change) is the one it was read at, and its span covers the request: one small read per
//! request tells, on every instance, which members must be read again.
//!
//! Only the offered slots come from here; a booking always decides with what is committed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::store::meetings::BusyRow;
use crate::store::{Db, StoreError};

/// Members remembered at most (then the cache starts afresh).
const MAX_MEMBERS: usize = 10_000;
/// A read reaches this much past what was asked, so the next month's page is a hit too.
const READ_AHEAD_MS: i64 = 35 * 24 * 3600 * 1000;

/// One member's busy time over a span.
#[derive(Clone)]
pub struct MemberBusy {
    /// Their scheduled meetings (hosted and attended).
    pub meetings: Arc<Vec<BusyRow>>,
    /// Their conflict calendars' cached spans.
    pub calendar: Arc<Vec<(i64, i64)>>,
}

#[derive(Clone)]
struct Entry {
    version: i64,
    from: i64,
    to: i64,
    busy: MemberBusy,
}

#[derive(Default)]
pub struct BusyCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl BusyCache {
    /// The busy time of each of `members` over at least `[from, to)`.
    pub async fn of_members(
        &self,
        db: &Db,
        members: &[String],
        from: i64,
        to: i64,
    ) -> Result<HashMap<String, MemberBusy>, StoreError> {
        // The versions first: a change committed after this read leaves a newer version behind,
        // so what is read below is never kept as current when it is not.
        let versions = db.busy_versions(members).await?;
        let mut found = HashMap::new();
        for member in members {
            let version = versions.get(member).copied().unwrap_or(0);
            let hit = self
                .entries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(member)
                .filter(|e| e.version == version && e.from <= from && e.to >= to)
                .map(|e| e.busy.clone());
            let busy = match hit {
                Some(busy) => busy,
                None => {
                    let until = to + READ_AHEAD_MS;
                    let busy = MemberBusy {
                        meetings: Arc::new(db.busy_meetings(member, from, until).await?),
                        calendar: Arc::new(db.calendar_busy_spans(member, from, until).await?),
                    };
                    let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
                    if entries.len() >= MAX_MEMBERS {
                        entries.clear();
                    }
                    entries.insert(member.clone(), Entry { version, from, to: until, busy: busy.clone() });
                    busy
                }
            };
            found.insert(member.clone(), busy);
        }
        Ok(found)
    }
}
