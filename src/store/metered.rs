//! [`MeteredStore`]: any [`Store`], timed and its failures counted, so that `/metrics` shows the
//! store's latency and errors whichever store a server runs over; its [`SharedStore`] part, when
//! it has one, likewise.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;

use crate::metrics::Metrics;
use crate::model::{
    AuditEvent, Authorization, AuthorizationCode, OAuthApp, Owner, RefreshToken, SecretDigest,
    Session, Sid, SigningKeyRecord, Timestamp, User,
};

use super::{
    AppQuery, AuditQuery, AuthorizationQuery, Changes, FailureKeys, FailureLimits, Granting, Page,
    PurgeCutoffs, Purged, RefusedPair, SharedStore, Store, StoreError, Write,
};

/// Wraps a store: each call is timed under its operation's name, and each failure counted under
/// the operation and the error's kind.
pub struct MeteredStore {
    inner: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl MeteredStore {
    pub fn new(inner: Arc<dyn Store>, metrics: Arc<Metrics>) -> MeteredStore {
        MeteredStore { inner, metrics }
    }

    async fn measure<T>(
        &self,
        operation: &'static str,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        measure(&self.metrics, operation, call).await
    }
}

async fn measure<T>(
    metrics: &Metrics,
    operation: &'static str,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let answer = call.await;
    metrics.store_call(operation, started.elapsed());
    if let Err(error) = &answer {
        metrics.store_error(operation, error_kind(error));
    }
    answer
}

/// The [`SharedStore`] part of a [`MeteredStore`]'s store, timed and counted the same way.
struct MeteredShared {
    inner: Arc<dyn SharedStore>,
    metrics: Arc<Metrics>,
}

#[async_trait]
impl SharedStore for MeteredShared {
    fn changes(&self) -> Changes {
        self.inner.changes()
    }

    async fn count_failure(
        &self,
        keys: &FailureKeys,
        window_ends: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let call = self.inner.count_failure(keys, window_ends, now);
        measure(&self.metrics, "count_failure", call).await
    }

    async fn refused_pairs(
        &self,
        limits: &FailureLimits,
        now: Timestamp,
        max: usize,
    ) -> Result<Vec<RefusedPair>, StoreError> {
        let call = self.inner.refused_pairs(limits, now, max);
        measure(&self.metrics, "refused_pairs", call).await
    }
}

/// The error's name as a metric label.
fn error_kind(error: &StoreError) -> &'static str {
    match error {
        StoreError::Conflict { .. } => "conflict",
        StoreError::Locked { .. } => "locked",
        StoreError::NewerSchema { .. } => "newer_schema",
        StoreError::Damaged { .. } => "damaged",
        StoreError::Exposed { .. } => "exposed",
        StoreError::NewerDatabaseSchema { .. } => "newer_database_schema",
        StoreError::BadDatabaseUrl(_) => "bad_database_url",
        StoreError::DatabaseUnusable { .. } => "database_unusable",
        StoreError::DatabaseNotEmpty { .. } => "database_not_empty",
        StoreError::Unavailable { .. } => "unavailable",
        StoreError::BadPageToken(_) => "bad_page_token",
        StoreError::Corrupt(_) => "corrupt",
        StoreError::Backend(_) => "backend",
    }
}

#[async_trait]
impl Store for MeteredStore {
    async fn app(&self, sid: &Sid) -> Result<Option<OAuthApp>, StoreError> {
        self.measure("app", self.inner.app(sid)).await
    }

    async fn apps(&self, query: &AppQuery) -> Result<Page<OAuthApp>, StoreError> {
        self.measure("apps", self.inner.apps(query)).await
    }

    async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, StoreError> {
        self.measure("audit_events", self.inner.audit_events(query))
            .await
    }

    async fn owner(&self, sid: &Sid) -> Result<Option<Owner>, StoreError> {
        self.measure("owner", self.inner.owner(sid)).await
    }

    async fn owners(&self) -> Result<Vec<Owner>, StoreError> {
        self.measure("owners", self.inner.owners()).await
    }

    async fn user(&self, sid: &Sid) -> Result<Option<User>, StoreError> {
        self.measure("user", self.inner.user(sid)).await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.measure("user_by_name", self.inner.user_by_name(username))
            .await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.measure("users", self.inner.users()).await
    }

    async fn authorization(&self, sid: &Sid) -> Result<Option<Authorization>, StoreError> {
        self.measure("authorization", self.inner.authorization(sid))
            .await
    }

    async fn authorizations(
        &self,
        query: &AuthorizationQuery,
    ) -> Result<Page<Authorization>, StoreError> {
        self.measure("authorizations", self.inner.authorizations(query))
            .await
    }

    async fn authorization_code(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<AuthorizationCode>, StoreError> {
        self.measure("authorization_code", self.inner.authorization_code(digest))
            .await
    }

    async fn refresh_token(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<RefreshToken>, StoreError> {
        self.measure("refresh_token", self.inner.refresh_token(digest))
            .await
    }

    async fn code_granting(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<Granting<AuthorizationCode>>, StoreError> {
        self.measure("code_granting", self.inner.code_granting(digest))
            .await
    }

    async fn refresh_granting(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<Granting<RefreshToken>>, StoreError> {
        self.measure("refresh_granting", self.inner.refresh_granting(digest))
            .await
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        self.measure("signing_keys", self.inner.signing_keys())
            .await
    }

    async fn is_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        self.measure("is_token_revoked", self.inner.is_token_revoked(jti))
            .await
    }

    async fn session(&self, digest: &SecretDigest) -> Result<Option<Session>, StoreError> {
        self.measure("session", self.inner.session(digest)).await
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.measure("commit", self.inner.commit(writes)).await
    }

    async fn purge(&self, cutoffs: &PurgeCutoffs, limit: usize) -> Result<Purged, StoreError> {
        self.measure("purge", self.inner.purge(cutoffs, limit))
            .await
    }

    fn shared(self: Arc<Self>) -> Option<Arc<dyn SharedStore>> {
        let inner = self.inner.clone().shared()?;
        Some(Arc::new(MeteredShared {
            inner,
            metrics: self.metrics.clone(),
        }))
    }
}
