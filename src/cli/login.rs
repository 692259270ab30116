//! Remote mode's sign-in: `login` and `logout`, and the session tokens they keep, one per server,
//! in `sessions.json` in the user's config directory. The file holds bearer tokens, so it is
//! written owner-only (0600) in an owner-only directory, and replaced whole by a rename so that a
//! reader never sees half of it.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::backend::{BackendError, RemoteBackend, RemoteSession, ServerTrust, normalize_server};
use crate::model::Timestamp;
use crate::service::{Clock, SystemClock};

const FILE_NAME: &str = "sessions.json";

/// One server's session as kept between commands.
#[derive(Clone, Serialize, Deserialize)]
pub struct SavedSession {
    pub token: String,
    pub username: String,
    /// RFC 3339, as the server said.
    pub expires_at: String,
}

/// The sessions file of one config directory.
pub struct Sessions {
    dir: PathBuf,
    /// What each server's certificate is verified against (`--ca-cert`).
    trust: ServerTrust,
}

/// The platform's config directory for this program, e.g. `~/.config/oauth-console`.
pub fn default_config_dir() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("", "", "oauth-console")
        .map(|dirs| dirs.config_dir().to_path_buf())
        .context(
            "cannot tell the platform's config directory (no home directory?); pass --config-dir DIR",
        )
}

impl Sessions {
    /// Sessions kept in `dir`, with servers verified against `trust`.
    pub fn new(dir: PathBuf, trust: ServerTrust) -> Sessions {
        Sessions { dir, trust }
    }

    /// The config directory the sessions are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    fn read_all(&self) -> anyhow::Result<BTreeMap<String, SavedSession>> {
        let path = self.path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!("{} is damaged; delete it and sign in again", path.display())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn write_all(&self, sessions: &BTreeMap<String, SavedSession>) -> anyhow::Result<()> {
        create_private_dir(&self.dir)?;
        let path = self.path();
        let partial = self.dir.join(format!("{FILE_NAME}.partial"));
        let text = serde_json::to_vec_pretty(sessions)?;
        write_private(&partial, &text)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, &path)
            .with_context(|| format!("cannot replace {}", path.display()))
    }

    pub fn get(&self, server: &str) -> anyhow::Result<Option<SavedSession>> {
        Ok(self.read_all()?.remove(&normalize_server(server)))
    }

    pub fn put(&self, server: &str, session: SavedSession) -> anyhow::Result<()> {
        let mut all = self.read_all()?;
        all.insert(normalize_server(server), session);
        self.write_all(&all)
    }

    /// Forgets the server's session; whether there was one.
    pub fn remove(&self, server: &str) -> anyhow::Result<Option<SavedSession>> {
        let mut all = self.read_all()?;
        let removed = all.remove(&normalize_server(server));
        if removed.is_some() {
            self.write_all(&all)?;
        }
        Ok(removed)
    }

    /// A backend over `server` with the saved session, or why there is none to use.
    pub async fn backend(&self, server: &str) -> anyhow::Result<RemoteBackend> {
        match self.usable(server)? {
            Ok(saved) => Ok(RemoteBackend::connect(server, &self.trust, saved.token).await?),
            Err(why) => Err(BackendError::NotSignedIn(why).into()),
        }
    }

    /// The saved session for `server` if it has not expired, or else what to do.
    fn usable(&self, server: &str) -> anyhow::Result<Result<SavedSession, String>> {
        let server = normalize_server(server);
        let Some(saved) = self.get(&server)? else {
            return Ok(Err(format!(
                "not signed in to {server}: run `oauth-console login --server {server}` first"
            )));
        };
        let expired =
            Timestamp::parse_rfc3339(&saved.expires_at).is_none_or(|end| end <= SystemClock.now());
        if expired {
            return Ok(Err(format!(
                "your session on {server} expired at {}; sign in again with `oauth-console login --server {server}`",
                saved.expires_at
            )));
        }
        Ok(Ok(saved))
    }

    /// For the console: a backend with the saved session, or on a terminal one signed out when
    /// there is none or it expired, so that the console opens on its sign-in screen (as it also
    /// does when the server no longer knows the saved session). Every session the console starts
    /// is saved here, for the next start and for commands.
    pub async fn console_backend(&self, server: &str) -> anyhow::Result<RemoteBackend> {
        let backend = match self.usable(server)? {
            Ok(saved) => RemoteBackend::connect(server, &self.trust, saved.token).await?,
            Err(_) if std::io::stdin().is_terminal() => {
                RemoteBackend::signed_out(server, &self.trust)?
            }
            Err(why) => return Err(BackendError::NotSignedIn(why).into()),
        };
        let sessions = Sessions::new(self.dir.clone(), self.trust.clone());
        let server = normalize_server(server);
        let save = move |session: &RemoteSession| {
            // The console owns the terminal, so there is nowhere to say that the file could not
            // be written; the next start then finds no session and asks again.
            let _ = sessions.put(
                &server,
                SavedSession {
                    token: session.token.clone(),
                    username: session.user.username.clone(),
                    expires_at: session.expires_at.to_rfc3339(),
                },
            );
        };
        Ok(backend.saving_sessions_with(Arc::new(save)))
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Writes `bytes` to a new file readable by its owner only (0600 from the start, never wider).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // A file left over from before keeps its mode through `open`; narrow it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    }
}

/// `oauth-console login`: signs in to `server` and keeps the session for the next commands.
pub async fn login(
    sessions: &Sessions,
    server: &str,
    username: Option<String>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let server = normalize_server(server);
    let (username, password) = credentials(&server, username, password_stdin)?;
    let session = match RemoteBackend::sign_in(&server, &sessions.trust, &username, &password).await
    {
        Ok(session) => session,
        Err(BackendError::BadCredentials) => {
            return Err(anyhow::Error::new(BackendError::BadCredentials)
                .context(format!("signing in to {server} failed; nothing was saved")));
        }
        Err(other) => return Err(other.into()),
    };
    let expires_at = session.expires_at.to_rfc3339();
    sessions.put(
        &server,
        SavedSession {
            token: session.token,
            username: session.user.username.clone(),
            expires_at: expires_at.clone(),
        },
    )?;
    eprintln!(
        "Signed in to {server} as {} until {expires_at}.",
        session.user.username
    );
    Ok(())
}

/// The username and password: from the options and standard input for scripts, else asked for
/// on the terminal.
fn credentials(
    server: &str,
    username: Option<String>,
    password_stdin: bool,
) -> anyhow::Result<(String, String)> {
    let interactive = std::io::stdin().is_terminal() && !password_stdin;
    let username = match username {
        Some(name) => name,
        None if interactive => {
            eprint!("Username for {server}: ");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim().to_owned()
        }
        None => bail!("pass --username NAME (standard input is not a terminal to ask on)"),
    };
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if interactive {
        eprint!("Password for {username}: ");
        read_hidden()?
    } else {
        bail!("pass --password-stdin and the password on standard input (it is not a terminal)");
    };
    if password.is_empty() {
        bail!("the password is empty; nothing was sent");
    }
    Ok((username, password))
}

/// Reads a line from the terminal without echoing it.
fn read_hidden() -> anyhow::Result<String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    crossterm::terminal::enable_raw_mode()?;
    let mut typed = String::new();
    let outcome = loop {
        match read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => match key.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(anyhow::anyhow!("sign-in cancelled"));
                }
                KeyCode::Char(c) => typed.push(c),
                KeyCode::Backspace => {
                    typed.pop();
                }
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e.into()),
        }
    };
    crossterm::terminal::disable_raw_mode()?;
    eprintln!();
    outcome.map(|()| typed)
}

/// `oauth-console logout`: ends the session on the server and forgets it here.
pub async fn logout(sessions: &Sessions, server: &str) -> anyhow::Result<()> {
    let server = normalize_server(server);
    let Some(saved) = sessions.get(&server)? else {
        eprintln!("Not signed in to {server}; nothing to do.");
        return Ok(());
    };
    // Forget it here whatever the server says: an expired session is over there already, and an
    // unreachable server must not keep a person signed in on this machine.
    sessions.remove(&server)?;
    let ended = match RemoteBackend::connect(&server, &sessions.trust, saved.token).await {
        Ok(backend) => backend.sign_out().await,
        Err(error) => Err(error),
    };
    match ended {
        Ok(()) | Err(BackendError::NotSignedIn(_)) => {
            eprintln!("Signed out of {server}.");
        }
        Err(error) => eprintln!(
            "Forgot the session for {server} here, but could not end it on the server: {error}"
        ),
    }
    Ok(())
}
