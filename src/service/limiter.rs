//! Brute-force protection that limits the attacker, not the victim. Failed client
//! authentications and sign-ins are counted three ways within a window: per (identity, source
//! address) pair, per identity (a client ID or a username) across addresses, and per address
//! across identities. Only a pair that has failed is ever refused (429 with `Retry-After`):
//!
//! - a pair that reaches `per_pair` failures is refused until its window ends — one attacker
//!   guessing one secret from one address;
//! - once an identity has `per_identity` failures from all addresses together, every address
//!   that has failed for it is refused for it — guessing from many addresses gets one guess per
//!   address per window;
//! - once an address has `per_source` failures for all identities together, every identity that
//!   has failed from it is refused from it — spraying many identities from one address gets one
//!   guess per identity per window.
//!
//! A correct credential from an address that has not failed for that identity always goes
//! through, so the real client (or person) is never locked out by someone failing elsewhere, and
//! the others behind one proxy's address are never locked out by one of them.
//!
//! Keys are 128-bit keyed hashes (HMAC-SHA-256 under a key derived from the signing key, so that
//! every server over one store hashes alike), never raw: a 60 KB client ID costs what a real one
//! does. This process counts its own failures in memory, at most `max_tracked` windows (when
//! full, ended windows go first, then the oldest half), and refuses by them at once.
//!
//! Over a store that several servers share ([`SharedStore`]), each failure is also counted in
//! the store, and every server reads which pairs the counts of all of them refuse twice a second
//! ([`FailureLimiter::follow_refusals`]), so that guesses spread over servers meet one limit; a
//! check reads only memory, so a successful request costs the store nothing. A sled store has one
//! process, whose memory is already the whole count. The source address is the connection's,
//! not a proxy's `Forwarded` header.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use aws_lc_rs::hmac;

use crate::model::{SID_LEN, Seconds, Sid, SidKind, Timestamp};
use crate::store::{FailureKey, FailureKeys, FailureLimits, SharedStore};

use super::keys::KeyRing;
use super::{Clock, validate_username};

/// How often this server reads the pairs that every server's failures refuse: twice a second, so
/// that its view is at most a second old even when the database takes a while to answer.
pub const REFUSALS_REFRESH: Duration = Duration::from_millis(500);

/// Too many failed sign-ins or client authentications from one client ID, user or address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed authentication attempts; try again in {retry_after} seconds")]
pub struct TooManyFailures {
    /// Seconds until the limit lifts, for `Retry-After`.
    pub retry_after: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct LimiterConfig {
    /// Failures one identity may have from one address within `window`.
    pub per_pair: u32,
    /// Failures of one identity from all addresses within `window` past which an address that
    /// has failed for it is refused for it.
    pub per_identity: u32,
    /// Failures from one address for all identities within `window` past which an identity that
    /// has failed from it is refused from it: high, because many clients may share an address.
    pub per_source: u32,
    pub window: Seconds,
    /// Windows kept at most, whatever the keys; about 40 bytes each.
    pub max_tracked: usize,
}

impl Default for LimiterConfig {
    fn default() -> LimiterConfig {
        LimiterConfig {
            per_pair: 10,
            per_identity: 20,
            per_source: 100,
            window: Seconds::MINUTE,
            max_tracked: 100_000,
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
    /// The client ID or username as the log may show it: as given when it has the shape of one
    /// (which leaves no room for a line break, an escape sequence or great length), and
    /// otherwise only its length, since it may be anything — a secret sent in the wrong field.
    pub fn identity_for_log(&self) -> LoggedIdentity<'_> {
        match *self {
            Attempt::Client { client_id, .. } => LoggedIdentity {
                shown: is_client_id(client_id).then_some(client_id),
                what: "client ID",
                length: client_id.len(),
            },
            Attempt::User { username, .. } => LoggedIdentity {
                shown: validate_username(username)
                    .is_ok()
                    .then_some(username.trim()),
                what: "username",
                length: username.len(),
            },
        }
    }
}

pub(crate) fn is_client_id(text: &str) -> bool {
    text.len() == SID_LEN
        && text
            .parse::<Sid>()
            .is_ok_and(|sid| sid.is(SidKind::OAuthApp))
}

/// See [`Attempt::identity_for_log`].
pub struct LoggedIdentity<'a> {
    shown: Option<&'a str>,
    what: &'static str,
    length: usize,
}

impl fmt::Display for LoggedIdentity<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shown {
            Some(identity) => f.write_str(identity),
            None => write!(f, "(not a {}: {} bytes)", self.what, self.length),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Timestamp,
    failures: u32,
}

pub struct FailureLimiter {
    config: LimiterConfig,
    clock: Arc<dyn Clock>,
    /// The server's signing keys, whose ring holds the key that keys are hashed with, so that
    /// nobody can choose identities whose keys collide with someone else's.
    keys: Arc<RwLock<Arc<KeyRing>>>,
    /// This process's failures; read on every authentication, written only on a failure.
    windows: RwLock<HashMap<FailureKey, Window>>,
    /// Where every server counts, when the store is shared.
    shared: Option<Arc<dyn SharedStore>>,
    /// The pairs the shared counts refuse, as last read, with when each one's window ends.
    refused: RwLock<HashMap<FailureKey, Timestamp>>,
}

impl FailureLimiter {
    pub(super) fn new(
        config: LimiterConfig,
        clock: Arc<dyn Clock>,
        keys: Arc<RwLock<Arc<KeyRing>>>,
        shared: Option<Arc<dyn SharedStore>>,
    ) -> FailureLimiter {
        FailureLimiter {
            config,
            clock,
            keys,
            windows: RwLock::new(HashMap::new()),
            shared,
            refused: RwLock::new(HashMap::new()),
        }
    }

    fn keys(&self, attempt: Attempt<'_>) -> FailureKeys {
        let ring = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let tag = |parts: &[&[u8]]| {
            let mut context = hmac::Context::with_key(&ring.failure_key);
            for part in parts {
                context.update(part);
            }
            let mut key = FailureKey::default();
            let length = key.len();
            key.copy_from_slice(&context.sign().as_ref()[..length]);
            key
        };
        let (identity, source) = match attempt {
            // Usernames are matched without regard to case.
            Attempt::User { username, source } => {
                (tag(&[b"u", username.to_lowercase().as_bytes()]), source)
            }
            Attempt::Client { client_id, source } => (tag(&[b"c", client_id.as_bytes()]), source),
        };
        let octets: &[u8] = match &source {
            IpAddr::V4(v4) => &v4.octets(),
            IpAddr::V6(v6) => &v6.octets(),
        };
        FailureKeys {
            pair: tag(&[b"p", &identity, octets]),
            identity,
            source: tag(&[b"s", octets]),
        }
    }

    fn live(&self, window: Option<&Window>, now: Timestamp) -> u32 {
        window
            .filter(|w| now < w.started.plus(self.config.window))
            .map_or(0, |w| w.failures)
    }

    /// When the pair's window ends, if this process's own counts refuse it.
    fn refused_here(
        &self,
        windows: &HashMap<FailureKey, Window>,
        keys: &FailureKeys,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let pair = windows.get(&keys.pair)?;
        let failures = self.live(Some(pair), now);
        let refused = failures >= self.config.per_pair
            || failures > 0
                && (self.live(windows.get(&keys.identity), now) >= self.config.per_identity
                    || self.live(windows.get(&keys.source), now) >= self.config.per_source);
        // The pair counts as having failed until its window ends; then it is an address like
        // any other.
        refused.then(|| pair.started.plus(self.config.window))
    }

    /// Refuses the attempt if its pair has failed too often, or has failed at all while its
    /// identity or its address is past its limit: by this process's counts, or by every
    /// server's as last read.
    pub fn check(&self, attempt: Attempt<'_>) -> Result<(), TooManyFailures> {
        let now = self.clock.now();
        let windows = self.windows.read().unwrap_or_else(|e| e.into_inner());
        let refused = self.refused.read().unwrap_or_else(|e| e.into_inner());
        if windows.is_empty() && refused.is_empty() {
            return Ok(());
        }
        let keys = self.keys(attempt);
        let ends = self
            .refused_here(&windows, &keys, now)
            .or_else(|| refused.get(&keys.pair).copied().filter(|ends| now < *ends));
        let Some(ends) = ends else {
            return Ok(());
        };
        let millis = u64::try_from(ends.0 - now.0).unwrap_or(0);
        let retry_after = u32::try_from(millis.div_ceil(1000)).unwrap_or(u32::MAX);
        Err(TooManyFailures {
            retry_after: retry_after.max(1),
        })
    }

    /// Counts a failed attempt against its pair, its identity and its address, here and, over a
    /// shared store, in the store.
    pub async fn record_failure(&self, attempt: Attempt<'_>) {
        let now = self.clock.now();
        let keys = self.keys(attempt);
        let window_length = self.config.window;
        {
            let mut windows = self.windows.write().unwrap_or_else(|e| e.into_inner());
            if windows.len() + 3 > self.config.max_tracked {
                evict(&mut windows, now, window_length, self.config.max_tracked);
            }
            for key in [keys.pair, keys.identity, keys.source] {
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
        if let Some(shared) = &self.shared
            && let Err(error) = shared
                .count_failure(&keys, now.plus(window_length), now)
                .await
        {
            tracing::warn!(%error, "a failed authentication could not be counted in the shared store; this server counts it alone");
        }
    }

    /// Over a shared store, reads every [`REFUSALS_REFRESH`] which pairs the counts of all
    /// servers refuse, for as long as it runs; over a store only this process uses, returns at
    /// once.
    pub async fn follow_refusals(&self) {
        let Some(shared) = &self.shared else {
            return;
        };
        let limits = FailureLimits {
            per_pair: self.config.per_pair,
            per_identity: self.config.per_identity,
            per_source: self.config.per_source,
        };
        let mut ticks = tokio::time::interval(REFUSALS_REFRESH);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = self.clock.now();
            match shared
                .refused_pairs(&limits, now, self.config.max_tracked)
                .await
            {
                Ok(pairs) => {
                    let pairs = pairs
                        .into_iter()
                        .map(|refused| (refused.pair, refused.window_ends))
                        .collect();
                    *self.refused.write().unwrap_or_else(|e| e.into_inner()) = pairs;
                }
                // The last view stays, each entry until its window ends; the store's own errors
                // are counted in /metrics.
                Err(error) => {
                    tracing::debug!(%error, "reading the shared failure counts failed; trying again");
                }
            }
        }
    }

    /// How many windows are kept: what the limiter's memory grows with.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.windows.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Drops ended windows; if that leaves more than half of `max`, drops the oldest until half are
/// left. Halving makes the next eviction `max / 2` failures away, so its cost spreads over them.
fn evict(windows: &mut HashMap<FailureKey, Window>, now: Timestamp, length: Seconds, max: usize) {
    windows.retain(|_, w| now < w.started.plus(length));
    let keep = max / 2;
    if windows.len() <= keep {
        return;
    }
    let mut by_age: Vec<(Timestamp, FailureKey)> =
        windows.iter().map(|(k, w)| (w.started, *k)).collect();
    let dropped = by_age.len() - keep;
    if dropped < by_age.len() {
        by_age.select_nth_unstable(dropped);
    }
    for (_, key) in &by_age[..dropped] {
        windows.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ManualClock;

    const CONFIG: LimiterConfig = LimiterConfig {
        per_pair: 3,
        per_identity: 5,
        per_source: 8,
        window: Seconds::MINUTE,
        max_tracked: 1000,
    };

    fn limiter() -> (FailureLimiter, Arc<ManualClock>) {
        let now = Timestamp(1_795_462_741_000);
        let clock = Arc::new(ManualClock::new(now));
        let key = super::super::keys::generate(crate::model::SigningAlg::ES256, now).unwrap();
        let ring = KeyRing::new(&[key], now).unwrap();
        let keys = Arc::new(RwLock::new(Arc::new(ring)));
        (
            FailureLimiter::new(CONFIG, clock.clone(), keys, None),
            clock,
        )
    }

    fn address(n: u32) -> IpAddr {
        IpAddr::from(std::net::Ipv4Addr::from((10 << 24) + n))
    }

    fn client(client_id: &str, source: IpAddr) -> Attempt<'_> {
        Attempt::Client { client_id, source }
    }

    #[tokio::test]
    async fn an_attacker_guessing_from_one_address_is_refused_until_the_window_ends() {
        let (limiter, clock) = limiter();
        let attacker = client("OQa", address(1));
        for _ in 0..3 {
            assert!(limiter.check(attacker).is_ok());
            limiter.record_failure(attacker).await;
        }
        assert_eq!(
            limiter.check(attacker),
            Err(TooManyFailures { retry_after: 60 })
        );
        // The real client, calling from elsewhere, is not refused.
        assert!(limiter.check(client("OQa", address(2))).is_ok());
        clock.advance(Seconds(59));
        assert_eq!(
            limiter.check(attacker),
            Err(TooManyFailures { retry_after: 1 })
        );
        clock.advance(Seconds(1));
        assert!(limiter.check(attacker).is_ok());
    }

    #[tokio::test]
    async fn guessing_one_secret_from_many_addresses_gets_one_guess_per_address_past_the_limit() {
        let (limiter, _clock) = limiter();
        // Five addresses fail once each: the identity reaches its limit.
        for n in 1..=5 {
            let attacker = client("OQa", address(n));
            assert!(limiter.check(attacker).is_ok());
            limiter.record_failure(attacker).await;
        }
        // Each of them is now refused for it, after one guess rather than three.
        for n in 1..=5 {
            assert!(limiter.check(client("OQa", address(n))).is_err());
        }
        // A new address gets its one guess, and is refused after it.
        let newcomer = client("OQa", address(6));
        assert!(limiter.check(newcomer).is_ok());
        limiter.record_failure(newcomer).await;
        assert!(limiter.check(newcomer).is_err());
        // The real client's address has not failed: it goes through.
        assert!(limiter.check(client("OQa", address(99))).is_ok());
    }

    #[tokio::test]
    async fn spraying_many_usernames_from_one_address_gets_one_guess_each_past_the_ceiling() {
        let (limiter, _clock) = limiter();
        let proxy = address(1);
        let names: Vec<String> = (0..8).map(|n| format!("user{n}")).collect();
        for name in &names {
            let attempt = Attempt::User {
                username: name,
                source: proxy,
            };
            assert!(limiter.check(attempt).is_ok());
            limiter.record_failure(attempt).await;
        }
        // Past the address's ceiling, a username that failed from it once is refused from it…
        for name in &names {
            let attempt = Attempt::User {
                username: name,
                source: proxy,
            };
            assert!(limiter.check(attempt).is_err(), "{name}");
        }
        // …but someone else behind the same proxy, who has not failed, is not.
        let colleague = Attempt::User {
            username: "dana",
            source: proxy,
        };
        assert!(limiter.check(colleague).is_ok());
    }

    #[tokio::test]
    async fn usernames_are_counted_without_regard_to_case() {
        let (limiter, _clock) = limiter();
        for name in ["Admin", "ADMIN", "admin"] {
            limiter
                .record_failure(Attempt::User {
                    username: name,
                    source: address(1),
                })
                .await;
        }
        assert!(
            limiter
                .check(Attempt::User {
                    username: "aDmIn",
                    source: address(1)
                })
                .is_err()
        );
    }

    #[tokio::test]
    async fn thousands_of_distinct_60_kb_bogus_client_ids_leave_the_limiter_bounded() {
        let (limiter, clock) = limiter();
        let mut bogus = "x".repeat(60 * 1024);
        for n in 0..5000 {
            bogus.truncate(60 * 1024 - 8);
            bogus.push_str(&format!("{n:08}"));
            limiter
                .record_failure(client(&bogus, address(n % 200)))
                .await;
            if n % 100 == 99 {
                clock.advance(Seconds(1));
            }
        }
        assert!(
            limiter.tracked() <= CONFIG.max_tracked,
            "{} windows kept",
            limiter.tracked()
        );
        // What was evicted went oldest first: the latest failures still count.
        let latest = client(&bogus, address(4999 % 200));
        assert!(limiter.check(latest).is_ok());
        limiter.record_failure(latest).await;
        limiter.record_failure(latest).await;
        assert!(limiter.check(latest).is_err());
    }
}
