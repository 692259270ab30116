//! What the console asks of the outside world, and what comes back. [`super::update`] returns
//! [`Effect`]s; a runtime performs each (a backend call or a copy) and feeds the result back as a
//! [`Msg`]. The interactive runtime spawns them on tokio; the headless one (tests, `replay`,
//! benchmarks) awaits them in order, so that its frames are the same on every run.

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::clipboard::{Clipboard, CopiedVia};
use crate::backend::{Backend, IssuedToken, Result, TokenError, TokenRequest};
use crate::model::{AuditEvent, Authorization, OAuthApp, Seconds, Sid, Timestamp, User};
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
    SessionLoaded(Result<LoadedSession>),
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
}

/// Who is signed in, where, and with which role for each owner: what the console starts from.
pub struct LoadedSession {
    pub user: User,
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
    use crate::service::ServiceError::Cancelled;
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
        // A token request is the developer's own test of the token endpoint, bounded by its
        // HTTP timeout; copies, pauses and ticks are no requests at all.
        Effect::RequestToken(_)
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SidKind;
    use crate::service::ServiceError;

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
            result: Err(ServiceError::Cancelled),
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
