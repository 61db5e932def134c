//! Abuse limits as keyed token buckets: how many opinions one client address may submit, and how
//! many login attempts a client address or a username may make (against password guessing).

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::ServiceError;

/// Takes one cell of `key`'s allowance, or says how long to wait; forgets keys whose allowance
/// is full again once many are tracked, so that the map does not grow without bound.
fn take<K: Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), ServiceError> {
    let result = limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ServiceError::TooMany { retry_after_secs: wait.as_secs().max(1) }
    });
    if limiter.len() > 10_000 {
        limiter.retain_recent();
    }
    result
}

/// Per-address limit on submissions.
#[derive(Clone)]
pub struct SubmissionLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl SubmissionLimit {
    /// `per_hour` submissions an hour from one address, all of which may come at once; the
    /// allowance refills evenly over the hour. 0 means no limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use liaison::service::SubmissionLimit;
    /// let limit = SubmissionLimit::per_hour(8);
    /// let client = "192.0.2.1".parse().unwrap();
    /// assert!((0..8).all(|_| limit.check(client).is_ok()), "the whole hour's allowance at once");
    /// assert!(limit.check(client).is_err());
    /// assert!(limit.check("192.0.2.2".parse().unwrap()).is_ok(), "per address");
    /// ```
    pub fn per_hour(per_hour: u32) -> Self {
        let quota = match NonZeroU32::new(per_hour) {
            Some(n) => Quota::per_hour(n).allow_burst(n),
            None => Quota::per_second(NonZeroU32::MAX).allow_burst(NonZeroU32::MAX),
        };
        Self { limiter: Arc::new(RateLimiter::keyed(quota)) }
    }

    /// Takes one submission from `client`'s allowance, or says how long to wait.
    pub fn check(&self, client: IpAddr) -> Result<(), ServiceError> {
        take(&self.limiter, &client)
    }
}

/// Login attempts: per client address and per username, so that neither one address trying many
/// usernames nor many addresses trying one username can guess quickly.
#[derive(Clone)]
pub struct LoginLimit {
    by_client: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    by_username: Arc<DefaultKeyedRateLimiter<String>>,
}

/// Attempts one address may make at once, then one every [`LOGIN_REFILL_CLIENT`].
pub const LOGIN_BURST_CLIENT: u32 = 20;
pub const LOGIN_REFILL_CLIENT: Duration = Duration::from_secs(6);
/// Attempts one username may get at once, then one every [`LOGIN_REFILL_USERNAME`].
pub const LOGIN_BURST_USERNAME: u32 = 5;
pub const LOGIN_REFILL_USERNAME: Duration = Duration::from_secs(60);

impl Default for LoginLimit {
    fn default() -> Self {
        let quota = |every: Duration, burst: u32| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            Quota::with_period(every).map_or(Quota::per_minute(burst), |q| q.allow_burst(burst))
        };
        Self {
            by_client: Arc::new(RateLimiter::keyed(quota(LOGIN_REFILL_CLIENT, LOGIN_BURST_CLIENT))),
            by_username: Arc::new(RateLimiter::keyed(quota(LOGIN_REFILL_USERNAME, LOGIN_BURST_USERNAME))),
        }
    }
}

impl LoginLimit {
    /// Takes one attempt from the client's and the username's allowance.
    pub fn check(&self, client: IpAddr, username: &str) -> Result<(), ServiceError> {
        take(&self.by_client, &client)?;
        take(&self.by_username, &username.trim().to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_username_gets_a_few_attempts_whatever_the_address() {
        let limit = LoginLimit::default();
        for i in 0..LOGIN_BURST_USERNAME {
            assert!(limit.check(IpAddr::from([10, 0, 0, i as u8]), "li.hua").is_ok());
        }
        let refused = limit.check(IpAddr::from([10, 0, 1, 1]), "LI.HUA");
        assert!(matches!(refused, Err(ServiceError::TooMany { retry_after_secs }) if retry_after_secs >= 1));
        assert!(limit.check(IpAddr::from([10, 0, 1, 1]), "wang.fang").is_ok());
    }

    #[test]
    fn one_address_gets_a_few_attempts_whatever_the_username() {
        let limit = LoginLimit::default();
        let client = IpAddr::from([192, 0, 2, 7]);
        for i in 0..LOGIN_BURST_CLIENT {
            assert!(limit.check(client, &format!("user{i}")).is_ok());
        }
        assert!(limit.check(client, "another").is_err());
    }

    #[test]
    fn no_limit_means_no_limit() {
        let limit = SubmissionLimit::per_hour(0);
        let client = IpAddr::from([192, 0, 2, 1]);
        assert!((0..10_000).all(|_| limit.check(client).is_ok()));
    }
}
