//! The console's model: everything a frame is drawn from, as layers from the top: the help
//! overlay, signing in again, a dialog, the `:` command line, the screen. The screen is one of the components in
//! [`super::screens`]; [`Screen::component`] is the one place that tells them apart, so that
//! [`super::update`] and [`super::view`] dispatch to whichever it is. Nothing here does I/O.

use ratatui::layout::Rect;

use super::component::Component;
use super::keys::KeyMap;
use super::screens::{
    apps::AppsList,
    audit::AuditLog,
    authorized::AuthorizedList,
    command_line::CommandLine,
    detail::Detail,
    dialogs::{FirstStart, FirstStartDialog, SignInDialog},
    secret::SecretPage,
    sign_in::SignInForm,
    starting::Starting,
    token::TokenTool,
    wizard::Wizard,
};
pub use super::session::{Session, Status, StatusKind, Theme};
use super::zone::Zone;

pub struct State {
    pub session: Session,
    pub screen: Screen,
    /// A dialog over the screen (the owner switcher is one); it takes every key until it closes.
    pub dialog: Option<Box<dyn Component>>,
    /// Over everything but help when a server's session ended; the dialog and screen beneath
    /// stay as they were.
    pub sign_in: Option<SignInDialog>,
    /// The `:` command line, over the footer while it is open.
    pub command_line: Option<CommandLine>,
    /// The commands run on it, oldest first, for ↑ to bring back.
    pub command_history: Vec<String>,
    /// The `?` overlay.
    pub help: bool,
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

pub enum Screen {
    /// Before the user and their owners have been read.
    Starting(Starting),
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
                present: false,
                zone: Zone::default(),
            },
            screen: Screen::Starting(Starting),
            dialog: None,
            sign_in: None,
            command_line: None,
            command_history: Vec::new(),
            help: false,
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

impl State {
    /// Opens with the first start's password over the screen, shown this once.
    pub fn show_first_start(&mut self, first: FirstStart) {
        self.dialog = Some(Box::new(FirstStartDialog::new(first)));
    }
}

impl Screen {
    pub fn component(&self) -> &dyn Component {
        match self {
            Screen::Starting(starting) => starting,
            Screen::SignIn(form) => form,
            Screen::Apps(list) => list,
            Screen::Wizard(wizard) => wizard.as_ref(),
            Screen::Detail(detail) => detail.as_ref(),
            Screen::Audit(log) => log,
            Screen::RotatedSecret(page) => page.as_ref(),
            Screen::TokenTool(tool) => tool.as_ref(),
            Screen::Authorized(list) => list,
        }
    }

    pub fn component_mut(&mut self) -> &mut dyn Component {
        match self {
            Screen::Starting(starting) => starting,
            Screen::SignIn(form) => form,
            Screen::Apps(list) => list,
            Screen::Wizard(wizard) => wizard.as_mut(),
            Screen::Detail(detail) => detail.as_mut(),
            Screen::Audit(log) => log,
            Screen::RotatedSecret(page) => page.as_mut(),
            Screen::TokenTool(tool) => tool.as_mut(),
            Screen::Authorized(list) => list,
        }
    }

    /// The apps list, when it is the screen: going back to it keeps its order and filter.
    pub fn apps_list(&self) -> Option<&AppsList> {
        match self {
            Screen::Apps(list) => Some(list),
            _ => None,
        }
    }
}

impl State {
    /// The top layer that takes input: signing in again, else a dialog, else the command line,
    /// else the screen.
    pub fn top(&self) -> &dyn Component {
        if let Some(sign_in) = &self.sign_in {
            return sign_in;
        }
        match (&self.dialog, &self.command_line) {
            (Some(dialog), _) => dialog.as_ref(),
            (None, Some(line)) => line,
            (None, None) => self.screen.component(),
        }
    }

    /// The title of the dialog open, if one is.
    pub fn dialog_title(&self) -> Option<String> {
        let cx = super::component::DrawCtx {
            palette: super::widgets::Palette::of(self.theme),
            session: &self.session,
            keys: &self.keys,
        };
        if let Some(sign_in) = &self.sign_in {
            return Some(sign_in.title(&cx));
        }
        self.dialog.as_ref().map(|dialog| dialog.title(&cx))
    }
}
