//! The embedded store: sled trees holding JSON records, one process per data directory.
//!
//! sled acknowledges a write before it reaches the disk, so [`SledStore::commit`] flushes before
//! it returns: a create that has answered survives a SIGKILL. A kill inside sled's own open can
//! tear a file sled 0.34.7 would then refuse forever; opening repairs those first
//! ([`super::sled_repair`]). At `debug`, the log marks each open and each commit's start and end
//! (`scripts/sigkill-loop.sh` kills processes between those marks). Multi-tree transactions keep
//! an app, its secrets and its audit event together.

mod backup;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Db, Transactional, Tree};

use super::sled_repair;
use super::{
    AppOrder, AppQuery, AuditQuery, AuthorizationQuery, Expect, Page, PurgeCutoffs, Purged,
    SharedStore, Store, StoreError, Write,
};
use crate::model::{
    AuditEvent, Authorization, AuthorizationCode, OAuthApp, Owner, RefreshToken, SecretDigest,
    Session, Sid, SigningKeyRecord, Timestamp, User,
};

/// The record layout this build writes. Raise it with a migration in [`SledStore::open`] whenever
/// a change would not read back through serde defaults, or needs what older builds did not write.
/// 2: the `*_by_expiry` indexes, which [`SledStore::open`] builds for a store of schema 1.
/// 3: users may be read-only. Nothing is rewritten (a record without the flag is not
/// read-only), but an older build, which would ignore the flag and let such a user change
/// everything, must refuse the store.
const SCHEMA_VERSION: u32 = 3;
const SCHEMA_KEY: &[u8] = b"schema_version";

pub use backup::{
    BACKUP_FORMAT_VERSION, BackupError, BackupSummary, backup_failure_line, verify_backup,
};

pub struct SledStore {
    db: Db,
    trees: Trees,
    /// Commits share it; a backup takes it alone, so that it reads one moment of the store.
    writers: std::sync::RwLock<()>,
}

/// Declares the trees once: the named set for reads, the same names over a transaction's views,
/// and the list a transaction spans. Adding a tree is adding its name here.
macro_rules! trees {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Each record kind has its tree; `*_by_*` trees are indexes whose keys sort newest first.
        struct Trees {
            $($(#[$doc])* $name: Tree,)*
        }

        /// The same trees inside one transaction.
        struct TxTrees<'a> {
            $($name: &'a TransactionalTree,)*
        }

        impl Trees {
            fn open(db: &Db) -> sled::Result<Trees> {
                Ok(Trees { $($name: db.open_tree(stringify!($name))?,)* })
            }

            fn all(&self) -> Vec<&Tree> {
                vec![$(&self.$name,)*]
            }
        }

        impl<'a> TxTrees<'a> {
            /// Names the views sled hands a transaction over [`Trees::all`], in the same order.
            fn new(views: &'a [TransactionalTree]) -> TxTrees<'a> {
                let mut views = views.iter();
                TxTrees {
                    $($name: views.next().expect("sled gives one view per tree"),)*
                }
            }
        }
    };
}

trees! {
    apps,
    apps_by_owner,
    audit,
    owners,
    users,
    usernames,
    /// Creation order of users (a sled-generated id, big-endian) → user SID: "the first user" is
    /// the one the store was bootstrapped with, whatever the clocks said.
    users_in_order,
    authorizations,
    authorizations_by_owner,
    /// Digest → code; a redeemed code stays until it expires so that a replay is recognised.
    authorization_codes,
    /// Digest → refresh token; a spent one stays until it expires so that its reuse is recognised.
    refresh_tokens,
    /// kid → signing key.
    signing_keys,
    /// jti → expiry of the revoked access token (milliseconds, big-endian).
    revoked_tokens,
    /// Hex digest of the session token → session.
    sessions,
    /// The `*_by_expiry` indexes: [`expiry_key`] of a record (when it stops mattering, then its
    /// key) → nothing, so that a purge reads only what it removes, oldest first.
    codes_by_expiry,
    refresh_tokens_by_expiry,
    revoked_tokens_by_expiry,
    sessions_by_expiry,
}

/// The most memory sled's page cache may hold (see `SledStore::open`).
const PAGE_CACHE_BYTES: u64 = 64 * 1024 * 1024;

impl SledStore {
    /// Opens (creating on first use) the store in `path`, after moving aside the files a killed
    /// open can leave torn (see [`super::sled_repair`]); any other damage is refused. A new
    /// directory is its owner's alone, and one others may read is refused (see `private_dir`).
    pub fn open(path: &Path) -> Result<SledStore, StoreError> {
        let shown = path.display().to_string();
        super::private_dir::prepare(path)?;
        if let Some(repaired) = sled_repair::move_aside_torn_files(path)? {
            for file in &repaired.files {
                tracing::warn!(
                    data_dir = %shown,
                    file = %file,
                    moved_to = %repaired.into.display(),
                    "moved aside a file that a process killed while opening the store left torn; the store rebuilds without it"
                );
            }
        }
        let db = sled::Config::new()
            .path(path)
            // sled 0.34.7 reclaims its log's segments on its background flusher's turns; at its
            // default of one turn every 500 ms a steady load of records made and swept leaves
            // the file about four times their size, at 50 ms about twice (examples/sled_growth.rs).
            // Durability does not depend on it: `commit` still flushes before acknowledging.
            .flush_every_ms(Some(50))
            // sled's page cache defaults to 1 GiB and fills with every page the log has held, so
            // a server under steady load grew by tens of MiB a minute for a quarter of an hour
            // (scripts/soak.sh). The token endpoint reads clients from the service's own cache,
            // so this only bounds what code and refresh grants and the console page in.
            .cache_capacity(PAGE_CACHE_BYTES)
            .open()
            .map_err(|error| match &error {
                sled::Error::Io(io)
                    if io.kind() == std::io::ErrorKind::WouldBlock
                        || io.to_string().contains("lock") =>
                {
                    StoreError::Locked {
                        path: shown.clone(),
                    }
                }
                sled::Error::Corruption { at, .. } => StoreError::Damaged {
                    path: shown.clone(),
                    detail: match at {
                        Some(place) => format!("corrupted data at {place:?}"),
                        None => "corrupted data".to_owned(),
                    },
                },
                _ => StoreError::Backend(format!("cannot open {shown}: {error}")),
            })?;
        let trees = Trees::open(&db).map_err(backend)?;
        match db.get(SCHEMA_KEY).map_err(backend)? {
            None => {
                db.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
                    .map_err(backend)?;
                db.flush().map_err(backend)?;
            }
            Some(bytes) => {
                let found = <[u8; 4]>::try_from(bytes.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt("schema version".into()))?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        path: shown,
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < 2 {
                    trees.index_expiry()?;
                }
                if found < SCHEMA_VERSION {
                    db.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
                        .map_err(backend)?;
                    db.flush().map_err(backend)?;
                }
            }
        }
        super::private_dir::tighten(path)?;
        tracing::debug!(data_dir = %shown, "store opened");
        Ok(SledStore {
            db,
            trees,
            writers: std::sync::RwLock::new(()),
        })
    }

    fn get<T: DeserializeOwned>(tree: &Tree, key: &[u8]) -> Result<Option<T>, StoreError> {
        tree.get(key)
            .map_err(backend)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    /// Reads index entries under `prefix` after the cursor, in key order or (`reverse`) against
    /// it, resolving each to a record with `load` and keeping those `keep` accepts, until a page is
    /// full.
    fn page<T>(
        index: &Tree,
        prefix: &[u8],
        after: Option<&str>,
        page_size: usize,
        reverse: bool,
        mut load: impl FnMut(&[u8], &[u8]) -> Result<Option<T>, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let cursor = match after {
            Some(cursor) => {
                Some(hex::decode(cursor).map_err(|_| StoreError::BadPageToken(cursor.to_owned()))?)
            }
            None => None,
        };
        let entries: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
            match (reverse, cursor) {
                (false, Some(mut key)) => {
                    // The smallest key after the cursor.
                    key.push(0);
                    Box::new(index.range(key..))
                }
                (false, None) => Box::new(index.range(prefix.to_vec()..)),
                (true, Some(key)) => Box::new(index.range(prefix.to_vec()..key).rev()),
                (true, None) => match prefix_end(prefix) {
                    Some(end) => Box::new(index.range(prefix.to_vec()..end).rev()),
                    None => Box::new(index.range(prefix.to_vec()..).rev()),
                },
            };
        let mut items = Vec::new();
        let mut last_key = None;
        for entry in entries {
            let (key, value) = entry.map_err(backend)?;
            if !key.starts_with(prefix) {
                break;
            }
            if items.len() == page_size {
                return Ok(Page {
                    items,
                    next: last_key.map(hex::encode),
                });
            }
            if let Some(item) = load(&key, &value)? {
                items.push(item);
            }
            last_key = Some(key);
        }
        Ok(Page { items, next: None })
    }
}

impl SledStore {
    /// Every record of the store as the writes that make it again in an empty store, in an
    /// order that keeps its orders: users and audit events oldest first. Commits wait meanwhile,
    /// as for a backup, so that it is one moment of the store.
    pub fn copy_writes(&self) -> Result<Vec<Write>, StoreError> {
        let _no_commits = self
            .writers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let trees = &self.trees;
        let mut writes = Vec::new();
        for value in trees.owners.iter().values() {
            writes.push(Write::PutOwner(decode(&value.map_err(backend)?)?));
        }
        for sid in trees.users_in_order.iter().values() {
            if let Some(user) = Self::get(&trees.users, &sid.map_err(backend)?)? {
                writes.push(Write::CreateUser(user));
            }
        }
        for value in trees.apps.iter().values() {
            writes.push(Write::PutApp {
                app: decode(&value.map_err(backend)?)?,
                expect: Expect::Absent,
            });
        }
        // The audit tree sorts newest first; the copy numbers events as it adds them.
        for value in trees.audit.iter().values().rev() {
            writes.push(Write::AddAuditEvent(decode(&value.map_err(backend)?)?));
        }
        for value in trees.authorizations.iter().values() {
            writes.push(Write::PutAuthorization {
                authorization: decode(&value.map_err(backend)?)?,
                expect: Expect::Absent,
            });
        }
        for value in trees.authorization_codes.iter().values() {
            writes.push(Write::AddAuthorizationCode(decode(
                &value.map_err(backend)?,
            )?));
        }
        for value in trees.refresh_tokens.iter().values() {
            writes.push(Write::AddRefreshToken(decode(&value.map_err(backend)?)?));
        }
        for value in trees.signing_keys.iter().values() {
            writes.push(Write::PutSigningKey(decode(&value.map_err(backend)?)?));
        }
        for entry in trees.revoked_tokens.iter() {
            let (jti, expiry) = entry.map_err(backend)?;
            writes.push(Write::RevokeToken {
                jti: String::from_utf8(jti.to_vec())
                    .map_err(|_| StoreError::Corrupt("a revoked token's jti".into()))?,
                expires_at: revocation_expiry(&expiry)?,
            });
        }
        for value in trees.sessions.iter().values() {
            writes.push(Write::PutSession(decode(&value.map_err(backend)?)?));
        }
        Ok(writes)
    }
}

impl Trees {
    /// Builds the expiry indexes of a store written before they existed (schema 1), once.
    fn index_expiry(&self) -> Result<(), StoreError> {
        let kinds: [(&Tree, &Tree, ExpiryOf); 4] = [
            (
                &self.authorization_codes,
                &self.codes_by_expiry,
                expiry_of::<AuthorizationCode>,
            ),
            (
                &self.refresh_tokens,
                &self.refresh_tokens_by_expiry,
                expiry_of::<RefreshToken>,
            ),
            (
                &self.revoked_tokens,
                &self.revoked_tokens_by_expiry,
                revocation_expiry,
            ),
            (
                &self.sessions,
                &self.sessions_by_expiry,
                expiry_of::<Session>,
            ),
        ];
        for (records, index, expiry) in kinds {
            for entry in records.iter() {
                let (key, value) = entry.map_err(backend)?;
                index
                    .insert(expiry_key(expiry(&value)?, &key), &[])
                    .map_err(backend)?;
            }
        }
        Ok(())
    }
}

/// Reads when a stored record stops mattering from its bytes.
type ExpiryOf = fn(&[u8]) -> Result<Timestamp, StoreError>;

/// A record that stops mattering at an instant, indexed by it.
trait Expiring: DeserializeOwned {
    fn expires_at(&self) -> Timestamp;
}

impl Expiring for AuthorizationCode {
    fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

impl Expiring for RefreshToken {
    fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

impl Expiring for Session {
    fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

fn expiry_of<T: Expiring>(bytes: &[u8]) -> Result<Timestamp, StoreError> {
    decode::<T>(bytes).map(|record| record.expires_at())
}

/// A revocation's value is the token's expiry itself.
fn revocation_expiry(bytes: &[u8]) -> Result<Timestamp, StoreError> {
    <[u8; 8]>::try_from(bytes)
        .map(|bytes| Timestamp(i64::from_be_bytes(bytes)))
        .map_err(|_| StoreError::Corrupt("the expiry of a revoked token".into()))
}

/// An expiry index key: the instant (big-endian, so that keys sort by it), then the record's key.
fn expiry_key(at: Timestamp, key: &[u8]) -> Vec<u8> {
    [&(at.0.max(0) as u64).to_be_bytes()[..], key].concat()
}

const EXPIRY_LEN: usize = 8;

/// Writes `value` under `key` and keeps its expiry index entry in step: the entry of the record it
/// replaces goes (when that expired at another instant), the new one comes.
fn put_expiring(
    records: &TransactionalTree,
    index: &TransactionalTree,
    key: &[u8],
    value: Vec<u8>,
    expiry: ExpiryOf,
) -> TxResult<()> {
    let new = expiry(&value).or_else(abort)?;
    if let Some(old) = records.insert(key, value)? {
        let old = expiry(&old).or_else(abort)?;
        if old != new {
            index.remove(expiry_key(old, key))?;
        }
    }
    index.insert(expiry_key(new, key), &[])?;
    Ok(())
}

/// Removes the record under `key` and its expiry index entry.
fn remove_expiring(
    records: &TransactionalTree,
    index: &TransactionalTree,
    key: &[u8],
    expiry: ExpiryOf,
) -> TxResult<()> {
    if let Some(old) = records.remove(key)? {
        index.remove(expiry_key(expiry(&old).or_else(abort)?, key))?;
    }
    Ok(())
}

/// Removes up to `limit` records of `records` that `index` says expired before `before`, oldest
/// first, reading only those: the index is in order of expiry.
fn purge_expired(
    records: &Tree,
    index: &Tree,
    before: Timestamp,
    limit: usize,
    expiry: ExpiryOf,
) -> Result<usize, StoreError> {
    let end = expiry_key(before, b"");
    let found: Vec<sled::IVec> = index
        .range(..end)
        .keys()
        .take(limit)
        .collect::<sled::Result<_>>()
        .map_err(backend)?;
    if found.is_empty() {
        return Ok(0);
    }
    let result = (records, index).transaction(|(records, index)| {
        let mut removed = 0;
        for entry in &found {
            index.remove(entry)?;
            let key = &entry[EXPIRY_LEN..];
            // Read again inside the transaction: a record written again since (to matter longer)
            // has a new index entry and stays.
            if let Some(value) = records.get(key)?
                && expiry(&value).or_else(abort)? < before
            {
                records.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    });
    transaction_result(result)
}

/// Removes up to `limit` signing keys retired before `before`; a key that signs never goes. The
/// keys are few (one per rotation in the last 30 days), so they are read whole.
fn purge_retired_keys(keys: &Tree, before: Timestamp, limit: usize) -> Result<usize, StoreError> {
    let mut found = Vec::new();
    for entry in keys.iter() {
        let (kid, value) = entry.map_err(backend)?;
        let key: SigningKeyRecord = decode(&value)?;
        if key.retired_at.is_some_and(|retired| retired < before) {
            found.push(kid);
        }
        if found.len() == limit {
            break;
        }
    }
    if found.is_empty() {
        return Ok(0);
    }
    let result = keys.transaction(|keys| {
        let mut removed = 0;
        for kid in &found {
            if let Some(value) = keys.get(kid)? {
                let key: SigningKeyRecord = decode(&value).or_else(abort)?;
                if key.retired_at.is_some_and(|retired| retired < before) {
                    keys.remove(kid)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    });
    transaction_result(result)
}

fn transaction_result<T>(result: Result<T, TransactionError<StoreError>>) -> Result<T, StoreError> {
    match result {
        Ok(value) => Ok(value),
        Err(TransactionError::Abort(error)) => Err(error),
        Err(TransactionError::Storage(error)) => Err(backend(error)),
    }
}

/// The smallest key above every key that starts with `prefix`; `None` when there is none
/// (an empty prefix, or one of 0xFF bytes only).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

fn backend(error: sled::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn encode<T: Serialize>(record: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Sorts newest first under a forward scan.
fn newest_first(at: Timestamp) -> [u8; 8] {
    (u64::MAX - at.0.max(0) as u64).to_be_bytes()
}

/// What an app's index entry holds: its name in lower case, so that a name filter reads the
/// index, not every app (100,000 records decoded took a third of a second a keystroke). Entries
/// written before hold nothing, and their apps are read to be filtered, as all were then.
fn indexed_name(app: &OAuthApp) -> Vec<u8> {
    app.settings.name.to_lowercase().into_bytes()
}

fn app_index_key(app: &OAuthApp) -> Vec<u8> {
    [
        app.owner.as_str().as_bytes(),
        &newest_first(app.created_at),
        app.sid.as_str().as_bytes(),
    ]
    .concat()
}

fn authorization_index_key(authorization: &Authorization) -> Vec<u8> {
    [
        authorization.owner.as_str().as_bytes(),
        &newest_first(authorization.created_at),
        authorization.sid.as_str().as_bytes(),
    ]
    .concat()
}

/// Newest first by time, and among events of the same millisecond, the later written first.
fn audit_key(event: &AuditEvent, sequence: u64) -> Vec<u8> {
    [
        &newest_first(event.at)[..],
        &(u64::MAX - sequence).to_be_bytes(),
        event.sid.as_str().as_bytes(),
    ]
    .concat()
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn abort<T>(error: StoreError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(error))
}

/// A record whose writes are checked against the version last read.
trait Versioned: DeserializeOwned {
    const WHAT: &'static str;
    fn version(&self) -> u64;
}

impl Versioned for OAuthApp {
    const WHAT: &'static str = "app";
    fn version(&self) -> u64 {
        self.version
    }
}

impl Versioned for Authorization {
    const WHAT: &'static str = "authorization";
    fn version(&self) -> u64 {
        self.version
    }
}

/// Refuses the commit's write at position `write`.
fn conflict<T>(what: String, write: usize) -> TxResult<T> {
    abort(StoreError::Conflict { what, write })
}

fn check_expected<T: Versioned>(
    tree: &TransactionalTree,
    sid: &Sid,
    expect: Expect,
    write: usize,
) -> TxResult<()> {
    let current: Option<T> = match tree.get(sid.as_str())? {
        Some(bytes) => Some(decode(&bytes).or_else(abort)?),
        None => None,
    };
    let holds = match (expect, &current) {
        (Expect::Absent, None) => true,
        (Expect::Version(version), Some(record)) => record.version() == version,
        _ => false,
    };
    if holds {
        Ok(())
    } else {
        conflict(format!("{} {sid}", T::WHAT), write)
    }
}

/// Sets a once-only flag (a code's `redeemed`, a refresh token's `spent`) on the record under
/// `key`, refusing with a conflict when it is missing or already set.
fn mark_used<T: Serialize + DeserializeOwned>(
    tree: &TransactionalTree,
    key: &[u8],
    what: &str,
    write: usize,
    flag: impl Fn(&mut T) -> &mut bool,
) -> TxResult<()> {
    let Some(bytes) = tree.get(key)? else {
        return conflict(what.to_owned(), write);
    };
    let mut record: T = decode(&bytes).or_else(abort)?;
    if *flag(&mut record) {
        return conflict(what.to_owned(), write);
    }
    *flag(&mut record) = true;
    tree.insert(key, encode(&record).or_else(abort)?)?;
    Ok(())
}

#[async_trait]
impl Store for SledStore {
    async fn app(&self, sid: &Sid) -> Result<Option<OAuthApp>, StoreError> {
        Self::get(&self.trees.apps, sid.as_str().as_bytes())
    }

    async fn apps(&self, query: &AppQuery) -> Result<Page<OAuthApp>, StoreError> {
        let needle = query.name_contains.as_ref().map(|n| n.to_lowercase());
        Self::page(
            &self.trees.apps_by_owner,
            query.owner.as_str().as_bytes(),
            query.after.as_deref(),
            query.page_size,
            query.order == AppOrder::OldestFirst,
            |key, name| {
                if let Some(needle) = &needle
                    && let Ok(name) = std::str::from_utf8(name)
                    && !name.is_empty()
                    && !name.contains(needle.as_str())
                {
                    return Ok(None);
                }
                let sid = &key[key.len() - crate::model::SID_LEN..];
                let app: Option<OAuthApp> = Self::get(&self.trees.apps, sid)?;
                Ok(app.filter(|app| {
                    needle
                        .as_ref()
                        .is_none_or(|n| app.settings.name.to_lowercase().contains(n))
                }))
            },
        )
    }

    async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, StoreError> {
        Self::page(
            &self.trees.audit,
            b"",
            query.after.as_deref(),
            query.page_size,
            false,
            |_, value| {
                let event: AuditEvent = decode(value)?;
                let wanted = query.owners.contains(&event.owner)
                    && query.app.as_ref().is_none_or(|app| app == &event.app)
                    && query.event_type.is_none_or(|t| t == event.event_type);
                Ok(wanted.then_some(event))
            },
        )
    }

    async fn owner(&self, sid: &Sid) -> Result<Option<Owner>, StoreError> {
        Self::get(&self.trees.owners, sid.as_str().as_bytes())
    }

    async fn owners(&self) -> Result<Vec<Owner>, StoreError> {
        self.trees
            .owners
            .iter()
            .values()
            .map(|value| decode(&value.map_err(backend)?))
            .collect()
    }

    async fn user(&self, sid: &Sid) -> Result<Option<User>, StoreError> {
        Self::get(&self.trees.users, sid.as_str().as_bytes())
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        match self
            .trees
            .usernames
            .get(username.to_lowercase())
            .map_err(backend)?
        {
            Some(sid) => Self::get(&self.trees.users, &sid),
            None => Ok(None),
        }
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut users = Vec::new();
        for sid in self.trees.users_in_order.iter().values() {
            if let Some(user) = Self::get(&self.trees.users, &sid.map_err(backend)?)? {
                users.push(user);
            }
        }
        Ok(users)
    }

    async fn authorization(&self, sid: &Sid) -> Result<Option<Authorization>, StoreError> {
        Self::get(&self.trees.authorizations, sid.as_str().as_bytes())
    }

    async fn authorizations(
        &self,
        query: &AuthorizationQuery,
    ) -> Result<Page<Authorization>, StoreError> {
        Self::page(
            &self.trees.authorizations_by_owner,
            query.owner.as_str().as_bytes(),
            query.after.as_deref(),
            query.page_size,
            false,
            |key, _| {
                let sid = &key[key.len() - crate::model::SID_LEN..];
                let found: Option<Authorization> = Self::get(&self.trees.authorizations, sid)?;
                Ok(found.filter(|a| {
                    (query.include_revoked || a.is_active())
                        && query.app.as_ref().is_none_or(|app| app == &a.app)
                }))
            },
        )
    }

    async fn authorization_code(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<AuthorizationCode>, StoreError> {
        Self::get(&self.trees.authorization_codes, digest.to_hex().as_bytes())
    }

    async fn refresh_token(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<RefreshToken>, StoreError> {
        Self::get(&self.trees.refresh_tokens, digest.to_hex().as_bytes())
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        let mut keys: Vec<SigningKeyRecord> = self
            .trees
            .signing_keys
            .iter()
            .values()
            .map(|value| decode(&value.map_err(backend)?))
            .collect::<Result<_, _>>()?;
        keys.sort_by_key(|key| key.created_at);
        Ok(keys)
    }

    async fn is_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        self.trees.revoked_tokens.contains_key(jti).map_err(backend)
    }

    async fn session(&self, digest: &SecretDigest) -> Result<Option<Session>, StoreError> {
        Self::get(&self.trees.sessions, digest.to_hex().as_bytes())
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        tracing::debug!(writes = writes.len(), "committing");
        // Sequence numbers are taken outside the transaction, which may run more than once; an
        // aborted one leaves a gap, which is harmless. They order users by creation and audit
        // events written in the same millisecond.
        let mut sequence = Vec::new();
        for write in &writes {
            if matches!(write, Write::CreateUser(_) | Write::AddAuditEvent(_)) {
                sequence.push(self.db.generate_id().map_err(backend)?);
            }
        }
        let trees = self.trees.all();
        let writing = self
            .writers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let result = trees.as_slice().transaction(|views| {
            let TxTrees {
                apps,
                apps_by_owner,
                audit,
                owners,
                users,
                usernames,
                users_in_order,
                authorizations,
                authorizations_by_owner,
                authorization_codes,
                refresh_tokens,
                signing_keys,
                revoked_tokens,
                sessions,
                codes_by_expiry,
                refresh_tokens_by_expiry,
                revoked_tokens_by_expiry,
                sessions_by_expiry,
            } = TxTrees::new(views);
            let mut sequence = sequence.iter().copied();
            for (position, write) in writes.iter().enumerate() {
                match write {
                    Write::PutApp { app, expect } => {
                        check_expected::<OAuthApp>(apps, &app.sid, *expect, position)?;
                        apps.insert(app.sid.as_str(), encode(app).or_else(abort)?)?;
                        apps_by_owner.insert(app_index_key(app), indexed_name(app))?;
                    }
                    Write::DeleteApp { app, expect } => {
                        check_expected::<OAuthApp>(apps, &app.sid, *expect, position)?;
                        apps.remove(app.sid.as_str())?;
                        apps_by_owner.remove(app_index_key(app))?;
                    }
                    Write::AddAuditEvent(event) => {
                        let key = audit_key(event, sequence.next().unwrap_or_default());
                        audit.insert(key, encode(event).or_else(abort)?)?;
                    }
                    Write::PutOwner(owner) => {
                        owners.insert(owner.sid.as_str(), encode(owner).or_else(abort)?)?;
                    }
                    Write::CreateUser(user) => {
                        let name = user.username.to_lowercase();
                        if usernames.get(&name)?.is_some() {
                            return conflict(format!("username '{}'", user.username), position);
                        }
                        usernames.insert(name.as_str(), user.sid.as_str())?;
                        users.insert(user.sid.as_str(), encode(user).or_else(abort)?)?;
                        let id = sequence.next().unwrap_or_default();
                        users_in_order.insert(&id.to_be_bytes(), user.sid.as_str())?;
                    }
                    Write::ReplaceUser { user, was } => {
                        let current: Option<User> = match users.get(user.sid.as_str())? {
                            Some(bytes) => Some(decode(&bytes).or_else(abort)?),
                            None => None,
                        };
                        if current.as_ref() != Some(was) || user.username != was.username {
                            return conflict(format!("user {}", user.sid), position);
                        }
                        users.insert(user.sid.as_str(), encode(user).or_else(abort)?)?;
                    }
                    Write::PutAuthorization {
                        authorization,
                        expect,
                    } => {
                        let sid = &authorization.sid;
                        check_expected::<Authorization>(authorizations, sid, *expect, position)?;
                        let record = encode(authorization).or_else(abort)?;
                        authorizations.insert(sid.as_str(), record)?;
                        authorizations_by_owner
                            .insert(authorization_index_key(authorization), &[])?;
                    }
                    Write::TouchAuthorization { sid, at } => {
                        let touched = match authorizations.get(sid.as_str())? {
                            Some(bytes) => Some(decode::<Authorization>(&bytes).or_else(abort)?),
                            None => None,
                        };
                        let Some(mut touched) = touched.filter(Authorization::is_active) else {
                            return conflict(format!("authorization {sid}"), position);
                        };
                        touched.last_used_at = touched.last_used_at.max(*at);
                        touched.version += 1;
                        let record = encode(&touched).or_else(abort)?;
                        authorizations.insert(sid.as_str(), record)?;
                    }
                    Write::AddAuthorizationCode(code) => {
                        put_expiring(
                            authorization_codes,
                            codes_by_expiry,
                            code.digest.to_hex().as_bytes(),
                            encode(code).or_else(abort)?,
                            expiry_of::<AuthorizationCode>,
                        )?;
                    }
                    Write::RedeemAuthorizationCode(digest) => {
                        mark_used::<AuthorizationCode>(
                            authorization_codes,
                            digest.to_hex().as_bytes(),
                            "authorization code",
                            position,
                            |code| &mut code.redeemed,
                        )?;
                    }
                    Write::AddRefreshToken(token) => {
                        put_expiring(
                            refresh_tokens,
                            refresh_tokens_by_expiry,
                            token.digest.to_hex().as_bytes(),
                            encode(token).or_else(abort)?,
                            expiry_of::<RefreshToken>,
                        )?;
                    }
                    Write::SpendRefreshToken(digest) => {
                        mark_used::<RefreshToken>(
                            refresh_tokens,
                            digest.to_hex().as_bytes(),
                            "refresh token",
                            position,
                            |token| &mut token.spent,
                        )?;
                    }
                    Write::PutSigningKey(key) => {
                        signing_keys.insert(key.kid.as_str(), encode(key).or_else(abort)?)?;
                    }
                    Write::RevokeToken { jti, expires_at } => {
                        put_expiring(
                            revoked_tokens,
                            revoked_tokens_by_expiry,
                            jti.as_bytes(),
                            expires_at.0.to_be_bytes().to_vec(),
                            revocation_expiry,
                        )?;
                    }
                    Write::PutSession(session) => {
                        put_expiring(
                            sessions,
                            sessions_by_expiry,
                            session.digest.to_hex().as_bytes(),
                            encode(session).or_else(abort)?,
                            expiry_of::<Session>,
                        )?;
                    }
                    Write::DeleteSession(digest) => {
                        remove_expiring(
                            sessions,
                            sessions_by_expiry,
                            digest.to_hex().as_bytes(),
                            expiry_of::<Session>,
                        )?;
                    }
                }
            }
            Ok(())
        });
        drop(writing);
        transaction_result(result)?;
        // Not `flush_async`: in sled 0.34 concurrent `flush_async` calls deadlock (spacejam/sled
        // #1308, fixed only on sled's unreleased main branch); a blocking flush on tokio's
        // blocking pool does the same work without parking every worker forever.
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|error| StoreError::Backend(format!("flushing to disk failed: {error}")))?
            .map_err(backend)?;
        tracing::debug!("commit durable");
        Ok(())
    }

    async fn purge(&self, cutoffs: &PurgeCutoffs, limit: usize) -> Result<Purged, StoreError> {
        // No flush: a removal lost in a crash is made again by the next purge, and sled writes
        // its log out within half a second anyway; a flush here would only hold up the commits
        // of token requests waiting on the same log. A backup waits for the purge as for a commit.
        let _writing = self
            .writers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let trees = &self.trees;
        Ok(Purged {
            codes: purge_expired(
                &trees.authorization_codes,
                &trees.codes_by_expiry,
                cutoffs.codes_expired_before,
                limit,
                expiry_of::<AuthorizationCode>,
            )?,
            refresh_tokens: purge_expired(
                &trees.refresh_tokens,
                &trees.refresh_tokens_by_expiry,
                cutoffs.refresh_tokens_expired_before,
                limit,
                expiry_of::<RefreshToken>,
            )?,
            revocations: purge_expired(
                &trees.revoked_tokens,
                &trees.revoked_tokens_by_expiry,
                cutoffs.revocations_expired_before,
                limit,
                revocation_expiry,
            )?,
            sessions: purge_expired(
                &trees.sessions,
                &trees.sessions_by_expiry,
                cutoffs.sessions_expired_before,
                limit,
                expiry_of::<Session>,
            )?,
            signing_keys: purge_retired_keys(
                &trees.signing_keys,
                cutoffs.signing_keys_retired_before,
                limit,
            )?,
            // The one process over a sled store counts failed authentications in its memory.
            failure_windows: 0,
        })
    }

    /// None: one process owns a sled data directory (its lock says so), so nothing is shared.
    fn shared(self: Arc<Self>) -> Option<Arc<dyn SharedStore>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opens again a store just dropped: sled's flusher thread may hold the directory's lock a
    /// moment longer than the handle lives.
    fn reopen(path: &Path) -> Result<SledStore, StoreError> {
        for _ in 0..100 {
            match SledStore::open(path) {
                Err(StoreError::Locked { .. }) => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                opened => return opened,
            }
        }
        SledStore::open(path)
    }

    #[test]
    fn a_new_store_records_its_schema_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        drop(SledStore::open(dir.path()).unwrap());
        let reopened = reopen(dir.path()).unwrap();
        let recorded = reopened.db.get(SCHEMA_KEY).unwrap().unwrap();
        assert_eq!(recorded.as_ref(), SCHEMA_VERSION.to_be_bytes());
    }

    #[test]
    fn a_schema_2_store_is_marked_3_on_open_so_that_a_build_ignoring_read_only_users_refuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.db.insert(SCHEMA_KEY, &2u32.to_be_bytes()).unwrap();
        store.db.flush().unwrap();
        drop(store);
        let reopened = reopen(dir.path()).unwrap();
        let recorded = reopened.db.get(SCHEMA_KEY).unwrap().unwrap();
        assert_eq!(recorded.as_ref(), 3u32.to_be_bytes());
    }

    #[test]
    fn a_store_from_a_newer_build_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store.db.insert(SCHEMA_KEY, &99u32.to_be_bytes()).unwrap();
        store.db.flush().unwrap();
        drop(store);
        let refused = reopen(dir.path()).err().unwrap().to_string();
        assert!(
            refused.contains(
                "written by a newer oauth-console (schema 99; this build reads up to 3); upgrade"
            ),
            "{refused}"
        );
    }

    #[test]
    fn a_torn_snapshot_is_left_alone_while_another_process_holds_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let held = SledStore::open(dir.path()).unwrap();
        // What another process's open would be writing under its lock at this moment.
        let writing = dir.path().join("snap.FFFFFFFFFFFFFFFF.generating");
        // Owner-only, as everything this process makes in a data directory is.
        std::fs::write(&writing, b"").unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(
            &writing,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        assert!(matches!(
            SledStore::open(dir.path()),
            Err(StoreError::Locked { .. })
        ));
        assert!(writing.exists());
        assert!(!dir.path().join("repaired").exists());
        drop(held);
        reopen(dir.path()).unwrap();
        assert!(!writing.exists());
    }

    fn app(name: &str, version: u64) -> OAuthApp {
        use crate::model::{AppSettings, GrantType, SidKind, Timestamp, UserRef};
        OAuthApp {
            sid: Sid::new(SidKind::OAuthApp, [7; 16]),
            owner: Sid::new(SidKind::Account, [1; 16]),
            grant_type: GrantType::ClientCredentials,
            settings: AppSettings {
                name: name.into(),
                ..AppSettings::default()
            },
            secrets: Vec::new(),
            created_at: Timestamp(1_000),
            updated_at: Timestamp(1_000),
            created_by: UserRef {
                sid: Sid::new(SidKind::User, [2; 16]),
                username: "admin".into(),
            },
            version,
        }
    }

    /// The names of the apps whose name contains `needle`.
    fn named(store: &SledStore, needle: &str) -> Vec<String> {
        let query = AppQuery {
            owner: Sid::new(crate::model::SidKind::Account, [1; 16]),
            order: AppOrder::NewestFirst,
            name_contains: Some(needle.into()),
            page_size: 10,
            after: None,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let page = runtime.block_on(store.apps(&query)).unwrap();
        page.items.into_iter().map(|a| a.settings.name).collect()
    }

    #[test]
    fn a_name_filter_follows_renames_and_still_reads_entries_written_before_names_were_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let put = |app: OAuthApp, expect| {
            runtime
                .block_on(store.commit(vec![Write::PutApp { app, expect }]))
                .unwrap()
        };
        put(app("Billing Sync", 1), Expect::Absent);
        assert_eq!(named(&store, "billing"), ["Billing Sync"]);
        put(app("Reports", 2), Expect::Version(1));
        assert!(named(&store, "billing").is_empty());
        assert_eq!(named(&store, "REP"), ["Reports"]);
        // An index entry as builds before this one wrote it: no name, so the app is read.
        let renamed = app("Reports", 2);
        store
            .trees
            .apps_by_owner
            .insert(app_index_key(&renamed), &[])
            .unwrap();
        assert_eq!(named(&store, "rep"), ["Reports"]);
        assert!(named(&store, "billing").is_empty());
    }

    fn code(byte: u8, expires_at: i64) -> AuthorizationCode {
        AuthorizationCode {
            digest: SecretDigest::of(&byte.to_string()),
            authorization: Sid::new(crate::model::SidKind::Authorization, [byte; 16]),
            app: Sid::new(crate::model::SidKind::OAuthApp, [7; 16]),
            user: Sid::new(crate::model::SidKind::User, [2; 16]),
            redirect_uri: "https://example.com/callback".into(),
            scopes: Vec::new(),
            code_challenge: None,
            nonce: None,
            auth_time: None,
            expires_at: Timestamp(expires_at),
            redeemed: false,
        }
    }

    fn session(byte: u8, expires_at: i64) -> Session {
        Session {
            digest: SecretDigest::of(&format!("session {byte}")),
            user: Sid::new(crate::model::SidKind::User, [2; 16]),
            created_at: Timestamp(0),
            expires_at: Timestamp(expires_at),
        }
    }

    /// Purges codes and sessions expired before `before`, nothing else.
    fn cutoffs(before: i64) -> PurgeCutoffs {
        PurgeCutoffs {
            codes_expired_before: Timestamp(before),
            refresh_tokens_expired_before: Timestamp(0),
            revocations_expired_before: Timestamp(0),
            sessions_expired_before: Timestamp(before),
            signing_keys_retired_before: Timestamp(0),
            failure_windows_ended_before: Timestamp(0),
        }
    }

    #[test]
    fn a_purge_takes_what_expired_oldest_first_a_batch_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let writes = (1..=5u8)
            .map(|n| Write::AddAuthorizationCode(code(n, i64::from(n) * 1000)))
            .collect();
        runtime.block_on(store.commit(writes)).unwrap();
        let purge = |before, limit| {
            runtime
                .block_on(store.purge(&cutoffs(before), limit))
                .unwrap()
        };
        let left = |store: &SledStore| {
            (1..=5u8)
                .filter(|n| {
                    let digest = code(*n, 0).digest;
                    runtime
                        .block_on(store.authorization_code(&digest))
                        .unwrap()
                        .is_some()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            purge(1000, 10).codes,
            0,
            "expiring at the cutoff is not before it"
        );
        assert_eq!(purge(4500, 2).codes, 2);
        assert_eq!(left(&store), [3, 4, 5], "the oldest went first");
        assert_eq!(purge(4500, 2).codes, 2);
        assert_eq!(purge(4500, 2).codes, 0);
        assert_eq!(left(&store), [5]);
        assert_eq!(store.trees.codes_by_expiry.len(), 1, "the index follows");
    }

    #[test]
    fn a_record_written_again_to_matter_longer_is_kept_and_its_old_index_entry_goes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let commit = |write| runtime.block_on(store.commit(vec![write])).unwrap();
        commit(Write::PutSession(session(1, 1000)));
        commit(Write::PutSession(session(1, 9000)));
        commit(Write::PutSession(session(2, 1000)));
        commit(Write::DeleteSession(session(2, 0).digest));
        assert_eq!(store.trees.sessions_by_expiry.len(), 1);
        let purged = runtime.block_on(store.purge(&cutoffs(5000), 10)).unwrap();
        assert_eq!(purged, Purged::default());
        let found = runtime.block_on(store.session(&session(1, 0).digest));
        assert_eq!(found.unwrap(), Some(session(1, 9000)));
    }

    #[test]
    fn a_store_of_schema_1_gets_its_expiry_indexes_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        // Records as a build of schema 1 wrote them: no index entries.
        let old = code(1, 1000);
        store
            .trees
            .authorization_codes
            .insert(old.digest.to_hex().as_bytes(), encode(&old).unwrap())
            .unwrap();
        let old_session = session(1, 1000);
        store
            .trees
            .sessions
            .insert(
                old_session.digest.to_hex().as_bytes(),
                encode(&old_session).unwrap(),
            )
            .unwrap();
        store.db.insert(SCHEMA_KEY, &1u32.to_be_bytes()).unwrap();
        store.db.flush().unwrap();
        drop(store);
        let reopened = reopen(dir.path()).unwrap();
        let recorded = reopened.db.get(SCHEMA_KEY).unwrap().unwrap();
        assert_eq!(recorded.as_ref(), SCHEMA_VERSION.to_be_bytes());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let purged = runtime
            .block_on(reopened.purge(&cutoffs(2000), 10))
            .unwrap();
        assert_eq!((purged.codes, purged.sessions), (1, 1));
    }
}
