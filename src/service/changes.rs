//! Following what other servers change: over a store that several servers share, every commit
//! that changes an app or the signing keys is announced ([`SharedStore::changes`]), and each
//! server forgets exactly the copies it made stale — the app in the client cache, or the key
//! ring, read again — so that a change made anywhere takes effect everywhere within a second.
//! When the announcements may have been missed, everything cached is forgotten: once the
//! connection hearing them listens again. While it is down, the client cache's age
//! ([`CLIENT_CACHE_MAX_AGE`](super::CLIENT_CACHE_MAX_AGE)) bounds what is stale, as it bounds
//! what an announcement lost some other way leaves; forgetting at the drop instead would refuse
//! the client-credentials tokens the cache can still answer while the database restarts.

use crate::store::{Change, Notice, SharedStore};

use super::AuthorizationServer;

impl AuthorizationServer {
    /// Keeps this server's cached apps and signing keys in step with the changes every process
    /// commits to a shared store, for as long as it runs; over a store that only this process
    /// uses (sled), returns at once.
    pub async fn follow_changes(&self) {
        let Some(shared) = &self.service.shared else {
            return;
        };
        let mut changes = SharedStore::changes(shared.as_ref());
        while let Some(notice) = changes.next().await {
            self.heard(notice).await;
        }
    }

    async fn heard(&self, notice: Notice) {
        let service = &self.service;
        let reload_keys = match notice {
            Notice::Changed(changes) => {
                service.metrics.notification_received();
                let mut apps = Vec::new();
                let mut keys = false;
                for change in changes {
                    match change {
                        Change::App(sid) => apps.push(sid),
                        Change::SigningKeys => keys = true,
                        Change::Unknown => {
                            service.clients.forget_all();
                            keys = true;
                        }
                    }
                }
                service.clients.forget(&apps);
                keys
            }
            Notice::Lost => {
                service.metrics.notification_connection_lost();
                false
            }
            Notice::Listening => {
                service.clients.forget_all();
                true
            }
        };
        if reload_keys && let Err(error) = self.reload_keys().await {
            tracing::warn!(%error, "the signing keys could not be read again after another server changed them");
        }
    }
}
