//! The console's components: each owns its state, its keys and its footer hints (gitui's
//! pattern). A component answers a key through [`Ctx`]: it changes itself, asks for effects, opens
//! a dialog, sets the status line or asks to go elsewhere ([`Nav`]); the top-level update then
//! applies the navigation. Keys a component does not take fall through to the global ones.

pub mod apps;
pub mod audit;
pub mod authorized;
pub mod detail;
pub mod dialogs;
pub mod forms;
pub mod paged;
pub mod scopes;
pub mod secret;
pub mod sign_in;
pub mod token;
pub mod wizard;

use ratatui::layout::Rect;

use super::effect::Effect;
use super::keys::KeyMap;
use super::state::{Session, Status};
use crate::model::OAuthApp;
use crate::service::ServiceError;
use dialogs::Dialog;
use secret::SecretPage;

/// Where to go after a key or a result.
pub enum Nav {
    /// The apps list of the current owner, read afresh.
    Apps,
    /// An app's detail view, on the tab given.
    App(Box<OAuthApp>, detail::Tab),
    NewApp,
    Audit,
    /// A rotated secret's copy page.
    RotatedSecret(Box<SecretPage>),
    /// The token tool, with the client ID of `app` filled in; Esc goes back to that app's
    /// detail view when opened from it, else to the list.
    TokenTool {
        app: Option<Box<OAuthApp>>,
        from_detail: bool,
    },
    /// The organization's authorized applications.
    Authorized,
}

/// What a component may do besides changing itself.
pub struct Ctx<'a> {
    pub session: &'a Session,
    /// The key bindings in force, which every component matches keys with.
    pub keys: &'a KeyMap,
    /// The whole terminal, for components that page by what is shown.
    pub area: Rect,
    pub effects: Vec<Effect>,
    pub nav: Option<Nav>,
    pub dialog: Option<Dialog>,
    pub status: Option<Status>,
    /// The owner to switch to (an index into the session's owners).
    pub switch_owner: Option<usize>,
    last_request: &'a mut u64,
}

impl<'a> Ctx<'a> {
    pub fn new(
        session: &'a Session,
        keys: &'a KeyMap,
        area: Rect,
        last_request: &'a mut u64,
    ) -> Ctx<'a> {
        Ctx {
            session,
            keys,
            area,
            effects: Vec::new(),
            nav: None,
            dialog: None,
            status: None,
            switch_owner: None,
            last_request,
        }
    }

    /// A fresh request number; answers carry it back so that stale ones can be dropped.
    pub fn request(&mut self) -> u64 {
        *self.last_request += 1;
        *self.last_request
    }

    pub fn effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    pub fn go(&mut self, nav: Nav) {
        self.nav = Some(nav);
    }

    pub fn done(&mut self, text: impl Into<String>) {
        self.status = Some(Status::done(text));
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status::info(text));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status::error(text));
    }

    /// A failed backend call on the status line: what went wrong, and what to do.
    pub fn failed(&mut self, doing: &str, error: &ServiceError) {
        self.error(describe_failure(doing, error));
    }
}

/// One sentence for the status line: what failed, why, and what to do about it.
pub fn describe_failure(doing: &str, error: &ServiceError) -> String {
    let advice = match error {
        ServiceError::Invalid(_) => "correct the marked fields",
        ServiceError::NotFound { .. } => "press Esc and reload the list (R)",
        ServiceError::Forbidden(_) => "switch owner with o",
        // Their messages say what to do already.
        ServiceError::Conflict(_)
        | ServiceError::Unreachable(_)
        | ServiceError::Remote(_)
        | ServiceError::Overloaded { .. }
        | ServiceError::Cancelled => "",
        ServiceError::BadCredentials | ServiceError::BadClient => "check the credentials",
        ServiceError::NotSignedIn(_) => "sign in again",
        ServiceError::Crypto(_) | ServiceError::Store(_) => {
            "try again; if it persists, check the data directory"
        }
    };
    if advice.is_empty() {
        format!("Could not {doing}: {error}")
    } else {
        format!("Could not {doing}: {error}; {advice}")
    }
}
