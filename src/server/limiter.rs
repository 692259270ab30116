//! Brute-force protection: failed client authentications and sign-ins are counted per client ID,
//! per username and per source address, and once one of them reaches its limit within a window,
//! that key is refused (429 with `Retry-After`) until the window ends. Only failures count, and
//! only the failing key is refused, so nobody else slows down.
//!
//! The counts live in this process's memory. Several servers behind a load balancer would each
//! count on their own (an attacker gets the limit once per server); sharing the limit needs the
//! counts in a store all of them reach (a table with an expiry in the database, or a Redis
//! `INCR` with `EXPIRE`), and the source address taken from a trusted proxy's `Forwarded` header
//! rather than from the connection.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use crate::model::{Seconds, Timestamp};
use crate::service::Clock;

use super::errors::TooManyFailures;

#[derive(Debug, Clone, Copy)]
pub struct LimiterConfig {
    /// Failures one client ID or one username may have within `window`.
    pub per_identity: u32,
    /// Failures one source address may have within `window`: higher, because several clients
    /// may share an address.
    pub per_source: u32,
    pub window: Seconds,
}

impl Default for LimiterConfig {
    fn default() -> LimiterConfig {
        LimiterConfig {
            per_identity: 10,
            per_source: 100,
            window: Seconds::MINUTE,
        }
    }
}

/// What is being authenticated, and from where.
#[derive(Debug, Clone, Copy)]
pub enum Attempt<'a> {
    Client { client_id: &'a str, source: IpAddr },
    User { username: &'a str, source: IpAddr },
}

impl Attempt<'_> {
    /// The keys this attempt counts against, each with its limit.
    fn keys(&self, config: &LimiterConfig) -> [(String, u32); 2] {
        let (identity, source) = match self {
            Attempt::Client { client_id, source } => (format!("client:{client_id}"), source),
            Attempt::User { username, source } => {
                (format!("user:{}", username.to_lowercase()), source)
            }
        };
        [
            (identity, config.per_identity),
            (format!("source:{source}"), config.per_source),
        ]
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Timestamp,
    failures: u32,
}

/// Keys tracked at most; past it, windows that have ended are dropped first.
const MAX_TRACKED: usize = 100_000;

pub struct FailureLimiter {
    config: LimiterConfig,
    clock: Arc<dyn Clock>,
    /// Read on every authentication, written only on a failure.
    windows: RwLock<HashMap<String, Window>>,
}

impl FailureLimiter {
    pub fn new(config: LimiterConfig, clock: Arc<dyn Clock>) -> FailureLimiter {
        FailureLimiter {
            config,
            clock,
            windows: RwLock::new(HashMap::new()),
        }
    }

    /// Refuses the attempt if one of its keys has used up its failures in the current window.
    pub fn check(&self, attempt: Attempt<'_>) -> Result<(), TooManyFailures> {
        let now = self.clock.now();
        let windows = self.windows.read().unwrap_or_else(|e| e.into_inner());
        if windows.is_empty() {
            return Ok(());
        }
        for (key, limit) in attempt.keys(&self.config) {
            if let Some(window) = windows.get(&key) {
                let ends = window.started.plus(self.config.window);
                if window.failures >= limit && now < ends {
                    let millis = u64::try_from(ends.0 - now.0).unwrap_or(0);
                    let retry_after = u32::try_from(millis.div_ceil(1000)).unwrap_or(u32::MAX);
                    return Err(TooManyFailures {
                        retry_after: retry_after.max(1),
                    });
                }
            }
        }
        Ok(())
    }

    /// Counts a failed attempt against each of its keys.
    pub fn record_failure(&self, attempt: Attempt<'_>) {
        let now = self.clock.now();
        let window_length = self.config.window;
        let mut windows = self.windows.write().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, w| now < w.started.plus(window_length));
        }
        for (key, _) in attempt.keys(&self.config) {
            let window = windows.entry(key).or_insert(Window {
                started: now,
                failures: 0,
            });
            if now >= window.started.plus(window_length) {
                *window = Window {
                    started: now,
                    failures: 0,
                };
            }
            window.failures = window.failures.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ManualClock;

    #[test]
    fn the_failing_key_is_refused_until_its_window_ends_and_others_are_not() {
        let clock = Arc::new(ManualClock::new(Timestamp(1_795_462_741_000)));
        let config = LimiterConfig {
            per_identity: 3,
            per_source: 5,
            window: Seconds::MINUTE,
        };
        let limiter = FailureLimiter::new(config, clock.clone());
        let here: IpAddr = [127, 0, 0, 1].into();
        let there: IpAddr = [10, 0, 0, 1].into();
        let attacked = Attempt::Client {
            client_id: "OQa",
            source: here,
        };
        for _ in 0..3 {
            assert!(limiter.check(attacked).is_ok());
            limiter.record_failure(attacked);
        }
        assert_eq!(
            limiter.check(attacked),
            Err(TooManyFailures { retry_after: 60 })
        );
        let other_client = Attempt::Client {
            client_id: "OQb",
            source: here,
        };
        assert!(limiter.check(other_client).is_ok());
        // The source address has its own, higher limit.
        limiter.record_failure(other_client);
        limiter.record_failure(other_client);
        assert!(
            limiter
                .check(Attempt::User {
                    username: "dana",
                    source: here
                })
                .is_err()
        );
        assert!(
            limiter
                .check(Attempt::User {
                    username: "dana",
                    source: there
                })
                .is_ok()
        );
        clock.advance(Seconds(59));
        assert_eq!(
            limiter.check(attacked),
            Err(TooManyFailures { retry_after: 1 })
        );
        clock.advance(Seconds(1));
        assert!(limiter.check(attacked).is_ok());
    }
}
