//! Backup and restore of the embedded store: every record of every tree, byte for byte, so that
//! a restored store answers every client secret, refresh token, session and signing key the old
//! one did. Secrets are in it only as the digests the store keeps; signing keys are in it whole,
//! as they are in the data directory, so a backup deserves the data directory's care.
//!
//! The file is JSON lines: a header with the format and schema versions, one line per record,
//! and a last line with the count, so that a file cut short is refused rather than restored in
//! part. A backup holds off commits while it reads (they wait, then go on), so it is one moment
//! of the store, not a mix of before and after some commit.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::{SCHEMA_KEY, SCHEMA_VERSION, SledStore};
use crate::store::StoreError;

/// What the first line says a backup is.
const FORMAT: &str = "oauth-console backup";
/// The backup format this build writes and the newest it reads. Raise it when a line changes
/// shape.
pub const BACKUP_FORMAT_VERSION: u32 = 1;
/// The tree whose keys are sled-generated ids of this store; a restored store numbers them
/// afresh, in the same order, so that users it creates later still sort after.
const RENUMBERED_TREE: &str = "users_in_order";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Io(String),
    #[error("{path} is not an oauth-console backup ({why})")]
    NotABackup { path: String, why: String },
    #[error(
        "{path} is backup format {found}; this oauth-console reads up to format {BACKUP_FORMAT_VERSION}: restore it with the newer oauth-console that wrote it"
    )]
    NewerFormat { path: String, found: u32 },
    #[error(
        "{path} holds a store of schema {found}; this oauth-console reads up to schema {SCHEMA_VERSION}: restore it with the newer oauth-console that wrote it"
    )]
    NewerSchema { path: String, found: u32 },
    #[error("{path} ends before its last line (it was cut short): make the backup again")]
    Incomplete { path: String },
    #[error(
        "{path} is not empty: restore only into a new or empty data directory, so that nothing there is overwritten"
    )]
    NotEmpty { path: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How much a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    pub records: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    store_schema: u32,
}

/// The lines after the header.
#[derive(Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum Line {
    Record {
        tree: String,
        key: String,
        value: String,
    },
    End {
        end: u64,
    },
    /// Written instead of the rest by a process that could not finish the backup.
    Failed {
        error: String,
    },
}

fn io(what: &str, error: std::io::Error) -> BackupError {
    BackupError::Io(format!("{what}: {error}"))
}

fn store(error: sled::Error) -> BackupError {
    BackupError::Store(StoreError::Backend(error.to_string()))
}

impl SledStore {
    /// Writes every record to `out`, holding commits off meanwhile.
    pub fn backup(&self, out: &mut dyn Write) -> Result<BackupSummary, BackupError> {
        let _no_commits = self
            .writers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let schema = match self.db.get(SCHEMA_KEY).map_err(store)? {
            Some(bytes) => <[u8; 4]>::try_from(bytes.as_ref())
                .map(u32::from_be_bytes)
                .map_err(|_| StoreError::Corrupt("schema version".into()))?,
            None => SCHEMA_VERSION,
        };
        write_line(
            out,
            &Header {
                format: FORMAT.to_owned(),
                version: BACKUP_FORMAT_VERSION,
                store_schema: schema,
            },
        )?;
        let mut records = 0;
        let names = self.db.tree_names();
        for name in &names {
            let tree_name = String::from_utf8_lossy(name).into_owned();
            let tree = self.db.open_tree(name).map_err(store)?;
            for entry in tree.iter() {
                let (key, value) = entry.map_err(store)?;
                let record = Line::Record {
                    tree: tree_name.clone(),
                    key: STANDARD.encode(&key),
                    value: STANDARD.encode(&value),
                };
                write_line(out, &record)?;
                records += 1;
            }
        }
        write_line(out, &Line::End { end: records })?;
        out.flush()
            .map_err(|e| io("writing the backup failed", e))?;
        Ok(BackupSummary { records })
    }

    /// Makes a store in `data_dir`, which must be missing or empty, from the backup in `input`
    /// (read from `source`, named in messages). The store is written beside `data_dir` and moved
    /// into place only once whole, so that a refused or cut-short backup leaves nothing.
    pub fn restore(
        data_dir: &Path,
        source: &str,
        input: &mut dyn BufRead,
    ) -> Result<BackupSummary, BackupError> {
        let shown = data_dir.display().to_string();
        match std::fs::read_dir(data_dir) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(BackupError::NotEmpty { path: shown });
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io(&format!("cannot read {shown}"), error)),
        }
        let staging = staging_dir(data_dir);
        let restored = write_store(&staging, source, input);
        match restored {
            Ok(summary) => {
                if data_dir.exists() {
                    std::fs::remove_dir(data_dir)
                        .map_err(|e| io(&format!("cannot replace the empty {shown}"), e))?;
                }
                std::fs::rename(&staging, data_dir)
                    .map_err(|e| io(&format!("cannot move {} to {shown}", staging.display()), e))?;
                Ok(summary)
            }
            Err(error) => {
                // Nothing of a refused restore stays behind.
                let _ = std::fs::remove_dir_all(&staging);
                Err(error)
            }
        }
    }
}

/// Where a restore writes before moving the store into place: beside the data directory, on the
/// same file system, so that the move is a rename.
fn staging_dir(data_dir: &Path) -> PathBuf {
    let name = data_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".to_owned());
    data_dir.with_file_name(format!(".{name}.restoring-{}", std::process::id()))
}

fn write_store(
    staging: &Path,
    source: &str,
    input: &mut dyn BufRead,
) -> Result<BackupSummary, BackupError> {
    // A restored store holds the signing key: owner-only from the start, as a new store is.
    crate::store::private_dir::prepare(staging)?;
    let db = sled::Config::new().path(staging).open().map_err(store)?;
    let summary = read_backup(source, input, |tree, mut key, value| {
        if tree == RENUMBERED_TREE {
            key = db.generate_id().map_err(store)?.to_be_bytes().to_vec();
        }
        db.open_tree(tree.as_bytes())
            .and_then(|t| t.insert(key, value))
            .map_err(store)?;
        Ok(())
    })?;
    db.flush().map_err(store)?;
    crate::store::private_dir::tighten(staging)?;
    Ok(summary)
}

/// Checks that `input` is a whole backup this build can restore, and counts what it holds.
pub fn verify_backup(source: &str, input: &mut dyn BufRead) -> Result<BackupSummary, BackupError> {
    read_backup(source, input, |_, _, _| Ok(()))
}

/// Reads a backup, handing each record to `record` after the header has been checked, and
/// refusing a file that does not end with its count.
fn read_backup(
    source: &str,
    input: &mut dyn BufRead,
    mut record: impl FnMut(&str, Vec<u8>, Vec<u8>) -> Result<(), BackupError>,
) -> Result<BackupSummary, BackupError> {
    let not_a_backup = |why: String| BackupError::NotABackup {
        path: source.to_owned(),
        why,
    };
    let mut lines = input.lines();
    let first = match lines.next() {
        Some(line) => line.map_err(|e| io(&format!("cannot read {source}"), e))?,
        None => return Err(not_a_backup("it is empty".into())),
    };
    let header: Header =
        serde_json::from_str(&first).map_err(|e| not_a_backup(format!("its first line: {e}")))?;
    if header.format != FORMAT {
        return Err(not_a_backup(format!(
            "its first line names '{}'",
            header.format
        )));
    }
    if header.version > BACKUP_FORMAT_VERSION {
        return Err(BackupError::NewerFormat {
            path: source.to_owned(),
            found: header.version,
        });
    }
    if header.store_schema > SCHEMA_VERSION {
        return Err(BackupError::NewerSchema {
            path: source.to_owned(),
            found: header.store_schema,
        });
    }
    let mut records = 0;
    for (number, line) in lines.enumerate() {
        let line = line.map_err(|e| io(&format!("cannot read {source}"), e))?;
        let at = number + 2;
        let parsed: Line =
            serde_json::from_str(&line).map_err(|e| not_a_backup(format!("line {at}: {e}")))?;
        match parsed {
            Line::Record { tree, key, value } => {
                let decode = |text: &str| {
                    STANDARD
                        .decode(text)
                        .map_err(|e| not_a_backup(format!("line {at}: {e}")))
                };
                record(&tree, decode(&key)?, decode(&value)?)?;
                records += 1;
            }
            Line::End { end } if end == records => return Ok(BackupSummary { records }),
            Line::End { end } => {
                return Err(not_a_backup(format!(
                    "its last line counts {end} records, but {records} came before it"
                )));
            }
            Line::Failed { error } => {
                return Err(BackupError::Io(format!(
                    "the backup failed while it was written: {error}"
                )));
            }
        }
    }
    Err(BackupError::Incomplete {
        path: source.to_owned(),
    })
}

/// What a process writing a backup for another says when it cannot finish.
pub fn backup_failure_line(error: &str) -> String {
    let mut line = serde_json::to_string(&Line::Failed {
        error: error.to_owned(),
    })
    .unwrap_or_default();
    line.push('\n');
    line
}

fn write_line<T: Serialize>(out: &mut dyn Write, value: &T) -> Result<(), BackupError> {
    let failed = |e: std::io::Error| io("writing the backup failed", e);
    serde_json::to_writer(&mut *out, value).map_err(|e| failed(e.into()))?;
    out.write_all(b"\n").map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RefreshToken, SecretDigest, Session, Sid, SidKind, Timestamp, User};
    use crate::store::{Store, Write};

    fn user(n: u8, name: &str) -> User {
        User {
            sid: Sid::new(SidKind::User, [n; 16]),
            username: name.into(),
            password_hash: String::new(),
            roles: Vec::new(),
            created_at: Timestamp(1_000),
            read_only: false,
        }
    }

    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// Opens a store just dropped, waiting out sled's flusher, which holds the lock a moment.
    fn reopen(path: &Path) -> SledStore {
        for _ in 0..100 {
            match SledStore::open(path) {
                Err(StoreError::Locked { .. }) => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                opened => return opened.unwrap(),
            }
        }
        SledStore::open(path).unwrap()
    }

    #[test]
    fn a_restored_store_holds_every_record_and_keeps_users_created_after_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // Each open starts sled's id generator a million further on, so a store opened often
        // numbers its users far beyond where a new one starts.
        for name in ["first", "second"] {
            let store = reopen(&data);
            block_on(store.commit(vec![Write::CreateUser(user(name.len() as u8, name))])).unwrap();
        }
        let store = reopen(&data);
        let refresh = RefreshToken {
            digest: SecretDigest::of("refresh"),
            authorization: Sid::new(SidKind::Authorization, [3; 16]),
            app: Sid::new(SidKind::OAuthApp, [4; 16]),
            scopes: vec!["offline_access".into()],
            auth_time: Some(Timestamp(1_000)),
            expires_at: Timestamp(9_000),
            spent: false,
        };
        let session = Session {
            digest: SecretDigest::of("session"),
            user: user(5, "first").sid,
            created_at: Timestamp(1_000),
            expires_at: Timestamp(9_000),
        };
        block_on(store.commit(vec![
            Write::AddRefreshToken(refresh.clone()),
            Write::PutSession(session.clone()),
        ]))
        .unwrap();
        let mut file = Vec::new();
        let written = store.backup(&mut file).unwrap();

        let restored_dir = dir.path().join("restored");
        let summary =
            SledStore::restore(&restored_dir, "the backup", &mut file.as_slice()).unwrap();
        assert_eq!(summary, written);
        let restored = reopen(&restored_dir);
        assert_eq!(
            block_on(restored.refresh_token(&refresh.digest)).unwrap(),
            Some(refresh)
        );
        assert_eq!(
            block_on(restored.session(&session.digest)).unwrap(),
            Some(session)
        );
        block_on(restored.commit(vec![Write::CreateUser(user(9, "after"))])).unwrap();
        let names: Vec<String> = block_on(restored.users())
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(
            names,
            ["first", "second", "after"],
            "the first user stays first"
        );
    }

    /// App `n` and the audit event of its creation: what one commit of a create writes.
    fn created(n: u32) -> Vec<Write> {
        use crate::model::{AppSettings, AuditEvent, AuditEventType, GrantType, OAuthApp, UserRef};
        let mut random = [0; 16];
        random[..4].copy_from_slice(&n.to_be_bytes());
        let actor = UserRef {
            sid: Sid::new(SidKind::User, [1; 16]),
            username: "admin".into(),
        };
        let app = OAuthApp {
            sid: Sid::new(SidKind::OAuthApp, random),
            owner: Sid::new(SidKind::Account, [2; 16]),
            grant_type: GrantType::ClientCredentials,
            settings: AppSettings {
                name: format!("app {n}"),
                ..AppSettings::default()
            },
            secrets: Vec::new(),
            created_at: Timestamp(i64::from(n)),
            updated_at: Timestamp(i64::from(n)),
            created_by: actor.clone(),
            version: 1,
        };
        let event = AuditEvent {
            sid: Sid::new(SidKind::AuditEvent, random),
            event_type: AuditEventType::AppCreated,
            owner: app.owner.clone(),
            app: app.sid.clone(),
            app_name: app.settings.name.clone(),
            actor,
            at: app.created_at,
            changes: Vec::new(),
        };
        vec![
            Write::PutApp {
                app,
                expect: crate::store::Expect::Absent,
            },
            Write::AddAuditEvent(event),
        ]
    }

    #[test]
    fn a_backup_taken_while_apps_are_created_holds_each_app_with_its_audit_event() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        // Enough records that reading the trees between `apps` and `audit` takes a while.
        block_on(store.commit((0..2_000).flat_map(created).collect())).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let creating = {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 2_000;
                while !stop.load(Ordering::Relaxed) {
                    block_on(store.commit(created(n))).unwrap();
                    n += 1;
                }
                n - 2_000
            })
        };
        for _ in 0..20 {
            let mut file = Vec::new();
            store.backup(&mut file).unwrap();
            let text = String::from_utf8(file).unwrap();
            let apps = text.matches(r#"{"tree":"apps","#).count();
            let events = text.matches(r#"{"tree":"audit","#).count();
            assert_eq!(apps, events, "a backup mixed before and after a commit");
        }
        stop.store(true, Ordering::Relaxed);
        let created_meanwhile = creating.join().unwrap();
        assert!(created_meanwhile > 0, "no create ran beside the backups");
    }

    #[test]
    fn a_backup_of_a_newer_format_or_schema_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("restored");
        for (header, said) in [
            (
                r#"{"format":"oauth-console backup","version":2,"store_schema":1}"#,
                &"is backup format 2; this oauth-console reads up to format 1".to_owned(),
            ),
            (
                r#"{"format":"oauth-console backup","version":1,"store_schema":9}"#,
                &format!(
                    "holds a store of schema 9; this oauth-console reads up to schema {SCHEMA_VERSION}"
                ),
            ),
            (
                r#"{"format":"something else","version":1,"store_schema":1}"#,
                &"names 'something else'".to_owned(),
            ),
        ] {
            let text = format!("{header}\n{{\"end\":0}}\n");
            let refused = SledStore::restore(&target, "b", &mut text.as_bytes()).unwrap_err();
            assert!(refused.to_string().contains(said), "{refused}");
            assert!(!target.exists());
        }
    }
}
