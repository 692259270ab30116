//! Storage: the one trait the service reaches records through, and its embedded implementation.
//!
//! The trait is shaped for a networked SQL store as much as for sled: every method is async, reads
//! are plain look-ups and pages, and every change is one [`Store::commit`] of a list of writes that
//! lands whole or not at all. Optimistic concurrency ([`Expect`]) rather than held locks lets
//! several servers share one database: a write based on a stale read fails with
//! [`StoreError::Conflict`], which says which write of the commit was refused, and the service
//! decides what to do.
//!
//! A store that several processes share also carries what they must tell one another between
//! commits ([`SharedStore`]): which records changed, so that each forgets its cached copies, and
//! which authentications failed, so that they count against one limit. A store one process owns
//! (sled) has no such part: that process's memory is already the only view.

mod metered;
mod pg_store;
mod private_dir;
mod sled_repair;
mod sled_store;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::model::{
    AppOrder, AuditEvent, AuditEventType, Authorization, AuthorizationCode, OAuthApp, Owner, Page,
    RefreshToken, SecretDigest, Session, Sid, SigningKeyRecord, Timestamp, User,
};

pub use metered::MeteredStore;
pub use pg_store::{PgStore, listener_application_name};
pub use sled_store::{
    BACKUP_FORMAT_VERSION, BackupError, BackupSummary, SledStore, backup_failure_line,
    verify_backup,
};

/// What a write expects to find, checked inside the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No record with this key yet.
    Absent,
    /// The record as last read, at this version.
    Version(u64),
}

/// One change within a [`Store::commit`].
#[derive(Debug, Clone)]
pub enum Write {
    PutApp {
        app: OAuthApp,
        expect: Expect,
    },
    DeleteApp {
        app: OAuthApp,
        expect: Expect,
    },
    AddAuditEvent(AuditEvent),
    PutOwner(Owner),
    /// A new user; refused with a conflict when the username (case-insensitive) is taken.
    CreateUser(User),
    /// A user changed (their read-only flag); refused with a conflict when the stored user is
    /// no longer `was`, so that a change made from a stale read is not written over another.
    ReplaceUser {
        user: User,
        was: User,
    },
    PutAuthorization {
        authorization: Authorization,
        expect: Expect,
    },
    /// Marks an active authorization used at `at` (its last use stays the later of the two) and
    /// counts the change in its version; refused with a conflict when it is gone or revoked. Two
    /// grants of one authorization at once both touch it, one after the other, neither refused:
    /// only a revocation (or deletion) since the grant's read refuses it.
    TouchAuthorization {
        sid: Sid,
        at: Timestamp,
    },
    AddAuthorizationCode(AuthorizationCode),
    /// Marks a code used; refused with a conflict when it already was, so that of two
    /// concurrent exchanges of one code exactly one wins.
    RedeemAuthorizationCode(SecretDigest),
    AddRefreshToken(RefreshToken),
    /// Marks a refresh token used; refused with a conflict when it already was.
    SpendRefreshToken(SecretDigest),
    /// A new signing key, or a key's retirement.
    PutSigningKey(SigningKeyRecord),
    /// Marks an access token revoked; kept until `expires_at`, after which the token is dead
    /// anyway.
    RevokeToken {
        jti: String,
        expires_at: Timestamp,
    },
    PutSession(Session),
    /// Ends the session with this token digest; nothing happens when there is none.
    DeleteSession(SecretDigest),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write of the commit found its record other than it expected ([`Expect`], a username
    /// taken, a code already redeemed, a refresh token already spent); nothing was written.
    #[error("{what} was changed by someone else since it was read")]
    Conflict {
        what: String,
        /// The refused write's position in the commit's list. When several would be refused, the
        /// first the store checked: any one of them, so a store may check in any order.
        write: usize,
    },
    #[error(
        "the data directory {path} is in use by another oauth-console process (a console, a command or `serve`); wait for it or close it, or use another --data-dir"
    )]
    Locked { path: String },
    #[error(
        "the data directory {path} was written by a newer oauth-console (schema {found}; this build reads up to {supported}); upgrade oauth-console"
    )]
    NewerSchema {
        path: String,
        found: u32,
        supported: u32,
    },
    /// sled refused the directory as corrupt, and it was none of the torn files opening repairs.
    #[error(
        "the data directory {path} is damaged beyond what opening repairs (sled: {detail}); keep it as it is for inspection, and restore a backup into a new --data-dir or start a new one there"
    )]
    Damaged { path: String, detail: String },
    #[error(
        "the data directory {path} holds the private signing key, and other users may read it ({entry} has mode {mode:03o}); make it yours alone with `chmod -R go-rwx {path}` and start again"
    )]
    Exposed {
        path: String,
        entry: String,
        mode: u32,
    },
    #[error(
        "the database {database} was written by a newer oauth-console (schema {found}; this build reads up to {supported}); upgrade oauth-console"
    )]
    NewerDatabaseSchema {
        database: String,
        found: u32,
        supported: u32,
    },
    /// The database URL does not parse; the message never repeats the URL, which may hold a
    /// password.
    #[error("the database URL is not one PostgreSQL reads: {0}")]
    BadDatabaseUrl(String),
    /// The database cannot be used at all: unreachable, the role or password refused, no rights.
    #[error("cannot use the database {database}: {cause}; {check}")]
    DatabaseUnusable {
        database: String,
        cause: String,
        check: String,
    },
    #[error(
        "the database {database} already holds an oauth-console store; migrate only into an empty database (createdb -O USER NAME makes one), so that two stores are not mixed"
    )]
    DatabaseNotEmpty { database: String },
    /// The database stopped answering, and kept not answering through a few retries: a restart or
    /// a network fault, likely over soon; nothing was written.
    #[error("the database {database} does not answer ({detail}); try again shortly")]
    Unavailable { database: String, detail: String },
    #[error("'{0}' is not a page token: pass the one printed with the previous page")]
    BadPageToken(String),
    #[error("a stored record could not be read ({0}); the data directory may be damaged")]
    Corrupt(String),
    #[error("storage failed: {0}")]
    Backend(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppQuery {
    pub owner: Sid,
    pub order: AppOrder,
    /// Keeps apps whose name contains this, ignoring case.
    pub name_contains: Option<String>,
    pub page_size: usize,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    /// Events of these owners only: the ones the caller belongs to.
    pub owners: Vec<Sid>,
    pub app: Option<Sid>,
    pub event_type: Option<AuditEventType>,
    pub page_size: usize,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationQuery {
    pub owner: Sid,
    /// One app's authorizations only.
    pub app: Option<Sid>,
    /// Revoked ones too.
    pub include_revoked: bool,
    pub page_size: usize,
    pub after: Option<String>,
}

/// How far a [`Store::purge`] goes: for each kind of record that matters only for a while, the
/// instant before which its records go. The service decides them (`service/sweeper.rs`); the
/// store only compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeCutoffs {
    /// Authorization codes, redeemed or not, whose `expires_at` is before this.
    pub codes_expired_before: Timestamp,
    /// Refresh tokens, spent or not, whose `expires_at` is before this.
    pub refresh_tokens_expired_before: Timestamp,
    /// Revoked access tokens (`jti`s) whose `expires_at` is before this.
    pub revocations_expired_before: Timestamp,
    /// Sessions whose `expires_at` is before this.
    pub sessions_expired_before: Timestamp,
    /// Signing keys retired before this. A key that signs (not retired) never goes.
    pub signing_keys_retired_before: Timestamp,
    /// Windows of failed authentications ([`SharedStore::count_failure`]) that ended before this.
    pub failure_windows_ended_before: Timestamp,
}

/// How many records of each kind one [`Store::purge`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub codes: usize,
    pub refresh_tokens: usize,
    pub revocations: usize,
    pub sessions: usize,
    pub signing_keys: usize,
    /// Always 0 for a store that keeps no failure windows (sled: its process counts them).
    pub failure_windows: usize,
}

impl Purged {
    pub fn total(&self) -> usize {
        self.codes
            + self.refresh_tokens
            + self.revocations
            + self.sessions
            + self.signing_keys
            + self.failure_windows
    }

    /// Whether some kind had `limit` records to remove, so that more may be waiting.
    pub fn reached(&self, limit: usize) -> bool {
        [
            self.codes,
            self.refresh_tokens,
            self.revocations,
            self.sessions,
            self.signing_keys,
            self.failure_windows,
        ]
        .into_iter()
        .any(|count| count >= limit)
    }

    pub fn add(&mut self, other: Purged) {
        self.codes += other.codes;
        self.refresh_tokens += other.refresh_tokens;
        self.revocations += other.revocations;
        self.sessions += other.sessions;
        self.signing_keys += other.signing_keys;
        self.failure_windows += other.failure_windows;
    }
}

/// A record that a process may hold a copy of, changed by a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An app was created, changed (a rotation, an ended grace period, an update) or deleted.
    App(Sid),
    /// A signing key was made or retired.
    SigningKeys,
    /// Something this build has no name for (a newer one announced it): any copy may be stale.
    Unknown,
}

/// What a [`Changes`] subscription hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// One announcement of a commit: these records changed.
    Changed(Vec<Change>),
    /// The connection that hears announcements dropped: until it listens again, changes go
    /// unheard.
    Lost,
    /// Listening, the first time or again: what changed before may have gone unheard.
    Listening,
}

/// The changes that processes commit to a shared store, announced as they commit, for as long
/// as this is held; dropping it stops listening.
pub struct Changes {
    notices: mpsc::UnboundedReceiver<Notice>,
}

impl Changes {
    /// A subscription fed through `sender`; it ends when the sender is dropped.
    fn channel() -> (mpsc::UnboundedSender<Notice>, Changes) {
        let (sender, notices) = mpsc::unbounded_channel();
        (sender, Changes { notices })
    }

    /// The next notice, or `None` once the store stopped announcing.
    pub async fn next(&mut self) -> Option<Notice> {
        self.notices.recv().await
    }
}

/// A keyed hash of what a failed authentication is counted under: never the client ID, username
/// or address itself.
pub type FailureKey = [u8; 16];

/// The three windows one failed authentication counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureKeys {
    /// The identity (client ID or username) from the source address.
    pub pair: FailureKey,
    /// The identity from every address.
    pub identity: FailureKey,
    /// Every identity from the source address.
    pub source: FailureKey,
}

/// The limits past which a pair is refused, as the service sets them; the store only compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureLimits {
    /// A pair with this many failures is refused.
    pub per_pair: u32,
    /// A pair that has failed is refused once its identity has this many.
    pub per_identity: u32,
    /// A pair that has failed is refused once its source has this many.
    pub per_source: u32,
}

/// A pair refused by the shared counts, and when its window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusedPair {
    pub pair: FailureKey,
    pub window_ends: Timestamp,
}

/// What a code exchange or a refresh reads: the code or refresh token, the authorization it was
/// issued under and the user who approved that, each as found (the last two may be gone).
#[derive(Debug, Clone, PartialEq)]
pub struct Granting<T> {
    pub credential: T,
    pub authorization: Option<Authorization>,
    pub user: Option<User>,
}

/// What the processes sharing one store tell one another beyond its records; see the module doc.
#[async_trait]
pub trait SharedStore: Send + Sync + 'static {
    /// Subscribes to the changes every process commits, this one's included, from about now.
    /// Announcements are made in the commit's own transaction, so a commit that did not land
    /// announces nothing; one may still go unheard (a dropped connection), which the
    /// subscription says ([`Notice::Lost`], then [`Notice::Listening`]).
    fn changes(&self) -> Changes;
    /// Counts one failure in each window of `keys`; a window that had ended by `now` starts
    /// again, ending at `window_ends`.
    async fn count_failure(
        &self,
        keys: &FailureKeys,
        window_ends: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// The pairs whose live windows are past `limits` at `now` (at most `max` of them): a pair
    /// at `per_pair` failures, or a pair that has failed whose identity or source is at its
    /// limit.
    async fn refused_pairs(
        &self,
        limits: &FailureLimits,
        now: Timestamp,
        max: usize,
    ) -> Result<Vec<RefusedPair>, StoreError>;
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn app(&self, sid: &Sid) -> Result<Option<OAuthApp>, StoreError>;
    /// The owner's apps in `query.order` of creation.
    async fn apps(&self, query: &AppQuery) -> Result<Page<OAuthApp>, StoreError>;
    /// Events, newest first.
    async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, StoreError>;
    async fn owner(&self, sid: &Sid) -> Result<Option<Owner>, StoreError>;
    async fn owners(&self) -> Result<Vec<Owner>, StoreError>;
    async fn user(&self, sid: &Sid) -> Result<Option<User>, StoreError>;
    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// Every user, oldest first.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    async fn authorization(&self, sid: &Sid) -> Result<Option<Authorization>, StoreError>;
    /// The owner's authorizations, newest first.
    async fn authorizations(
        &self,
        query: &AuthorizationQuery,
    ) -> Result<Page<Authorization>, StoreError>;
    async fn authorization_code(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<AuthorizationCode>, StoreError>;
    async fn refresh_token(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<RefreshToken>, StoreError>;
    /// The code with the authorization it was issued under and its user, as the code exchange
    /// needs them. A store that can read the three in one go does so; this reads them in turn.
    async fn code_granting(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<Granting<AuthorizationCode>>, StoreError> {
        let Some(code) = self.authorization_code(digest).await? else {
            return Ok(None);
        };
        let authorization = self.authorization(&code.authorization).await?;
        let user = self.user(&code.user).await?;
        Ok(Some(Granting {
            credential: code,
            authorization,
            user,
        }))
    }
    /// The refresh token with the authorization it was issued under and that authorization's
    /// user, as the refresh grant needs them; read in turn unless the store can do better.
    async fn refresh_granting(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<Granting<RefreshToken>>, StoreError> {
        let Some(token) = self.refresh_token(digest).await? else {
            return Ok(None);
        };
        let authorization = self.authorization(&token.authorization).await?;
        let user = match &authorization {
            Some(authorization) => self.user(&authorization.user.sid).await?,
            None => None,
        };
        Ok(Some(Granting {
            credential: token,
            authorization,
            user,
        }))
    }
    /// Every signing key, oldest first.
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
    /// Whether the access token with this `jti` was revoked (and its revocation not yet purged).
    async fn is_token_revoked(&self, jti: &str) -> Result<bool, StoreError>;
    async fn session(&self, digest: &SecretDigest) -> Result<Option<Session>, StoreError>;
    /// Applies every write or none, and returns only once they are durable. A refusal is a
    /// [`StoreError::Conflict`] naming the refused write by its position in `writes`, so that the
    /// service can tell a replayed code (its `RedeemAuthorizationCode` refused) from a race lost to
    /// a concurrent change of the authorization (the `PutAuthorization` beside it refused).
    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError>;
    /// Removes at most `limit` records of each kind past its cutoff, those that stopped mattering
    /// first, and says how many of each went. It must cost about what it removes, not the size of
    /// the store (an index in order of expiry, or of retirement, does that). A record written
    /// again since it was found past its cutoff, to matter longer, stays. The removals need not be
    /// durable when it returns: one lost in a crash is simply removed by the next purge.
    async fn purge(&self, cutoffs: &PurgeCutoffs, limit: usize) -> Result<Purged, StoreError>;
    /// The part other processes over this store share, when there are any: `None` for a store
    /// that one process owns.
    fn shared(self: Arc<Self>) -> Option<Arc<dyn SharedStore>>;
}
