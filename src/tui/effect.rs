//! What the console asks of the outside world, and what comes back. [`super::update`] returns
//! [`Effect`]s; a runtime performs each (a backend call or a copy) and feeds the result back as a
//! [`Msg`]. The interactive runtime spawns them on tokio; the headless one (tests, `replay`,
//! benchmarks) awaits them in order, so that its frames are the same on every run.

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::clipboard::{Clipboard, CopiedVia};
use crate::api::{AppsFileJson, FileFormat};
use crate::backend::{
    Backend, Introspected, IntrospectionRequest, IssuedToken, Result, TokenError, TokenRequest,
};
use crate::backend::{BackendError, CreatedApp, RotatedSecret};
use crate::model::{
    AppDefinitions, AppUpdate, AppView, AuditEvent, AuditFilter, Authorization, ImportMode,
    ImportOutcome, ListApps, NewApp, OwnerAccess, Page, Seconds, Sid, Timestamp, UserView,
};

/// Everything that changes the model: input from the terminal, and the results of effects.
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    SessionLoaded(Result<LoadedSession>),
    AppsLoaded {
        request: u64,
        append: bool,
        result: Result<Page<AppView>>,
    },
    AppLoaded(Result<AppView>),
    AppCreated(Result<CreatedApp>),
    AppUpdated(Result<AppView>),
    SecretRotated(Result<RotatedSecret>),
    GraceEnded(Result<AppView>),
    AppDeleted(Result<AppView>),
    AuditLoaded {
        request: u64,
        append: bool,
        result: Result<Page<AuditEvent>>,
    },
    AuthorizedLoaded {
        request: u64,
        append: bool,
        result: Result<Page<Authorization>>,
    },
    AuthorizationRevoked(Result<Authorization>),
    /// The token endpoint's answer, and the time it came by the backend's clock.
    TokenAnswered {
        result: std::result::Result<IssuedToken, TokenError>,
        now: Timestamp,
    },
    /// The introspection endpoint's answer.
    IntrospectionAnswered(std::result::Result<Introspected, TokenError>),
    /// [`TICK`] has passed since the effect numbered `request` asked for it.
    Tick {
        request: u64,
        now: Timestamp,
    },
    Copied {
        what: &'static str,
        result: std::result::Result<CopiedVia, String>,
    },
    /// The answer to [`Effect::SignIn`].
    SignedIn(Result<()>),
    /// The filter has not changed for [`SETTLE`] since the edit numbered `request`.
    FilterSettled {
        request: u64,
    },
    AppsExported(std::result::Result<Exported, FileFailure>),
    /// A dry run of an import: what it would do.
    ImportPlanned(std::result::Result<PlannedImport, FileFailure>),
    AppsImported(std::result::Result<Imported, FileFailure>),
}

/// Why an export or an import did not happen: the file could not be written or read (the
/// message says which and why), or the backend refused.
pub enum FileFailure {
    File(String),
    Backend(BackendError),
}

impl From<BackendError> for FileFailure {
    fn from(error: BackendError) -> FileFailure {
        FileFailure::Backend(error)
    }
}

/// An export written: where, and how many apps.
pub struct Exported {
    pub path: String,
    pub apps: usize,
}

/// An import file read and planned, waiting for the person's go-ahead.
pub struct PlannedImport {
    pub path: String,
    pub definitions: AppDefinitions,
    pub plan: ImportOutcome,
}

/// An import applied, with the apps it created and their secrets, shown once.
pub struct Imported {
    pub path: String,
    pub outcome: ImportOutcome,
    pub created: Vec<CreatedApp>,
    /// Apps created whose secret could not be shown: their secrets must be rotated.
    pub unshown: Vec<Sid>,
}

/// Who is signed in, where, and with which role for each owner: what the console starts from.
pub struct LoadedSession {
    pub user: UserView,
    pub owners: Vec<OwnerAccess>,
    /// The authorization server's URL, for authorization URLs; a server's is only known for
    /// certain once signed in to it.
    pub issuer: String,
}

/// How long typing must pause before a filter is sent to the backend: with 100,000 apps a name
/// filter reads every record, and reading once per pause beats once per key.
pub const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// How often a countdown (a token's time left) is redrawn.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Work for the runtime. No `Debug`: a copy carries a secret in plain text.
pub enum Effect {
    LoadSession,
    LoadApps {
        request: u64,
        owner: Sid,
        list: ListApps,
        append: bool,
    },
    LoadApp(Sid),
    CreateApp(NewApp),
    UpdateApp {
        app: Sid,
        update: AppUpdate,
    },
    RotateSecret {
        app: Sid,
        grace: Seconds,
    },
    DeleteApp {
        app: Sid,
        version: u64,
    },
    /// Ends the older secret's grace period of the app as shown at `version`.
    EndGrace {
        app: Sid,
        version: u64,
    },
    LoadAudit {
        request: u64,
        filter: AuditFilter,
        append: bool,
    },
    LoadAuthorized {
        request: u64,
        owner: Sid,
        app: Option<Sid>,
        page_size: usize,
        after: Option<String>,
        append: bool,
    },
    RevokeAuthorization(Sid),
    RequestToken(TokenRequest),
    IntrospectToken(IntrospectionRequest),
    /// Answers [`Msg::Tick`] after [`TICK`]; the headless runtime never does, so that a scenario
    /// moves time itself.
    Tick {
        request: u64,
    },
    Copy {
        what: &'static str,
        text: String,
    },
    /// Sign in: at start, or again after the session ended. No `Debug`: it carries a password.
    SignIn {
        username: String,
        password: String,
    },
    /// Answers [`Msg::FilterSettled`] after [`SETTLE`]; the headless runtime answers at once.
    Settle {
        request: u64,
    },
    /// Writes the definitions of `owner`'s apps to the file at `path`.
    ExportApps {
        owner: Sid,
        path: String,
    },
    /// Reads the file at `path` and asks for a dry run of importing it.
    PlanImport {
        path: String,
    },
    /// Imports what [`Effect::PlanImport`] read, for real.
    ApplyImport {
        path: String,
        definitions: AppDefinitions,
    },
}

impl Effect {
    /// Copies run on the thread that draws: OSC 52 writes to the terminal, and must not land in
    /// the middle of a frame.
    pub fn is_copy(&self) -> bool {
        matches!(self, Effect::Copy { .. })
    }

    /// How long the interactive runtime waits before performing it.
    pub fn delay(&self) -> Option<std::time::Duration> {
        match self {
            Effect::Settle { .. } => Some(SETTLE),
            Effect::Tick { .. } => Some(TICK),
            _ => None,
        }
    }
}

/// The answer to a backend request the person stopped waiting for (Esc while the spinner
/// turns), shaped as its real answer so that the screen that asked settles as after a failure;
/// `None` for what is no request.
pub fn cancelled(effect: &Effect) -> Option<Msg> {
    use crate::backend::BackendError::Cancelled;
    Some(match effect {
        Effect::LoadSession => Msg::SessionLoaded(Err(Cancelled)),
        Effect::LoadApps {
            request, append, ..
        } => Msg::AppsLoaded {
            request: *request,
            append: *append,
            result: Err(Cancelled),
        },
        Effect::LoadApp(_) => Msg::AppLoaded(Err(Cancelled)),
        Effect::CreateApp(_) => Msg::AppCreated(Err(Cancelled)),
        Effect::UpdateApp { .. } => Msg::AppUpdated(Err(Cancelled)),
        Effect::RotateSecret { .. } => Msg::SecretRotated(Err(Cancelled)),
        Effect::DeleteApp { .. } => Msg::AppDeleted(Err(Cancelled)),
        Effect::EndGrace { .. } => Msg::GraceEnded(Err(Cancelled)),
        Effect::LoadAudit {
            request, append, ..
        } => Msg::AuditLoaded {
            request: *request,
            append: *append,
            result: Err(Cancelled),
        },
        Effect::LoadAuthorized {
            request, append, ..
        } => Msg::AuthorizedLoaded {
            request: *request,
            append: *append,
            result: Err(Cancelled),
        },
        Effect::RevokeAuthorization(_) => Msg::AuthorizationRevoked(Err(Cancelled)),
        Effect::SignIn { .. } => Msg::SignedIn(Err(Cancelled)),
        Effect::ExportApps { .. } => Msg::AppsExported(Err(FileFailure::Backend(Cancelled))),
        Effect::PlanImport { .. } => Msg::ImportPlanned(Err(FileFailure::Backend(Cancelled))),
        Effect::ApplyImport { .. } => Msg::AppsImported(Err(FileFailure::Backend(Cancelled))),
        // A token or introspection request is the developer's own test of the authorization
        // server, bounded by its HTTP timeout; copies, pauses and ticks are no requests at all.
        Effect::RequestToken(_)
        | Effect::IntrospectToken(_)
        | Effect::Copy { .. }
        | Effect::Settle { .. }
        | Effect::Tick { .. } => {
            return None;
        }
    })
}

/// Performs one effect and says how it went.
pub async fn perform(backend: &dyn Backend, clipboard: &dyn Clipboard, effect: Effect) -> Msg {
    match effect {
        Effect::LoadSession => {
            let session = async {
                let user = backend.me().await?;
                let owners = backend.owners().await?;
                Ok(LoadedSession {
                    user,
                    owners,
                    issuer: backend.issuer().to_owned(),
                })
            };
            Msg::SessionLoaded(session.await)
        }
        Effect::LoadApps {
            request,
            owner,
            list,
            append,
        } => Msg::AppsLoaded {
            request,
            append,
            result: backend.apps(&owner, list).await,
        },
        Effect::LoadApp(app) => Msg::AppLoaded(backend.app(&app).await),
        Effect::CreateApp(new) => Msg::AppCreated(backend.create_app(new).await),
        Effect::UpdateApp { app, update } => {
            Msg::AppUpdated(backend.update_app(&app, update).await)
        }
        Effect::RotateSecret { app, grace } => {
            Msg::SecretRotated(backend.rotate_secret(&app, grace).await)
        }
        Effect::DeleteApp { app, version } => {
            Msg::AppDeleted(backend.delete_app(&app, Some(version)).await)
        }
        Effect::EndGrace { app, version } => {
            Msg::GraceEnded(backend.end_grace(&app, Some(version)).await)
        }
        Effect::LoadAudit {
            request,
            filter,
            append,
        } => Msg::AuditLoaded {
            request,
            append,
            result: backend.audit_events(filter).await,
        },
        Effect::LoadAuthorized {
            request,
            owner,
            app,
            page_size,
            after,
            append,
        } => Msg::AuthorizedLoaded {
            request,
            append,
            result: backend
                .authorized_apps(&owner, app.as_ref(), page_size, after)
                .await,
        },
        Effect::RevokeAuthorization(sid) => {
            Msg::AuthorizationRevoked(backend.revoke_authorization(&sid).await)
        }
        Effect::RequestToken(request) => {
            let result = backend.request_token(request).await;
            Msg::TokenAnswered {
                result,
                now: backend.now(),
            }
        }
        Effect::IntrospectToken(request) => {
            Msg::IntrospectionAnswered(backend.introspect_token(request).await)
        }
        Effect::Tick { request } => Msg::Tick {
            request,
            now: backend.now(),
        },
        Effect::Copy { what, text } => Msg::Copied {
            what,
            result: clipboard.copy(&text),
        },
        Effect::SignIn { username, password } => {
            Msg::SignedIn(backend.sign_in_as(&username, &password).await)
        }
        Effect::Settle { request } => Msg::FilterSettled { request },
        Effect::ExportApps { owner, path } => {
            Msg::AppsExported(export(backend, &owner, path).await)
        }
        Effect::PlanImport { path } => Msg::ImportPlanned(plan_import(backend, path).await),
        Effect::ApplyImport { path, definitions } => {
            Msg::AppsImported(apply_import(backend, path, definitions).await)
        }
    }
}

async fn export(
    backend: &dyn Backend,
    owner: &Sid,
    path: String,
) -> std::result::Result<Exported, FileFailure> {
    let definitions = backend.export_apps(Some(owner)).await?;
    let text = AppsFileJson::from(&definitions)
        .write(FileFormat::of_path(std::path::Path::new(&path)))
        .map_err(|e| FileFailure::File(e.to_string()))?;
    std::fs::write(&path, text)
        .map_err(|e| FileFailure::File(format!("cannot write {path}: {e}")))?;
    let apps = definitions.owners.iter().map(|o| o.apps.len()).sum();
    Ok(Exported { path, apps })
}

async fn plan_import(
    backend: &dyn Backend,
    path: String,
) -> std::result::Result<PlannedImport, FileFailure> {
    let text = std::fs::read_to_string(&path)
        .map_err(|e| FileFailure::File(format!("cannot read {path}: {e}")))?;
    let definitions = AppsFileJson::parse(&text, FileFormat::of_path(std::path::Path::new(&path)))
        .map_err(|e| FileFailure::File(format!("{path}: {e}")))?
        .into_definitions()
        .map_err(|invalid| FileFailure::File(format!("{path}: {invalid}")))?;
    let mode = ImportMode {
        dry_run: true,
        prune: false,
    };
    let plan = backend.import_apps(&definitions, mode).await?;
    Ok(PlannedImport {
        path,
        definitions,
        plan,
    })
}

async fn apply_import(
    backend: &dyn Backend,
    path: String,
    definitions: AppDefinitions,
) -> std::result::Result<Imported, FileFailure> {
    let mode = ImportMode {
        dry_run: false,
        prune: false,
    };
    let mut outcome = backend.import_apps(&definitions, mode).await?;
    let mut created = Vec::new();
    let mut unshown = Vec::new();
    for item in &mut outcome.items {
        if let Some(secret) = item.secret.take() {
            // The import is done whatever this read answers; a failure only means the secret
            // cannot be shown on its page, and the person is told to rotate it.
            match backend.app(&item.client_id).await {
                Ok(app) => created.push(CreatedApp { app, secret }),
                Err(_) => unshown.push(item.client_id.clone()),
            }
        }
    }
    Ok(Imported {
        path,
        outcome,
        created,
        unshown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendError;
    use crate::model::SidKind;

    #[test]
    fn a_cancelled_list_answers_its_own_request_and_a_copy_is_no_request() {
        let effect = Effect::LoadApps {
            request: 7,
            owner: Sid::new(SidKind::Account, [1; 16]),
            list: ListApps::default(),
            append: true,
        };
        let Some(Msg::AppsLoaded {
            request: 7,
            append: true,
            result: Err(BackendError::Cancelled),
        }) = cancelled(&effect)
        else {
            panic!("not the cancelled answer to request 7")
        };
        let copy = Effect::Copy {
            what: "client secret",
            text: "s".into(),
        };
        assert!(cancelled(&copy).is_none());
    }
}
