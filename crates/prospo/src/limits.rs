//! Abuse guards for the public booking routes: per client address, and per invitee email per host,
//! so no one can drain a host's Zoom budget from the booking page. Kept in memory per instance.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct PublicRateLimits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_email: DefaultKeyedRateLimiter<(String, String)>,
    clock: DefaultClock,
}

/// Burst allowed per address before the per-minute rate applies.
const ADDRESS_BURST: u32 = 30;
/// Bookings per hour per invitee email per host.
const EMAIL_PER_HOUR: u32 = 10;

impl PublicRateLimits {
    pub fn new(per_minute: u32) -> PublicRateLimits {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(ADDRESS_BURST).expect("non-zero");
        let per_hour = NonZeroU32::new(EMAIL_PER_HOUR).expect("non-zero");
        PublicRateLimits {
            per_address: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            per_email: RateLimiter::keyed(Quota::per_hour(per_hour)),
            clock: DefaultClock::default(),
        }
    }

    /// `Err(seconds to wait)` when the address is over its rate.
    pub fn check_address(&self, address: IpAddr) -> Result<(), u64> {
        self.per_address
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    pub fn check_email(&self, host_id: &str, email: &str) -> Result<(), u64> {
        let key = (host_id.to_owned(), mailbox(email));
        self.per_email.check_key(&key).map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }
}

/// The mailbox an address reaches, for counting: lower case, without a `+tag` (`ada+1@x` and
/// `ada+2@x` are one person's mail).
fn mailbox(email: &str) -> String {
    let email = email.trim().to_lowercase();
    match email.split_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => email,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_get_a_burst_then_wait() {
        let limits = PublicRateLimits::new(60);
        let address: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..ADDRESS_BURST {
            assert!(limits.check_address(address).is_ok());
        }
        assert!(limits.check_address(address).is_err());
        assert!(limits.check_address("127.0.0.2".parse().unwrap()).is_ok(), "another address is not affected");
    }

    #[test]
    fn ten_bookings_per_hour_per_email_and_host() {
        let limits = PublicRateLimits::new(60);
        for _ in 0..EMAIL_PER_HOUR {
            assert!(limits.check_email("host", "Ada@example.com").is_ok());
        }
        assert!(limits.check_email("host", "ada@example.com ").is_err());
        assert!(limits.check_email("other-host", "ada@example.com").is_ok());
        assert!(limits.check_email("host", "ada+another@example.com").is_err(), "a +tag is the same mailbox");
    }
}
