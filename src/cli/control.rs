//! The data directory's control socket: how `oauth-console backup` reaches a store that another
//! process holds. sled lets one process open a data directory, so while `serve` (or a console)
//! runs, it is the one that can read the store: it answers on `control.sock` in the data
//! directory and writes the backup down the socket.
//!
//! The same socket answers completions (`complete KIND [USER]`, one `VALUE<TAB>ABOUT` line per
//! candidate), so that a Tab in the shell lists the client IDs of a store that `serve` holds
//! without touching its lock; the holder's own service reads them.
//!
//! Whoever can read the data directory can read every record in it already, so the socket asks
//! for no password: it is owner-only (0600) inside that directory, and a peer whose user is not
//! the directory's owner (or root) is refused all the same.

use std::io::{BufRead, BufReader, Write as _};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::completion::{Candidate, Wanted};
use crate::service::ConsoleService;
use crate::store::{SledStore, backup_failure_line};

/// The socket's name in the data directory.
pub const SOCKET: &str = "control.sock";
const BACKUP_REQUEST: &str = "backup";
/// Followed by a [`Wanted::name`] and, optionally, a username.
const COMPLETE_REQUEST: &str = "complete";
/// How long a completion waits for the holder's answer: a Tab must not hang.
const COMPLETE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A listening control socket; dropping it stops answering and removes the socket.
pub struct ControlSocket {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Answers backups of `store` and completions from `service` on the data directory's socket
/// until dropped. Failing to listen is logged, not fatal: the server still serves, only `backup`
/// must then wait for it to stop.
pub fn listen(
    data_dir: &Path,
    store: Arc<SledStore>,
    service: ConsoleService,
) -> Option<ControlSocket> {
    let path = data_dir.join(SOCKET);
    match bind(&path) {
        Ok(listener) => {
            let owner = std::fs::metadata(data_dir).map(|m| m.uid()).ok();
            let task = tokio::spawn(answer(listener, store, service, owner));
            Some(ControlSocket { path, task })
        }
        Err(error) => {
            tracing::warn!(socket = %path.display(), "backups while serving are off: {error:#}");
            None
        }
    }
}

fn bind(path: &Path) -> anyhow::Result<tokio::net::UnixListener> {
    // A socket left by a process that was killed: this process holds the store's lock, so no
    // other one is answering on it.
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            return Err(error).with_context(|| format!("cannot remove {}", path.display()));
        }
        _ => {}
    }
    let listener = tokio::net::UnixListener::bind(path)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot make {} owner-only", path.display()))?;
    Ok(listener)
}

async fn answer(
    listener: tokio::net::UnixListener,
    store: Arc<SledStore>,
    service: ConsoleService,
    owner: Option<u32>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let peer = stream.peer_cred().map(|c| c.uid()).ok();
        let trusted = peer.is_some_and(|uid| uid == 0 || Some(uid) == owner);
        let Ok(stream) = stream.into_std() else {
            continue;
        };
        let store = store.clone();
        let service = service.clone();
        // A backup reads the whole store with sled's blocking calls; so does reading the request
        // line, which is short.
        tokio::task::spawn_blocking(move || {
            if let Err(error) = serve_one(stream, &store, &service, trusted) {
                tracing::warn!("a request over the control socket failed: {error:#}");
            }
        });
    }
}

fn serve_one(
    stream: UnixStream,
    store: &SledStore,
    service: &ConsoleService,
    trusted: bool,
) -> anyhow::Result<()> {
    stream.set_nonblocking(false)?;
    let mut writer = std::io::BufWriter::new(stream.try_clone()?);
    if !trusted {
        writer.write_all(
            backup_failure_line(
                "refused: only the data directory's owner may back it up over its socket",
            )
            .as_bytes(),
        )?;
        return Ok(writer.flush()?);
    }
    let mut request = String::new();
    stream.set_read_timeout(Some(COMPLETE_WAIT))?;
    BufReader::new(&stream).read_line(&mut request)?;
    let mut words = request.split_whitespace();
    if words.next() == Some(COMPLETE_REQUEST) {
        let Some(wanted) = words.next().and_then(Wanted::from_name) else {
            return Ok(());
        };
        let user = words.next().map(str::to_owned);
        let found = tokio::runtime::Handle::current().block_on(super::completion::for_user(
            service.clone(),
            user.as_deref(),
            wanted,
        ));
        for candidate in found {
            writeln!(
                writer,
                "{}\t{}",
                candidate.value,
                candidate.about.replace(['\t', '\n'], " ")
            )?;
        }
        return Ok(writer.flush()?);
    }
    if request.trim() != BACKUP_REQUEST {
        writer.write_all(
            backup_failure_line(&format!("'{}' is not a request", request.trim())).as_bytes(),
        )?;
        return Ok(writer.flush()?);
    }
    match store.backup(&mut writer) {
        Ok(summary) => {
            tracing::info!(
                records = summary.records,
                "wrote a backup over the control socket"
            );
            Ok(())
        }
        Err(error) => {
            writer.write_all(backup_failure_line(&error.to_string()).as_bytes())?;
            writer.flush()?;
            Err(error.into())
        }
    }
}

/// Asks the process holding `data_dir` for a backup, written to `out`; `None` when no process
/// answers on the socket (there is none, or it is not one that serves).
pub fn request_backup(data_dir: &Path, out: &mut dyn std::io::Write) -> Option<anyhow::Result<()>> {
    let path = data_dir.join(SOCKET);
    let mut stream = UnixStream::connect(&path).ok()?;
    Some((|| {
        stream.write_all(format!("{BACKUP_REQUEST}\n").as_bytes())?;
        std::io::copy(&mut stream, out)
            .with_context(|| format!("reading the backup from {} failed", path.display()))?;
        Ok(())
    })())
}

/// Asks the process holding `data_dir` for the candidates of `wanted` that `user` (the store's
/// first user without one) may see; `None` when no process answers on the socket in time.
pub fn request_candidates(
    data_dir: &Path,
    wanted: Wanted,
    user: Option<&str>,
) -> Option<Vec<Candidate>> {
    let mut stream = UnixStream::connect(data_dir.join(SOCKET)).ok()?;
    stream.set_read_timeout(Some(COMPLETE_WAIT)).ok()?;
    let mut request = format!("{COMPLETE_REQUEST} {}", wanted.name());
    if let Some(user) = user.filter(|u| !u.contains(char::is_whitespace)) {
        request.push(' ');
        request.push_str(user);
    }
    request.push('\n');
    stream.write_all(request.as_bytes()).ok()?;
    let found = BufReader::new(stream)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            let (value, about) = line.split_once('\t')?;
            Some(Candidate {
                value: value.to_owned(),
                about: about.to_owned(),
            })
        })
        .collect();
    Some(found)
}
