//! Zoom's rate limits (zoom/README.md §6): per-account per-second limits by category, enforced
//! only when the app has a plan, and the per-user create/update cap per UTC day, always on.
//! Every `/v2` answer carries the `X-RateLimit-*` headers.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use jiff::{Timestamp, ToSpan};

use crate::errors::ZoomError;
use crate::state::{DailyCount, Data, Plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Category {
    Light,
    Medium,
}

impl Category {
    fn name(self) -> &'static str {
        match self {
            Category::Light => "Light",
            Category::Medium => "Medium",
        }
    }

    /// Requests per second for a plan. Without a plan nothing is enforced and the headers show
    /// Business+'s numbers.
    fn per_second(self, plan: Option<Plan>) -> u32 {
        match (self, plan) {
            (Category::Light, Some(Plan::Free)) => 4,
            (Category::Light, Some(Plan::Pro)) => 30,
            (Category::Light, Some(Plan::Business) | None) => 80,
            (Category::Medium, Some(Plan::Free)) => 2,
            (Category::Medium, Some(Plan::Pro)) => 20,
            (Category::Medium, Some(Plan::Business) | None) => 60,
        }
    }
}

/// The `X-RateLimit-*` (and `Retry-After`) headers of one answer.
pub(crate) struct RateHeaders {
    category: Category,
    daily: bool,
    limit: u32,
    remaining: u32,
    retry_after: Option<String>,
}

impl RateHeaders {
    pub fn new(category: Category) -> RateHeaders {
        let limit = category.per_second(None);
        RateHeaders { category, daily: false, limit, remaining: limit, retry_after: None }
    }

    pub fn apply(&self, headers: &mut HeaderMap) {
        let mut set = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        };
        set("x-ratelimit-category", self.category.name().to_string());
        set("x-ratelimit-type", if self.daily { "Daily-limit" } else { "QPS" }.to_string());
        set("x-ratelimit-limit", self.limit.to_string());
        set("x-ratelimit-remaining", self.remaining.to_string());
        if let Some(r) = &self.retry_after {
            set("retry-after", r.clone());
        }
    }
}

/// Requests counted per account and category within the current second.
#[derive(Default)]
pub(crate) struct QpsWindows {
    windows: HashMap<(String, Category), (i64, u32)>,
}

impl QpsWindows {
    /// Counts one request; a 429 (with `Retry-After: 1`) when a plan's limit is exceeded.
    pub fn take(
        &mut self,
        account_id: &str,
        category: Category,
        plan: Option<Plan>,
        now: Timestamp,
        headers: &mut RateHeaders,
    ) -> Result<(), ZoomError> {
        let limit = category.per_second(plan);
        let second = now.as_second();
        let entry = self.windows.entry((account_id.to_string(), category)).or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        headers.limit = limit;
        if plan.is_some() && entry.1 >= limit {
            headers.remaining = 0;
            headers.retry_after = Some("1".into());
            return Err(ZoomError::new(
                StatusCode::TOO_MANY_REQUESTS,
                429,
                "You have reached the maximum per-second rate limit for this API. Try again later.",
            ));
        }
        entry.1 += 1;
        headers.remaining = limit.saturating_sub(entry.1);
        Ok(())
    }
}

/// Counts one create/update against the host's cap for the current UTC day of the sandbox
/// clock; the headers then describe the daily limit. Over the cap: Zoom's per-user 429 with
/// `Retry-After` at the next 00:00 UTC.
pub(crate) fn take_daily(data: &mut Data, user_id: &str, cap: u32, headers: &mut RateHeaders) -> Result<(), ZoomError> {
    let now = data.now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let day = today.to_string();
    let entry =
        data.daily_counts.entry(user_id.to_string()).or_insert_with(|| DailyCount { day: day.clone(), count: 0 });
    if entry.day != day {
        *entry = DailyCount { day, count: 0 };
    }
    headers.daily = true;
    headers.limit = cap;
    if entry.count >= cap {
        headers.remaining = 0;
        let tomorrow = today.checked_add(1.day()).unwrap_or(today);
        headers.retry_after = Some(format!("{tomorrow}T00:00:00Z"));
        return Err(ZoomError::new(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            format!(
                "You have exceeded the daily rate limit ({cap}) of Meeting Create/Update API \
                 requests permitted for this particular user. You may resume these requests at \
                 GMT 00:00:00."
            ),
        ));
    }
    entry.count += 1;
    headers.remaining = cap - entry.count;
    Ok(())
}
