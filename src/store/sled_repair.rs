//! Repairs the two files a process killed inside sled 0.34.7's open can leave torn, before sled
//! reads them; every other damage is left for sled to refuse.
//!
//! - **A snapshot sled never finished.** Opening a store whose log grew writes a snapshot (an
//!   index into the log) as `snap.<lsn>.generating` and then renames it to `snap.<lsn>`: the
//!   rename is what finishes it. 0.34.7's snapshot search skips names ending `.in___motion`
//!   (nothing writes those) instead of `.generating` (fixed on sled's main branch in c5763094,
//!   never released in 0.34.x), so it picks an unfinished one when its LSN sorts last, and refuses
//!   it as corruption on every open if the kill left it short. Without it sled rebuilds from the
//!   last finished snapshot, or from the log alone, which is what the fixed search does.
//! - **A `conf` torn beside an empty log.** A brand-new store's first open writes `conf`'s text
//!   and then its checksum, with no temporary file; a kill between the two leaves a `conf` that
//!   sled cannot parse. While the log (`db`) holds nothing there is nothing a default `conf`
//!   could misread, so sled may write it again. A torn `conf` beside a log that holds records is
//!   not repaired: which settings wrote that log is then unknown. sled writes `conf` before it
//!   takes its lock, so the lock cannot stop a first open elsewhere from writing it meanwhile;
//!   moving that one aside costs nothing, as that open has read it already and the next one
//!   writes it again.
//!
//! What is repaired is moved, not deleted, into `repaired/<UTC time>/` in the data directory, so
//! that someone can inspect it. The moves happen holding sled's own lock on `db`, so that no other
//! process is opening or writing the store meanwhile; the lock is released before sled opens.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::StoreError;

/// The data directory's subdirectory that keeps what opening moved aside.
const REPAIRED_DIR: &str = "repaired";

/// The files opening moved aside, and where to.
#[derive(Debug)]
pub struct Repaired {
    pub files: Vec<String>,
    pub into: PathBuf,
}

/// Moves the torn files of `dir` aside; `None` when there are none (or no directory yet).
/// Another process holding the directory gives [`StoreError::Locked`], as sled's open would.
pub fn move_aside_torn_files(dir: &Path) -> Result<Option<Repaired>, StoreError> {
    let failed = |doing: &str, error: std::io::Error| {
        StoreError::Backend(format!("cannot {doing} in {}: {error}", dir.display()))
    };
    // Looked for first without the lock, so that opening a sound store takes it only once (sled's).
    if !dir.is_dir()
        || torn_files(dir)
            .map_err(|e| failed("look for torn files", e))?
            .is_empty()
    {
        return Ok(None);
    }
    let Some(lock) = lock_like_sled(dir).map_err(|e| failed("lock the log", e))? else {
        return Err(StoreError::Locked {
            path: dir.display().to_string(),
        });
    };
    // Again under the lock: the process that held it may have finished what looked torn.
    let torn = torn_files(dir).map_err(|e| failed("look for torn files", e))?;
    if torn.is_empty() {
        return Ok(None);
    }
    let into = dir.join(REPAIRED_DIR).join(repair_time());
    fs::create_dir_all(&into).map_err(|e| failed("make the directory for torn files", e))?;
    let mut files = Vec::new();
    for name in torn {
        fs::rename(dir.join(&name), into.join(&name))
            .map_err(|e| failed(&format!("move {name} aside"), e))?;
        files.push(name);
    }
    drop(lock);
    Ok(Some(Repaired { files, into }))
}

/// The names of the torn files in `dir`.
fn torn_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut torn = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            torn.push(name);
        }
    }
    torn.sort();
    if conf_is_torn(dir)? && log_is_empty(dir)? {
        torn.push(CONF.to_owned());
    }
    Ok(torn)
}

const CONF: &str = "conf";
const LOG: &str = "db";

/// Whether `conf` is there but does not end with the checksum of its text. sled itself treats a
/// `conf` of 8 bytes or fewer as none and writes it again, so such a one is not torn.
fn conf_is_torn(dir: &Path) -> std::io::Result<bool> {
    let mut bytes = Vec::new();
    match File::open(dir.join(CONF)) {
        Ok(mut file) => file.read_to_end(&mut bytes)?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error),
    };
    if bytes.len() <= 8 {
        return Ok(false);
    }
    let (text, checksum) = bytes.split_at(bytes.len() - 4);
    Ok(crc32fast::hash(text).to_le_bytes() != checksum)
}

fn log_is_empty(dir: &Path) -> std::io::Result<bool> {
    match fs::metadata(dir.join(LOG)) {
        Ok(log) => Ok(log.len() == 0),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(error) => Err(error),
    }
}

/// Takes the lock sled 0.34.7 takes (`Config::try_lock`: fs2's exclusive `flock` on `db`, opened
/// with create, read and write), held until the file is dropped; `None` when another process
/// holds it.
fn lock_like_sled(dir: &Path) -> std::io::Result<Option<File>> {
    let log = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(dir.join(LOG))?;
    match log.try_lock() {
        Ok(()) => Ok(Some(log)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(error)) => Err(error),
    }
}

/// A directory name for one repair, e.g. `2026-12-01T17-58-03.123456Z`: sortable, and without
/// the colons some file systems refuse.
fn repair_time() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]-[minute]-[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .expect("a UTC time has every part of the format")
}
