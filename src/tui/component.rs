//! What every screen and dialog is (gitui's `components/mod.rs`): a [`Component`] owns its state,
//! answers its keys and clicks (consumed or not: the top one is asked first, and what it leaves
//! goes to the one below), says which keys it takes for the footer and `?`, whether it holds
//! unsaved input, where its parts are (the hit-test of a click is the layout it drew), and draws
//! itself. It changes the rest of the console only through [`Ctx`]: effects to run, a dialog to
//! open, a screen to go to ([`Nav`], data the router in `update` turns into a screen), the status
//! line. Nothing here knows any screen, so screens import this and never each other's callers.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};

use super::effect::{Effect, Msg};
use super::keys::{Hint, KeyMap};
use super::session::{Session, Status};
use super::widgets::Palette;
use crate::backend::BackendError;
use crate::backend::CreatedApp;
use crate::model::{AppView, ClientSecret, GrantType, Seconds, Sid, Timestamp};

/// Whether a component took an input (gitui's `EventState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventState {
    Consumed,
    NotConsumed,
}

impl EventState {
    pub fn is_consumed(self) -> bool {
        self == EventState::Consumed
    }
}

impl From<bool> for EventState {
    fn from(consumed: bool) -> EventState {
        if consumed {
            EventState::Consumed
        } else {
            EventState::NotConsumed
        }
    }
}

/// A screen or a dialog. `area` is always the whole terminal: each component places its parts in
/// it the same way when it draws and when it is clicked.
pub trait Component {
    /// The title on the body's border (screens) or the dialog's box.
    fn title(&self, cx: &DrawCtx) -> String;

    /// Where this screen is below the owner, for the header's breadcrumb (owner › app › tab):
    /// an app's name and its tab, say; nothing on the owner's apps list.
    fn crumbs(&self) -> Vec<String> {
        Vec::new()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState;

    /// A left click at `at`, matched against what was drawn there.
    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState;

    /// The mouse wheel moves as the arrow keys do, unless a component scrolls otherwise.
    fn scroll(&mut self, down: bool, ctx: &mut Ctx) -> EventState {
        let code = if down { KeyCode::Down } else { KeyCode::Up };
        self.key(&KeyEvent::from(code), ctx)
    }

    /// Pasted text, for the field with the cursor.
    fn paste(&mut self, _text: &str, _ctx: &mut Ctx) -> EventState {
        EventState::NotConsumed
    }

    /// A backend's answer: taken, or handed back for the component below.
    fn answer(&mut self, msg: Msg, _ctx: &mut Ctx) -> Option<Msg> {
        Some(msg)
    }

    /// A confirmation this component asked for was answered yes.
    fn confirmed(&mut self, _action: &ConfirmAction, _ctx: &mut Ctx) {}

    /// The keys it takes now, for the footer and the help overlay.
    fn hints(&self, keys: &KeyMap) -> Vec<Hint>;

    /// Whether the console's own keys (help, quit, switch owner) work under it: not on the
    /// sign-in screen, before anyone signed in.
    fn takes_global_keys(&self) -> bool {
        true
    }

    /// Whether keys type into a field now (so `q` and `?` are letters).
    fn is_typing(&self) -> bool {
        false
    }

    /// Whether leaving would lose something typed or a secret not confirmed copied.
    fn holds_input(&self) -> bool {
        false
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx);
}

/// What drawing reads besides the component: the theme, who is signed in, the keys in force.
pub struct DrawCtx<'a> {
    pub palette: Palette,
    pub session: &'a Session,
    pub keys: &'a KeyMap,
}

impl DrawCtx<'_> {
    pub fn owner_name(&self) -> String {
        self.session
            .owner()
            .map_or_else(String::new, |access| access.owner.name.clone())
    }
}

/// What a confirmation confirms; the component that asked carries it out on "yes" (gitui's
/// `ConfirmAction`), except quitting, which the console does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmAction {
    /// Quit although a form holds unsaved input.
    Quit,
    /// Leave a Copy secret page without "Got it!": the secret is never shown again.
    LeaveSecret,
    /// Close the create wizard and drop what was typed.
    DiscardWizard,
    /// Stop editing an app's details or access settings and drop the changes.
    DiscardEdit,
    /// End an authorization: its refresh and access tokens stop working.
    RevokeAuthorization(Sid),
    /// End the grace period of the app's older secret, as shown at `version`.
    EndGrace { app: Sid, version: u64 },
}

/// An app's detail view's tabs, as the Console has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    ApplicationDetails,
    AccessSettings,
    Credentials,
    AuthorizedApps,
    AuditEvents,
}

impl Tab {
    /// Every tab, in the order drawn; [`Tab::of`] leaves out what an app does not have.
    pub const ALL: [Tab; 5] = [
        Tab::ApplicationDetails,
        Tab::AccessSettings,
        Tab::Credentials,
        Tab::AuthorizedApps,
        Tab::AuditEvents,
    ];

    /// The tabs of `app`: Authorized applications only for the authorization-code grant, the
    /// only one people approve.
    pub fn of(app: &AppView) -> Vec<Tab> {
        Tab::ALL
            .into_iter()
            .filter(|tab| {
                *tab != Tab::AuthorizedApps || app.grant_type == GrantType::AuthorizationCode
            })
            .collect()
    }

    pub fn title(self) -> &'static str {
        match self {
            Tab::ApplicationDetails => "Application details",
            Tab::AccessSettings => "Access settings",
            Tab::Credentials => "Credentials",
            Tab::AuthorizedApps => "Authorized applications",
            Tab::AuditEvents => "Audit events",
        }
    }

    /// The title when the whole row of titles does not fit (an authorization-code app's five
    /// tabs at 80 columns): one word each, so that every tab stays on screen.
    pub fn short_title(self) -> &'static str {
        match self {
            Tab::ApplicationDetails => "Details",
            Tab::AccessSettings => "Access",
            Tab::Credentials => "Credentials",
            Tab::AuthorizedApps => "Authorized",
            Tab::AuditEvents => "Audit",
        }
    }
}

/// Why a Copy secret page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretPurpose {
    Created,
    Rotated {
        grace: Seconds,
        previous_expires_at: Option<Timestamp>,
    },
    /// App `index` of the `of` an import created, one page each.
    Imported {
        index: usize,
        of: usize,
    },
}

/// A secret to show once, on its own page: the app, the secret, why, and (after an import) the
/// apps whose pages come after.
pub struct NewSecret {
    pub app: AppView,
    pub secret: ClientSecret,
    pub purpose: SecretPurpose,
    pub then: Vec<CreatedApp>,
}

impl NewSecret {
    /// The secrets of the apps an import created, the first's page first; `None` when it
    /// created none.
    pub fn imported(mut created: Vec<CreatedApp>) -> Option<NewSecret> {
        let of = created.len();
        if of == 0 {
            return None;
        }
        let first = created.remove(0);
        Some(NewSecret {
            app: first.app,
            secret: first.secret,
            purpose: SecretPurpose::Imported { index: 1, of },
            then: created,
        })
    }
}

/// Where to go after a key or a result.
pub enum Nav {
    /// Reading who is signed in again, as at start (just signed in).
    Starting,
    /// The apps list of the current owner, read afresh, with `reselect` selected once it is read
    /// (the app just left).
    Apps {
        reselect: Option<Sid>,
    },
    /// An app's detail view, on the tab given.
    App(Box<AppView>, Tab),
    NewApp,
    Audit,
    /// A new secret's Copy secret page.
    Secret(Box<NewSecret>),
    /// The token tool, with the client ID of `app` filled in; Esc goes back to that app's
    /// detail view when opened from it, else to the list.
    TokenTool {
        app: Option<Box<AppView>>,
        from_detail: bool,
    },
    /// The organization's authorized applications.
    Authorized,
}

impl Nav {
    /// The apps list, with nothing in particular to select.
    pub fn apps() -> Nav {
        Nav::Apps { reselect: None }
    }
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
    /// A dialog to open over the screen.
    pub open: Option<Box<dyn Component>>,
    /// Set by a dialog that closes itself.
    pub close: bool,
    /// A confirmation answered yes, for the screen that asked.
    pub confirmed: Option<ConfirmAction>,
    pub status: Option<Status>,
    /// The owner to switch to (an index into the session's owners).
    pub switch_owner: Option<usize>,
    /// Set when the console should close.
    pub quit: bool,
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
            open: None,
            close: false,
            confirmed: None,
            status: None,
            switch_owner: None,
            quit: false,
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

    /// Opens `dialog` over the screen; it takes every key until it closes.
    pub fn open(&mut self, dialog: impl Component + 'static) {
        self.open = Some(Box::new(dialog));
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
    pub fn failed(&mut self, doing: &str, error: &BackendError) {
        self.error(describe_failure(doing, error));
    }
}

/// One sentence for the status line: what failed, why, and what to do about it.
pub fn describe_failure(doing: &str, error: &BackendError) -> String {
    let advice = match error {
        BackendError::Invalid(_) => "correct the marked fields",
        BackendError::NotFound { .. } => "press Esc and reload the list (R)",
        BackendError::Forbidden(_) => "switch owner with o",
        // Their messages say what to do already.
        BackendError::Conflict(_)
        | BackendError::Unreachable(_)
        | BackendError::Remote(_)
        | BackendError::Overloaded { .. }
        | BackendError::Cancelled => "",
        BackendError::BadCredentials | BackendError::BadClient => "check the credentials",
        BackendError::NotSignedIn(_) => "sign in again",
        BackendError::Failed(_) => "try again; if it persists, check the data directory",
    };
    if advice.is_empty() {
        format!("Could not {doing}: {error}")
    } else {
        format!("Could not {doing}: {error}; {advice}")
    }
}
