//! Signing in to a server: one form in two places. The console opens on it, as a whole screen,
//! when it works over a server without a live session; and when a session ends while the console
//! runs, the same form asks for the password in a dialog over the screen (dialogs.rs), so that
//! nothing typed is lost. The form only checks that something was typed; the server decides.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::backend::BackendError;
use crate::tui::component::{Component, Ctx, DrawCtx, EventState, Nav, describe_failure};
use crate::tui::effect::{Effect, Msg};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Hint, KeyMap, hint};
use crate::tui::layout::{self, body_inner, button_at, hit, indented, line, rows};
use crate::tui::widgets::{self, Palette, failure, put};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFocus {
    Username,
    Password,
    SignIn,
    /// "Quit" on the start-up screen, "Not now" in the dialog.
    Cancel,
}

/// What a key did to the form, besides changing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    Stay,
    /// Esc, or the second button: the screen quits, the dialog closes.
    Cancel,
}

pub struct SignInForm {
    pub username: TextField,
    pub password: TextField,
    pub focus: SignInFocus,
    /// Set while the server is asked, so that a second Enter does not ask twice.
    pub busy: bool,
    /// Why the last attempt failed, and what to do: wrong credentials, too many attempts, or a
    /// server that does not answer.
    pub error: Option<String>,
    /// Signing in again the username is the ended session's: the screen behind is that user's.
    username_fixed: bool,
}

impl SignInForm {
    /// The start-up screen's form: username, then password.
    pub fn new() -> SignInForm {
        SignInForm {
            username: TextField::new("Username", None),
            password: TextField::new("Password", None).masked(),
            focus: SignInFocus::Username,
            busy: false,
            error: None,
            username_fixed: false,
        }
    }

    /// Signing in again as `username`, whose session ended: the password only.
    pub fn again(username: &str) -> SignInForm {
        SignInForm {
            username: TextField::new("Username", None).with_value(username),
            focus: SignInFocus::Password,
            username_fixed: true,
            ..SignInForm::new()
        }
    }

    fn order(&self) -> &'static [SignInFocus] {
        use SignInFocus::*;
        if self.username_fixed {
            &[Password, SignIn, Cancel]
        } else {
            &[Username, Password, SignIn, Cancel]
        }
    }

    /// Whether keys type into a field now (so `q` and `?` are letters).
    pub fn is_typing(&self) -> bool {
        matches!(self.focus, SignInFocus::Username | SignInFocus::Password)
    }

    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> SignInOutcome {
        use SignInFocus::*;
        if keys::is_esc(key) {
            return SignInOutcome::Cancel;
        }
        if let Some(next) = cycle(self.order(), self.focus, key) {
            self.focus = next;
            return SignInOutcome::Stay;
        }
        match self.focus {
            Username if keys::is_enter(key) || key.code == KeyCode::Down => self.focus = Password,
            Username => {
                self.username.handle_key(key);
            }
            Password if keys::is_enter(key) => self.submit(ctx),
            Password if key.code == KeyCode::Up && !self.username_fixed => self.focus = Username,
            Password => {
                self.password.handle_key(key);
            }
            SignIn if keys::is_activate(key) => self.submit(ctx),
            Cancel if keys::is_activate(key) => return SignInOutcome::Cancel,
            SignIn | Cancel => {
                if keys::is_left(key) || keys::is_right(key) {
                    self.focus = if self.focus == SignIn { Cancel } else { SignIn };
                }
            }
        }
        SignInOutcome::Stay
    }

    /// Presses button `index`: Sign in, or the one that cancels.
    pub fn click_button(&mut self, index: usize, ctx: &mut Ctx) -> SignInOutcome {
        if index == 0 {
            self.submit(ctx);
            SignInOutcome::Stay
        } else {
            SignInOutcome::Cancel
        }
    }

    /// Pasted text goes to the field with the focus (a password manager pastes the password).
    pub fn paste(&mut self, text: &str) {
        match self.focus {
            SignInFocus::Username => self.username.paste(text),
            SignInFocus::Password => self.password.paste(text),
            SignInFocus::SignIn | SignInFocus::Cancel => {}
        }
    }

    /// Asks the server, once both fields hold something.
    fn submit(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        let username = self.username.value().trim();
        if username.is_empty() {
            self.username.error = Some("type your username".to_owned());
            self.focus = SignInFocus::Username;
            return;
        }
        if self.password.value().is_empty() {
            self.password.error = Some("type your password".to_owned());
            self.focus = SignInFocus::Password;
            return;
        }
        self.busy = true;
        self.error = None;
        ctx.effect(Effect::SignIn {
            username: username.to_owned(),
            password: self.password.value().to_owned(),
        });
    }

    /// The server's answer; `true` when signed in. A refused password is emptied for typing
    /// again (it cannot be read to correct it), and the form says why and what to do.
    pub fn on_answer(&mut self, result: crate::backend::Result<()>) -> bool {
        self.busy = false;
        match result {
            Ok(()) => true,
            Err(error) => {
                if matches!(error, BackendError::BadCredentials) {
                    self.password = TextField::new(self.password.label, None).masked();
                }
                self.focus = SignInFocus::Password;
                self.error = Some(describe_failure("sign in", &error));
                false
            }
        }
    }

    /// The username typed, for the status line once signed in.
    pub fn username(&self) -> &str {
        self.username.value().trim()
    }

    /// The field at `focus`; `None` for the buttons.
    pub fn field(&self, focus: SignInFocus) -> Option<&TextField> {
        match focus {
            SignInFocus::Username => Some(&self.username),
            SignInFocus::Password => Some(&self.password),
            SignInFocus::SignIn | SignInFocus::Cancel => None,
        }
    }

    /// The button with the focus, for drawing.
    pub fn focused_button(&self) -> Option<usize> {
        match self.focus {
            SignInFocus::Username | SignInFocus::Password => None,
            SignInFocus::SignIn => Some(0),
            SignInFocus::Cancel => Some(1),
        }
    }

    /// `cancel` names what Esc does here: quit, or close the dialog.
    pub fn hints(&self, cancel: &'static str) -> Vec<Hint> {
        let mut hints = vec![hint("Tab", "next")];
        if self.focus == SignInFocus::Username {
            hints.push(hint("Enter", "to password"));
        } else {
            hints.push(hint("Enter", "sign in"));
        }
        hints.push(hint("Esc", cancel));
        hints
    }
}

/// The start-up sign-in screen: a heading naming the server, a note on what signing in does, the
/// username and password fields, the buttons, and why the last attempt failed.
pub struct SignInLayout {
    pub heading: Rect,
    pub note: Rect,
    pub fields: [(SignInFocus, Rect); 2],
    pub buttons: Rect,
    pub error: Rect,
}

pub const SIGN_IN_BUTTONS: [&str; 2] = ["Sign in", "Quit"];

pub fn sign_in_layout(area: Rect) -> SignInLayout {
    let inner = body_inner(area);
    let field = |at: u16| {
        let rest = rows(inner, at, 0);
        Rect::new(rest.x, rest.y, rest.width, 2.min(rest.height))
    };
    let note = rows(inner, 2, 0);
    SignInLayout {
        heading: indented(line(inner, 1)),
        note: indented(Rect::new(note.x, note.y, note.width, 2.min(note.height))),
        fields: [
            (SignInFocus::Username, field(5)),
            (SignInFocus::Password, field(7)),
        ],
        buttons: indented(line(inner, 10)),
        error: indented(rows(inner, 12, 0)),
    }
}

/// The console's first screen over a server without a live session.
fn draw_screen(
    form: &SignInForm,
    server: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let placed = sign_in_layout(area);
    let heading = match server {
        Some(url) => format!("Sign in to {url}"),
        None => "Sign in".to_owned(),
    };
    put(
        buf,
        placed.heading,
        placed.heading.x,
        &heading,
        palette.title,
    );
    Paragraph::new(
        "The console works over this server as the user you sign in as: you see and do what that user may. The session is kept for the next start, as `oauth-console login` keeps it.",
    )
    .style(palette.dim)
    .wrap(Wrap { trim: true })
    .render(placed.note, buf);
    for (focus, rect) in &placed.fields {
        if let Some(field) = form.field(*focus) {
            widgets::text_field(buf, *rect, field, form.focus == *focus, palette);
        }
    }
    widgets::buttons(
        buf,
        placed.buttons,
        &SIGN_IN_BUTTONS,
        form.focused_button(),
        palette,
    );
    if let Some(error) = &form.error {
        failure(error, placed.error, buf, palette);
    }
}

/// Tab and Shift-Tab through `order`.
pub fn cycle<T: Copy + PartialEq>(order: &[T], at: T, key: &KeyEvent) -> Option<T> {
    let index = order.iter().position(|f| *f == at)?;
    if keys::is_next_field(key) {
        Some(order[(index + 1) % order.len()])
    } else if keys::is_prev_field(key) {
        Some(order[(index + order.len() - 1) % order.len()])
    } else {
        None
    }
}

/// The console's first screen over a server without a live session. Nothing is behind it, so
/// cancelling it closes the console, and the console's own keys wait until someone signed in.
impl Component for SignInForm {
    fn title(&self, _cx: &DrawCtx) -> String {
        " Sign in ".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if self.handle_key(key, ctx) == SignInOutcome::Cancel {
            ctx.quit = true;
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        let placed = sign_in_layout(ctx.area);
        if let Some((focus, _)) = placed.fields.iter().find(|(_, rect)| hit(*rect, at)) {
            self.focus = *focus;
            return EventState::Consumed;
        }
        match button_at(&layout::buttons(placed.buttons, &SIGN_IN_BUTTONS), at) {
            Some(index) => {
                if self.click_button(index, ctx) == SignInOutcome::Cancel {
                    ctx.quit = true;
                }
                EventState::Consumed
            }
            None => EventState::NotConsumed,
        }
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        SignInForm::paste(self, text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::SignedIn(result) => {
                if self.on_answer(result) {
                    let server = ctx.session.server.as_deref().unwrap_or("the server");
                    ctx.done(format!("Signed in to {server} as {}", self.username()));
                    ctx.effect(Effect::LoadSession);
                    ctx.go(Nav::Starting);
                }
                None
            }
            other => Some(other),
        }
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        SignInForm::hints(self, "quit")
    }

    fn takes_global_keys(&self) -> bool {
        false
    }

    fn is_typing(&self) -> bool {
        SignInForm::is_typing(self)
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        draw_screen(self, cx.session.server.as_deref(), area, buf, &cx.palette);
    }
}

impl Default for SignInForm {
    fn default() -> SignInForm {
        SignInForm::new()
    }
}
