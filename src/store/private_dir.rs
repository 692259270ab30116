//! The data directory holds the private signing key, the digests of secrets and refresh tokens,
//! and the sessions: anyone who can read it can forge tokens for every tenant. So it is its
//! owner's alone — created 0700 with its files 0600 — and a directory that others can read is
//! refused at open, with the command that fixes it, rather than used.
//!
//! sled creates its files itself, with the process's umask, so [`tighten`] sets the modes after
//! sled has opened the directory; the binary also sets its umask to 077 (`cli::open_local`) so
//! that files sled makes while it runs (snapshots) are private from the start.

use std::path::Path;

use super::StoreError;

/// Refuses a store that others may read; creates a missing directory owner-only, and makes an
/// empty one (just made with `mkdir`, or by `mktemp -d`) owner-only, as it holds nothing yet.
pub(super) fn prepare(path: &Path) -> Result<(), StoreError> {
    match std::fs::read_dir(path).map(|mut entries| entries.next().is_none()) {
        Ok(true) => tighten(path),
        Ok(false) => refuse_if_exposed(path),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(error) => Err(io_error(path, &error)),
    }
}

#[cfg(unix)]
fn create(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|error| io_error(path, &error))?;
    // The umask may only take bits away; setting the mode afterwards makes it exact.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .map_err(|error| io_error(path, &error))
}

#[cfg(not(unix))]
fn create(path: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(path).map_err(|error| io_error(path, &error))
}

/// The first entry of the directory (itself included) that gives group or others any access.
#[cfg(unix)]
fn refuse_if_exposed(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mut exposed = None;
    walk(path, &mut |entry, metadata| {
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 && exposed.is_none() {
            exposed = Some((entry.display().to_string(), mode));
        }
        Ok(())
    })?;
    match exposed {
        None => Ok(()),
        Some((entry, mode)) => Err(StoreError::Exposed {
            path: path.display().to_string(),
            entry,
            mode,
        }),
    }
}

#[cfg(not(unix))]
fn refuse_if_exposed(_path: &Path) -> Result<(), StoreError> {
    Ok(())
}

/// Makes every directory under `path` 0700 and every file 0600: what sled just created with the
/// process's umask.
#[cfg(unix)]
pub(super) fn tighten(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    walk(path, &mut |entry, metadata| {
        let wanted = if metadata.is_dir() { 0o700 } else { 0o600 };
        if metadata.permissions().mode() & 0o777 != wanted {
            std::fs::set_permissions(entry, std::fs::Permissions::from_mode(wanted))
                .map_err(|error| io_error(entry, &error))?;
        }
        Ok(())
    })
}

#[cfg(not(unix))]
pub(super) fn tighten(_path: &Path) -> Result<(), StoreError> {
    Ok(())
}

/// Calls `visit` on `path` and everything below it. Symbolic links are visited, not followed:
/// their own mode means nothing, and what they point to is not the store's.
#[cfg(unix)]
fn walk(
    path: &Path,
    visit: &mut dyn FnMut(&Path, &std::fs::Metadata) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let metadata = std::fs::metadata(path).map_err(|error| io_error(path, &error))?;
    visit(path, &metadata)?;
    if !metadata.is_dir() {
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|error| io_error(path, &error))?;
    for entry in entries {
        let entry = entry.map_err(|error| io_error(path, &error))?;
        let child = entry.path();
        let kind = entry
            .file_type()
            .map_err(|error| io_error(&child, &error))?;
        if kind.is_symlink() {
            continue;
        }
        walk(&child, visit)?;
    }
    Ok(())
}

fn io_error(path: &Path, error: &std::io::Error) -> StoreError {
    StoreError::Backend(format!("cannot secure {}: {error}", path.display()))
}
