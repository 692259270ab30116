//! Client authentication: does this client ID and secret belong to a live app? The token endpoint
//! asks this on every request, so it is a digest compare against an app kept decoded in memory —
//! no slow KDF, and no store read or JSON decode per token.
//!
//! The apps are cached under the rule SPEC.md sets for the hot path: this process forgets an app
//! the moment it commits a change to it (every commit goes through [`ConsoleService::commit`]),
//! and the moment another process sharing the store announces one (`AuthorizationServer::
//! follow_changes`, within a second). An announcement lost with its connection is why entries
//! also age: a change is seen within [`CLIENT_CACHE_MAX_AGE`] whatever happens, after which an
//! entry is read again.
//!
//! An app missing from the cache is read once however many requests want it at that instant:
//! the first reads it and the others wait for that read. Under load every connection's request
//! finds the entry too old at the same moment, and over PostgreSQL each reading it again meant
//! a burst of reads (32 for 32 connections) and new pool connections, every 5 seconds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::model::{OAuthApp, Seconds, Sid, Timestamp, verify};
use crate::store::Write;

use super::{ConsoleService, Result, ServiceError};

/// How long a change made by another server over the same store may go unseen by this one's
/// client authentication when its announcement is lost: a deleted app or a retired secret keeps
/// working here for at most this long. Changes made through this process take effect at once,
/// and those announced within a second.
pub const CLIENT_CACHE_MAX_AGE: Seconds = Seconds(5);

/// Apps cached at most; past it, stale entries go first, then all of them.
const MAX_CACHED_CLIENTS: usize = 10_000;

/// The apps client authentication read recently, decoded. `None` records that no such app
/// exists, so that a stream of requests for a deleted app is refused without a store read each.
#[derive(Default)]
pub(super) struct ClientCache {
    apps: RwLock<HashMap<Sid, Cached>>,
    /// Bumped by every change to an app. A read that began before a change must not put what it
    /// read in the cache after the change forgot the app: it compares generations first.
    generation: AtomicU64,
    /// One lock per app being read from the store, held by the request reading it, so that the
    /// others wanting it at the same time wait for that read instead of making their own. It
    /// holds whether that read failed: then those waiting read on their own, at once, rather
    /// than one after another each waiting out the store's retries while the store is down.
    reading: Mutex<HashMap<Sid, Arc<tokio::sync::Mutex<bool>>>>,
}

struct Cached {
    app: Option<Arc<OAuthApp>>,
    read_at: Timestamp,
}

impl ClientCache {
    fn get(&self, sid: &Sid, now: Timestamp) -> Option<Option<Arc<OAuthApp>>> {
        let apps = self
            .apps
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let cached = apps.get(sid)?;
        (now < cached.read_at.plus(CLIENT_CACHE_MAX_AGE)).then(|| cached.app.clone())
    }

    fn put(&self, sid: Sid, app: Option<Arc<OAuthApp>>, read_at: Timestamp, generation: u64) {
        let mut apps = self
            .apps
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if apps.len() >= MAX_CACHED_CLIENTS {
            apps.retain(|_, cached| read_at < cached.read_at.plus(CLIENT_CACHE_MAX_AGE));
            if apps.len() >= MAX_CACHED_CLIENTS {
                apps.clear();
            }
        }
        apps.insert(sid, Cached { app, read_at });
    }

    /// The lock that the readers of `sid` take turns on; see [`ReadingTurn`].
    fn reading_turn(&self, sid: &Sid) -> ReadingTurn<'_> {
        let lock = self
            .reading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(sid.clone())
            .or_default()
            .clone();
        ReadingTurn {
            cache: self,
            sid: sid.clone(),
            lock,
        }
    }

    /// Forgets the `changed` apps when the guard is dropped: once their commit is done, failed,
    /// or abandoned half-way.
    pub(super) fn forget_when_done(&self, changed: Vec<Sid>) -> ForgetWhenDone<'_> {
        ForgetWhenDone {
            cache: self,
            changed,
        }
    }

    /// Forgets everything: announcements of changes may have been missed.
    pub(super) fn forget_all(&self) {
        let mut apps = self
            .apps
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        apps.clear();
    }

    pub(super) fn forget(&self, changed: &[Sid]) {
        if changed.is_empty() {
            return;
        }
        let mut apps = self
            .apps
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        for sid in changed {
            apps.remove(sid);
        }
    }
}

/// See [`ClientCache::forget_when_done`]. A guard rather than a call after the commit, because a
/// future dropped while it waits for the store (its caller hung up) runs no more of its code,
/// though the store may have applied the change.
pub(super) struct ForgetWhenDone<'a> {
    cache: &'a ClientCache,
    changed: Vec<Sid>,
}

impl Drop for ForgetWhenDone<'_> {
    fn drop(&mut self) {
        self.cache.forget(&self.changed);
    }
}

/// A place among the requests that want `sid` read from the store: whoever holds its lock reads;
/// the lock is no longer kept for the app once nobody holds or waits for it.
struct ReadingTurn<'a> {
    cache: &'a ClientCache,
    sid: Sid,
    lock: Arc<tokio::sync::Mutex<bool>>,
}

impl Drop for ReadingTurn<'_> {
    fn drop(&mut self) {
        let mut reading = self
            .cache
            .reading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // The map's and this turn's: no one else waits.
        if Arc::strong_count(&self.lock) == 2 {
            reading.remove(&self.sid);
        }
    }
}

/// The apps that `writes` change.
pub(super) fn apps_written(writes: &[Write]) -> Vec<Sid> {
    writes
        .iter()
        .filter_map(|write| match write {
            Write::PutApp { app, .. } | Write::DeleteApp { app, .. } => Some(app.sid.clone()),
            _ => None,
        })
        .collect()
}

impl ConsoleService {
    /// The app whose active secret `secret` is. Unknown, deleted and wrong-secret clients get the
    /// same refusal, so a caller cannot probe which client IDs exist.
    pub async fn authenticate_client(
        &self,
        client_id: &str,
        secret: &str,
    ) -> Result<Arc<OAuthApp>> {
        let Ok(sid) = client_id.parse::<Sid>() else {
            return Err(ServiceError::BadClient);
        };
        let app = self
            .client_app(&sid)
            .await?
            .ok_or(ServiceError::BadClient)?;
        if verify(&app.secrets, secret, self.clock.now()).is_some() {
            Ok(app)
        } else {
            Err(ServiceError::BadClient)
        }
    }

    /// The app as client authentication and token checks see it: from the cache while it is
    /// fresh, else read from the store (by one request at a time: see the module doc) and cached.
    pub(super) async fn client_app(&self, sid: &Sid) -> Result<Option<Arc<OAuthApp>>> {
        if let Some(cached) = self.clients.get(sid, self.clock.now()) {
            self.metrics.client_cache_hit();
            return Ok(cached);
        }
        let turn = self.clients.reading_turn(sid);
        let mut previous_failed = turn.lock.lock().await;
        // The request that held the turn before may have just read and cached it.
        let now = self.clock.now();
        if let Some(cached) = self.clients.get(sid, now) {
            self.metrics.client_cache_hit();
            return Ok(cached);
        }
        if *previous_failed {
            drop(previous_failed);
            return self.read_client_app(sid, now).await;
        }
        let read = self.read_client_app(sid, now).await;
        *previous_failed = read.is_err();
        read
    }

    /// Reads the app from the store and caches it as read at `now`.
    async fn read_client_app(&self, sid: &Sid, now: Timestamp) -> Result<Option<Arc<OAuthApp>>> {
        self.metrics.client_cache_miss();
        let generation = self.clients.generation.load(Ordering::Acquire);
        let app = self.store.app(sid).await?.map(Arc::new);
        self.clients.put(sid.clone(), app.clone(), now, generation);
        Ok(app)
    }
}
