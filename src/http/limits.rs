//! Abuse limits: how many opinions one client address may submit, as a keyed token bucket.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::AppError;

/// Per-address limit on submissions.
#[derive(Clone)]
pub struct SubmissionLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl SubmissionLimit {
    /// `per_hour` submissions an hour, in bursts of at most 5 (0 means unlimited in practice:
    /// a quota of `u32::MAX`).
    pub fn per_hour(per_hour: u32) -> Self {
        let rate = NonZeroU32::new(per_hour).unwrap_or(NonZeroU32::MAX);
        let burst = NonZeroU32::new(per_hour.clamp(1, 5)).unwrap_or(NonZeroU32::MIN);
        let quota =
            if per_hour == 0 { Quota::per_second(NonZeroU32::MAX) } else { Quota::per_hour(rate).allow_burst(burst) };
        Self { limiter: Arc::new(RateLimiter::keyed(quota)) }
    }

    /// Takes one submission from `client`'s allowance, or says how long to wait (429).
    pub fn check(&self, client: IpAddr) -> Result<(), AppError> {
        self.limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooMany { retry_after_secs: wait.as_secs().max(1) }
        })?;
        // Forget addresses whose allowance is full again, so the map does not grow without bound.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        Ok(())
    }
}
