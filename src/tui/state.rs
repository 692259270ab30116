//! The console's model: everything a frame is drawn from. Screens are an enum, the create wizard
//! an enum of its steps, dialogs and confirmations are data, and loading is a value. Nothing here
//! does I/O; [`super::update`] changes it and [`super::view`] draws it.

use ratatui::layout::Rect;

use super::keys::KeyMap;
use super::screens::{
    apps::AppsList, audit::AuditLog, authorized::AuthorizedList, detail::Detail, dialogs::Dialog,
    secret::SecretPage, sign_in::SignInForm, token::TokenTool, wizard::Wizard,
};
use crate::model::User;
use crate::service::OwnerAccess;

pub struct State {
    pub session: Session,
    pub screen: Screen,
    /// A dialog over the screen; it takes every key until it closes.
    pub dialog: Option<Dialog>,
    /// The `?` overlay.
    pub help: bool,
    /// The owner switcher (`o`), with the owner under the cursor.
    pub owner_picker: Option<usize>,
    pub status: Option<Status>,
    pub theme: Theme,
    /// The key bindings: the table's, with the user's `keys.toml`.
    pub keys: KeyMap,
    /// The terminal's size, kept from resize events so that scrolling and mouse clicks agree
    /// with what was drawn.
    pub area: Rect,
    /// Set when the console should close.
    pub quit: bool,
    /// The spinner's frame while a backend request is in flight (a server may take a while);
    /// the interactive runtime sets it. The headless one awaits every request before the next
    /// input, so its frames never show one.
    pub spinner: Option<usize>,
    /// Numbers each list request, so that an answer to an older one (a filter typed further
    /// since) is dropped.
    pub(crate) last_request: u64,
}

/// Who is signed in and which owner's apps are in view.
pub struct Session {
    pub user: Option<User>,
    pub owners: Vec<OwnerAccess>,
    pub current: usize,
    /// The authorization server's URL, for authorization URLs.
    pub issuer: String,
    /// Where this process serves the authorization server (`--serve`), for the header.
    pub serving: Option<String>,
    /// Where the token tool sends its requests.
    pub token_endpoint: String,
    /// The server the console works over, named on the sign-in screen; `None` over the embedded
    /// store.
    pub server: Option<String>,
}

impl Session {
    pub fn owner(&self) -> Option<&OwnerAccess> {
        self.owners.get(self.current)
    }

    pub fn may_manage(&self) -> bool {
        self.owner()
            .is_some_and(|access| access.role.may_manage_oauth_apps())
    }
}

pub enum Screen {
    /// Before the user and their owners have been read.
    Starting,
    /// Over a server without a live session: who to sign in as. The apps come after.
    SignIn(SignInForm),
    Apps(AppsList),
    Wizard(Box<Wizard>),
    Detail(Box<Detail>),
    Audit(AuditLog),
    /// A rotated secret's copy page, on its way back to the app.
    RotatedSecret(Box<SecretPage>),
    TokenTool(Box<TokenTool>),
    /// The organization's authorized applications.
    Authorized(AuthorizedList),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Done,
    Error,
    Info,
}

impl Status {
    pub fn done(text: impl Into<String>) -> Status {
        Status {
            kind: StatusKind::Done,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Status {
        Status {
            kind: StatusKind::Error,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Status {
        Status {
            kind: StatusKind::Info,
            text: text.into(),
        }
    }
}

/// Colours on or off: off when `NO_COLOR` is set (<https://no-color.org>), so that emphasis
/// falls back to bold, reverse and symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Reads `NO_COLOR`: any non-empty value turns colour off.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Theme { color: !no_color }
    }
}

impl State {
    pub fn new(issuer: String, theme: Theme, area: Rect) -> State {
        State {
            session: Session {
                user: None,
                owners: Vec::new(),
                current: 0,
                token_endpoint: crate::backend::token::token_endpoint(&issuer),
                issuer,
                serving: None,
                server: None,
            },
            screen: Screen::Starting,
            dialog: None,
            help: false,
            owner_picker: None,
            status: None,
            theme,
            keys: KeyMap::default(),
            area,
            quit: false,
            spinner: None,
            last_request: 0,
        }
    }
}
