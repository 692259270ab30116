//! The shell's side: completions (clap_complete's dynamic engine, so that a client ID or a SID is
//! completed from the store or server in use) and man pages (clap_mangen).
//!
//! The shell code that `completions SHELL` prints calls this binary back on every Tab with
//! `OAUTH_CONSOLE_COMPLETE=SHELL` set; [`complete_if_asked`] answers that before anything else runs. Flags and
//! subcommands come from clap; client IDs, owner SIDs and authorization SIDs from
//! [`candidates`], over the backend the typed line would use:
//!
//! - `--server` (typed, exported or in the config file): the saved session, as commands use it;
//! - otherwise the data directory: opened directly when no process holds it (never made: a
//!   directory without a store completes nothing), or, while `serve` or a console holds it, asked
//!   over its control socket, which answers from the holder's own service. Completing never
//!   waits for the store's lock, and the one it takes while no one else holds it lasts a
//!   look-up; a `serve` starting meanwhile waits for it as for any command.

use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::StyledStr;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::{Bash, CompleteEnv, EnvCompleter, Fish, Powershell, Zsh};

use super::args::CompletionShell;
use crate::backend::{Backend, LocalBackend};
use crate::model::ListApps;
use crate::model::OwnerKind;
use crate::service::{ConsoleService, OsEntropy, SystemClock};
use crate::store::SledStore;

/// The variable the shell code sets when it asks for completions: this program's own, not
/// clap_complete's default `COMPLETE`, which another tool's environment may well hold (and which
/// would then stop every command).
const COMPLETE_VAR: &str = "OAUTH_CONSOLE_COMPLETE";
/// Each kind of candidate is listed up to this many (a first page of each owner's).
const MAX_CANDIDATES: usize = 1000;
/// How long a Tab waits for a server before offering nothing.
const SERVER_WAIT: Duration = Duration::from_secs(2);

/// What a value of a flag or argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Client IDs (OQ…).
    Apps,
    /// Account, subaccount and organization SIDs.
    Owners,
    /// Authorization SIDs (AZ…).
    Authorizations,
}

impl Wanted {
    pub fn name(self) -> &'static str {
        match self {
            Wanted::Apps => "apps",
            Wanted::Owners => "owners",
            Wanted::Authorizations => "authorizations",
        }
    }

    pub fn from_name(name: &str) -> Option<Wanted> {
        [Wanted::Apps, Wanted::Owners, Wanted::Authorizations]
            .into_iter()
            .find(|w| w.name() == name)
    }
}

/// One value to offer, and what it is (shown by the shells that show descriptions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub about: String,
}

/// Answers the shell and exits, when the process was started to complete a command line;
/// otherwise returns at once. Runs before the tokio runtime exists: a look-up makes its own.
pub fn complete_if_asked() {
    CompleteEnv::with_factory(|| {
        let words: Vec<OsString> = completing_words();
        with_candidates(super::config::command_for_completing(&words))
    })
    .var(COMPLETE_VAR)
    .complete();
}

/// The command line being completed, as the shell code passes it (after `--`).
fn completing_words() -> Vec<OsString> {
    std::env::args_os()
        .skip_while(|arg| arg != "--")
        .skip(1)
        .collect()
}

/// `command` with a candidate list on every argument that takes a client ID or SID: `id` of the
/// `apps` and `authorized` commands, `--app` and `--owner` wherever they are.
fn with_candidates(command: clap::Command) -> clap::Command {
    fn walk(command: clap::Command, parent: &str) -> clap::Command {
        let name = command.get_name().to_owned();
        let ids: Vec<(String, Wanted)> = command
            .get_arguments()
            .filter_map(|arg| {
                let wanted = match (arg.get_id().as_str(), parent) {
                    ("owner", _) => Wanted::Owners,
                    ("app", _) => Wanted::Apps,
                    ("id", "apps") => Wanted::Apps,
                    ("id", "authorized") => Wanted::Authorizations,
                    _ => return None,
                };
                Some((arg.get_id().to_string(), wanted))
            })
            .collect();
        let mut command = command;
        for (id, wanted) in ids {
            command = command.mut_arg(id, |arg| {
                arg.add(ArgValueCandidates::new(move || offered(wanted)))
            });
        }
        let subcommands: Vec<String> = command
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for sub in subcommands {
            command = command.mut_subcommand(sub, |s| walk(s, &name));
        }
        command
    }
    walk(command, "")
}

/// The candidates for the line being completed; nothing when the store or server cannot say.
fn offered(wanted: Wanted) -> Vec<CompletionCandidate> {
    let words = completing_words();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let found = runtime.block_on(async {
        tokio::time::timeout(SERVER_WAIT, look_up(&words, wanted))
            .await
            .ok()
            .flatten()
    });
    found
        .unwrap_or_default()
        .into_iter()
        .map(|c| CompletionCandidate::new(c.value).help(Some(StyledStr::from(c.about))))
        .collect()
}

/// Resolves the typed line's store or server as the command would, and asks it.
async fn look_up(words: &[OsString], wanted: Wanted) -> Option<Vec<Candidate>> {
    let matches = super::config::command_for_completing(words)
        .ignore_errors(true)
        .try_get_matches_from(words)
        .ok()?;
    let text = |id: &str| matches.try_get_one::<String>(id).ok().flatten().cloned();
    let path = |id: &str| {
        matches
            .try_get_one::<std::path::PathBuf>(id)
            .ok()
            .flatten()
            .cloned()
    };
    let on_data_dir = matches!(
        matches.subcommand_name(),
        Some("serve" | "keys" | "backup" | "restore")
    );
    if let Some(server) = text("server").filter(|_| !on_data_dir) {
        let dir = match path("config_dir") {
            Some(dir) => dir,
            None => super::login::default_config_dir().ok()?,
        };
        let trust = match path("ca_cert") {
            Some(ca) => crate::backend::ServerTrust::private_ca(&ca).ok()?,
            None => crate::backend::ServerTrust::platform(),
        };
        let backend = super::login::Sessions::new(dir, trust)
            .backend(&server)
            .await
            .ok()?;
        return Some(candidates(&backend, wanted).await);
    }
    let data_dir = match path("data_dir") {
        Some(dir) => dir,
        None => super::default_data_dir().ok()?,
    };
    let user = text("user");
    local(&data_dir, user.as_deref(), wanted).await
}

/// From the store in `data_dir`, read here or by the process that holds it.
async fn local(data_dir: &Path, user: Option<&str>, wanted: Wanted) -> Option<Vec<Candidate>> {
    // `conf` is sled's: without it there is no store, and opening would make one.
    if !data_dir.join("conf").exists() {
        return None;
    }
    match SledStore::open(data_dir) {
        Ok(store) => {
            let service =
                ConsoleService::new(Arc::new(store), Arc::new(SystemClock), Arc::new(OsEntropy));
            Some(for_user(service, user, wanted).await)
        }
        Err(crate::store::StoreError::Locked { .. }) => {
            let data_dir = data_dir.to_owned();
            let user = user.map(str::to_owned);
            tokio::task::spawn_blocking(move || {
                super::control::request_candidates(&data_dir, wanted, user.as_deref())
            })
            .await
            .ok()
            .flatten()
        }
        Err(_) => None,
    }
}

/// The candidates `user` (the store's first user without one) may see in `service`'s store.
pub async fn for_user(
    service: ConsoleService,
    user: Option<&str>,
    wanted: Wanted,
) -> Vec<Candidate> {
    let Ok(user) = service.local_user(user).await else {
        return Vec::new();
    };
    let backend = LocalBackend::new(service, user.sid, super::args::DEFAULT_ISSUER.to_owned());
    candidates(&backend, wanted).await
}

/// What `backend`'s user may see of `wanted`: the apps of every owner whose apps they manage, the
/// owners they belong to, or the authorizations of their organizations.
pub async fn candidates(backend: &dyn Backend, wanted: Wanted) -> Vec<Candidate> {
    let Ok(owners) = backend.owners().await else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for access in &owners {
        let owner = &access.owner;
        match wanted {
            Wanted::Owners => found.push(Candidate {
                value: owner.sid.to_string(),
                about: format!("{} {}", owner.label(), owner.name),
            }),
            Wanted::Apps if access.role.may_manage_oauth_apps() => {
                let list = ListApps {
                    page_size: MAX_CANDIDATES,
                    ..ListApps::default()
                };
                if let Ok(page) = backend.apps(&owner.sid, list).await {
                    found.extend(page.items.into_iter().map(|app| Candidate {
                        value: app.sid.to_string(),
                        about: app.settings.name,
                    }));
                }
            }
            Wanted::Authorizations if owner.kind() == OwnerKind::Organization => {
                if let Ok(page) = backend
                    .authorized_apps(&owner.sid, None, MAX_CANDIDATES, None)
                    .await
                {
                    found.extend(page.items.into_iter().map(|authorization| Candidate {
                        value: authorization.sid.to_string(),
                        about: format!(
                            "{} by {}",
                            authorization.app_name, authorization.user.username
                        ),
                    }));
                }
            }
            Wanted::Apps | Wanted::Authorizations => {}
        }
        if found.len() >= MAX_CANDIDATES {
            break;
        }
    }
    found.truncate(MAX_CANDIDATES);
    found
}

/// The shell code that asks this binary for completions, for `completions SHELL`.
pub fn registration(shell: CompletionShell) -> anyhow::Result<String> {
    let completer: &dyn EnvCompleter = match shell {
        CompletionShell::Bash => &Bash,
        CompletionShell::Zsh => &Zsh,
        CompletionShell::Fish => &Fish,
        CompletionShell::Powershell => &Powershell,
    };
    let mut code = Vec::new();
    completer.write_registration(
        COMPLETE_VAR,
        "oauth-console",
        "oauth-console",
        &completer_path(),
        &mut code,
    )?;
    Ok(String::from_utf8(code)?)
}

/// How the shell calls this binary back: as it was called, made absolute when it was a relative
/// path (`./target/release/oauth-console`), since the shell may be elsewhere by the next Tab.
fn completer_path() -> String {
    let called = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "oauth-console".into());
    let called = if called.components().count() > 1 {
        std::env::current_dir()
            .map(|dir| dir.join(&called))
            .unwrap_or(called)
    } else {
        called
    };
    called.to_string_lossy().into_owned()
}

/// Writes a man page for every command into `dir` (made if missing); says which.
pub fn write_man_pages(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    use anyhow::Context as _;
    use clap::CommandFactory as _;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut command = super::args::Cli::command().disable_help_subcommand(true);
    command.build();
    let mut written = Vec::new();
    let mut pending = vec![command];
    while let Some(command) = pending.pop() {
        pending.extend(
            command
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .cloned(),
        );
        let page = clap_mangen::Man::new(command);
        let path = page
            .generate_to(dir)
            .with_context(|| format!("cannot write a man page into {}", dir.display()))?;
        written.push(path);
    }
    written.sort();
    Ok(written)
}
