//! Time and randomness, injected so that tests control them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha12Rng;

use crate::model::{Seconds, Timestamp};

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told: for tests, replays and demos.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock(AtomicI64::new(start.0))
    }

    pub fn advance(&self, by: Seconds) {
        self.0.fetch_add(i64::from(by.0) * 1000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// Where SIDs, secrets and generated passwords get their random bytes.
pub trait Entropy: Send + Sync {
    fn fill(&self, bytes: &mut [u8]);
}

/// The thread-local CSPRNG seeded from the operating system, for everything real.
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, bytes: &mut [u8]) {
        rand::rng().fill_bytes(bytes);
    }
}

/// The same bytes on every run from the same seed: deterministic SIDs and secrets in tests,
/// snapshots and replays. Never for real credentials.
///
/// ChaCha12 by name, whose output rand_chacha keeps stable, rather than `rand`'s `StdRng`, which
/// may become another generator in any release and would shift every snapshot. (It is what
/// `StdRng` is in rand 0.9, so the snapshots made with it stand.)
pub struct SeededEntropy(Mutex<ChaCha12Rng>);

impl SeededEntropy {
    pub fn new(seed: u64) -> SeededEntropy {
        SeededEntropy(Mutex::new(ChaCha12Rng::seed_from_u64(seed)))
    }
}

impl Entropy for SeededEntropy {
    fn fill(&self, bytes: &mut [u8]) {
        // A poisoned lock only means another test thread panicked mid-fill; the generator is fine.
        let mut rng = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        rng.fill_bytes(bytes);
    }
}
