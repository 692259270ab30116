//! What the console asks of the outside world, and what comes back. [`super::update`] returns
//! [`Effect`]s; a runtime performs each (a backend call or a copy) and feeds the result back as a
//! [`Msg`]. The interactive runtime spawns them on tokio; the headless one (tests, `replay`,
//! benchmarks) awaits them in order, so that its frames are the same on every run.

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::clipboard::{Clipboard, CopiedVia};
use crate::backend::{Backend, Result};
use crate::model::{AuditEvent, OAuthApp, Seconds, Sid, User};
use crate::service::{
    AppUpdate, AuditFilter, CreatedApp, ListApps, NewApp, OwnerAccess, RotatedSecret,
};
use crate::store::Page;

/// Everything that changes the model: input from the terminal, and the results of effects.
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    SessionLoaded(Result<(User, Vec<OwnerAccess>)>),
    AppsLoaded {
        request: u64,
        append: bool,
        result: Result<Page<OAuthApp>>,
    },
    AppLoaded(Result<OAuthApp>),
    AppCreated(Result<CreatedApp>),
    AppUpdated(Result<OAuthApp>),
    SecretRotated(Result<RotatedSecret>),
    AppDeleted(Result<OAuthApp>),
    AuditLoaded {
        request: u64,
        append: bool,
        result: Result<Page<AuditEvent>>,
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
}

/// How long typing must pause before a filter is sent to the backend: with 100,000 apps a name
/// filter reads every record, and reading once per pause beats once per key.
pub const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

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
    LoadAudit {
        request: u64,
        filter: AuditFilter,
        append: bool,
    },
    Copy {
        what: &'static str,
        text: String,
    },
    /// Sign in again after the session ended. No `Debug`: it carries a password.
    SignIn {
        username: String,
        password: String,
    },
    /// Answers [`Msg::FilterSettled`] after [`SETTLE`]; the headless runtime answers at once.
    Settle {
        request: u64,
    },
}

impl Effect {
    /// Copies run on the thread that draws: OSC 52 writes to the terminal, and must not land in
    /// the middle of a frame.
    pub fn is_copy(&self) -> bool {
        matches!(self, Effect::Copy { .. })
    }
}

/// Performs one effect and says how it went.
pub async fn perform(backend: &dyn Backend, clipboard: &dyn Clipboard, effect: Effect) -> Msg {
    match effect {
        Effect::LoadSession => {
            let session = async {
                let user = backend.me().await?;
                let owners = backend.owners().await?;
                Ok((user, owners))
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
        Effect::LoadAudit {
            request,
            filter,
            append,
        } => Msg::AuditLoaded {
            request,
            append,
            result: backend.audit_events(filter).await,
        },
        Effect::Copy { what, text } => Msg::Copied {
            what,
            result: clipboard.copy(&text),
        },
        Effect::SignIn { username, password } => {
            Msg::SignedIn(backend.sign_in_again(&username, &password).await)
        }
        Effect::Settle { request } => Msg::FilterSettled { request },
    }
}
