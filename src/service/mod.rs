//! The console service: the one place where the rules of the domain are enforced — limits, expiry,
//! who may do what, and which tenant sees what. The TUI, the HTTP server and the CLI only translate
//! to and from it; it reaches records only through [`Store`].
//!
//! Time and randomness come in through [`Clock`] and [`Entropy`], so tests move the clock instead
//! of sleeping and get the same SIDs and secrets on every run.

mod apps;
mod audit;
mod authorizations;
mod changes;
mod clients;
mod environment;
mod import;
mod keys;
mod limiter;
mod sessions;
mod sweeper;
mod tokens;
mod users;

use std::ops::ControlFlow;
use std::sync::Arc;

use crate::metrics::Metrics;
use crate::model::{Field, FieldError, Owner, RefreshTokenTtl, Role, Sid, User, ValidationErrors};
use crate::store::{MeteredStore, SharedStore, Store, StoreError, Write};

pub use apps::{CreatedApp, RotatedSecret};
pub use authorizations::{
    Approver, AuthorizationRequest, AuthorizeError, Grant, GrantError, ValidAuthorizationRequest,
};
pub use clients::CLIENT_CACHE_MAX_AGE;
pub use environment::{Clock, Entropy, ManualClock, OsEntropy, SeededEntropy, SystemClock};
pub use keys::{Jwk, JwkSet, KeyRing};
pub(crate) use limiter::is_client_id;
pub use limiter::{
    Attempt, FailureLimiter, LimiterConfig, LoggedIdentity, REFUSALS_REFRESH, TooManyFailures,
};
pub use sessions::StartedSession;
pub use sweeper::{SWEEP_BATCH, SWEEP_MARGIN};
pub use tokens::{
    AccessClaims, AuthorizationConfig, AuthorizationServer, IdClaims, Introspection, IssuedToken,
    PermissionDecision, TokenError, TokenRequest, UserInfo, UserInfoAnswer,
};
pub use users::{Bootstrap, HashingConfig, validate_username};

/// What went wrong, in words a person can act on. Every variant but `Store` is the caller's to
/// fix; the edges map them to HTTP statuses, banners and exit codes.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("{what} {id} was not found, or you have no access to it")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// One refusal for an unknown user and a wrong password, so that a caller learns nothing
    /// about who has an account.
    #[error("wrong username or password")]
    BadCredentials,
    /// Likewise for an unknown client, a deleted app and a wrong or expired secret.
    #[error("unknown client ID or wrong client secret")]
    BadClient,
    /// A management-API request without a live session.
    #[error("{0}")]
    NotSignedIn(String),
    /// Too many sign-ins are being checked at once; the caller may try again after
    /// `retry_after` seconds.
    #[error("the server is busy checking other sign-ins; try again in {retry_after} seconds")]
    Overloaded { retry_after: u32 },
    /// Generating, parsing or using a signing key failed: a fault of this server, not the caller.
    #[error("signing keys: {0}")]
    Crypto(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    /// A page token is the caller's input, so a bad one is theirs to fix, not a storage failure.
    fn from(error: StoreError) -> ServiceError {
        match error {
            StoreError::BadPageToken(_) => {
                ServiceError::Invalid(FieldError::new(Field::PageToken, error.to_string()).into())
            }
            other => ServiceError::Store(other),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Cheap to clone: every part is shared.
#[derive(Clone)]
pub struct ConsoleService {
    store: Arc<dyn Store>,
    /// The store's part that other processes share, when it has one (PostgreSQL).
    shared: Option<Arc<dyn SharedStore>>,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    clients: Arc<clients::ClientCache>,
    hashing: Arc<users::HashingLimit>,
    /// What this service and its store count and time, for `/metrics`.
    metrics: Arc<Metrics>,
    /// How long a refresh token lasts unused: 30 days unless the server was configured with less.
    refresh_token_ttl: RefreshTokenTtl,
    /// Every caller of this handle acts as a read-only user ([`ConsoleService::reading_only`]).
    read_only: bool,
}

/// How often a change is read and tried again when a concurrent writer got there first.
const CONFLICT_RETRIES: usize = 5;

impl ConsoleService {
    /// The service over `store`, which it times and counts in its [`Metrics`], whatever the store.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, entropy: Arc<dyn Entropy>) -> Self {
        let metrics = Arc::new(Metrics::new());
        let store: Arc<dyn Store> = Arc::new(MeteredStore::new(store, metrics.clone()));
        ConsoleService {
            shared: store.clone().shared(),
            store,
            metrics,
            clock,
            entropy,
            clients: Arc::default(),
            hashing: Arc::new(users::HashingLimit::new(HashingConfig::default())),
            refresh_token_ttl: RefreshTokenTtl::default(),
            read_only: false,
        }
    }

    /// The same service, through which every user acts as if marked read-only: they read as
    /// ever, and each change is refused as a read-only user's is (`--read-only`). Other handles
    /// of the service, such as the server `--serve` runs beside the console, change as before.
    pub fn reading_only(self) -> Self {
        ConsoleService {
            read_only: true,
            ..self
        }
    }

    /// The same service issuing refresh tokens that last `ttl` unused: a shorter lifetime ends a
    /// stolen token sooner, and lets the sweeper remove spent ones sooner.
    pub fn with_refresh_token_ttl(self, ttl: RefreshTokenTtl) -> Self {
        ConsoleService {
            refresh_token_ttl: ttl,
            ..self
        }
    }

    /// The same service with another bound on password hashing.
    pub fn with_hashing(mut self, config: HashingConfig) -> Self {
        self.hashing = Arc::new(users::HashingLimit::new(config));
        self
    }

    /// Commits `writes` all together or not at all. Every change goes through here, so that the
    /// apps cached for client authentication are forgotten as they change — also when the caller
    /// stops waiting (a client that hangs up) after the store applied the change.
    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let _forget = self
            .clients
            .forget_when_done(clients::apps_written(&writes));
        self.store.commit(writes).await
    }

    /// What this service and its store have counted and timed; the server adds its requests.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Whether the store answers: a read of the owners, a handful of records on any store.
    pub async fn check_store(&self) -> Result<(), StoreError> {
        self.store.owners().await.map(drop)
    }

    /// The clock, for parts at the edge that time things by it (the failure limiter).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The service's time: what expiry and the JSON's "now" are judged by.
    pub fn now(&self) -> crate::model::Timestamp {
        self.clock.now()
    }

    /// The user acting, read afresh so that a role taken away takes effect at once; read-only
    /// when this handle reads only, so that whoever asks who they are is told so.
    async fn actor(&self, user: &Sid) -> Result<User> {
        let mut user = self
            .store
            .user(user)
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                what: "user",
                id: user.to_string(),
            })?;
        user.read_only |= self.read_only;
        Ok(user)
    }

    /// The user acting, for a change: refused before anything is read or written when they are
    /// read-only. Every operation that changes what people manage starts here, whichever face
    /// asked, so that no face has a check of its own to forget.
    async fn changer(&self, user: &Sid, doing: &str) -> Result<User> {
        let user = self.actor(user).await?;
        self.refuse_read_only(&user, doing)?;
        Ok(user)
    }

    fn refuse_read_only(&self, user: &User, doing: &str) -> Result<()> {
        if self.read_only {
            Err(ServiceError::Forbidden(crate::model::started_read_only(
                doing,
            )))
        } else if user.read_only {
            Err(ServiceError::Forbidden(format!(
                "read-only: {} may read but not {doing}; an Owner or Administrator can lift it",
                user.username
            )))
        } else {
            Ok(())
        }
    }

    /// The owner, if `user` may manage its OAuth apps. An owner the user does not belong to is
    /// "not found", so that other tenants stay invisible.
    async fn owner_managed_by(&self, user: &User, owner: &Sid) -> Result<Owner> {
        self.owner_with_role(
            user,
            owner,
            Role::may_manage_oauth_apps,
            "manage OAuth apps",
            "Owner, Administrator or Developer",
        )
        .await
    }

    async fn owner_with_role(
        &self,
        user: &User,
        owner: &Sid,
        allowed: fn(Role) -> bool,
        doing: &str,
        roles: &str,
    ) -> Result<Owner> {
        let not_found = || ServiceError::NotFound {
            what: "owner",
            id: owner.to_string(),
        };
        let role = user.role_for(owner).ok_or_else(not_found)?;
        let found = self.store.owner(owner).await?.ok_or_else(not_found)?;
        if allowed(role) {
            Ok(found)
        } else {
            Err(ServiceError::Forbidden(format!(
                "{} is {role} of {} ({}); to {doing} ask for the {roles} role",
                user.username, found.name, found.sid
            )))
        }
    }

    fn new_sid(&self, kind: crate::model::SidKind) -> Sid {
        let mut random = [0; 16];
        self.entropy.fill(&mut random);
        Sid::new(kind, random)
    }
}

/// Decides, after one attempt at a read-modify-write, whether to try again: yes when a concurrent
/// writer changed what the attempt read, up to [`CONFLICT_RETRIES`] times.
/// Runs `attempt` until it answers anything but a race that [`settle`] tries again.
async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        if let ControlFlow::Break(done) = settle(attempt().await, &mut tries) {
            return done;
        }
    }
}

fn settle<T>(attempt: Result<T>, tries: &mut usize) -> ControlFlow<Result<T>> {
    match attempt {
        Err(ServiceError::Store(StoreError::Conflict { what, .. })) => {
            *tries += 1;
            if *tries < CONFLICT_RETRIES {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(Err(ServiceError::Conflict(format!(
                    "{what} keeps changing under concurrent edits; try again"
                ))))
            }
        }
        done => ControlFlow::Break(done),
    }
}
