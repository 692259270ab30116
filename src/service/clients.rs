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

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

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
    /// fresh, else read from the store and cached.
    pub(super) async fn client_app(&self, sid: &Sid) -> Result<Option<Arc<OAuthApp>>> {
        let now = self.clock.now();
        if let Some(cached) = self.clients.get(sid, now) {
            self.metrics.client_cache_hit();
            return Ok(cached);
        }
        self.metrics.client_cache_miss();
        let generation = self.clients.generation.load(Ordering::Acquire);
        let app = self.store.app(sid).await?.map(Arc::new);
        self.clients.put(sid.clone(), app.clone(), now, generation);
        Ok(app)
    }
}
