//! Signing in to a server: one form in two places. The console opens on it, as a whole screen,
//! when it works over a server without a live session; and when a session ends while the console
//! runs, the same form asks for the password in a dialog over the screen (dialogs.rs), so that
//! nothing typed is lost. The form only checks that something was typed; the server decides.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::Ctx;
use super::describe_failure;
use crate::backend::BackendError;
use crate::tui::effect::Effect;
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Hint, hint};

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
        if let Some(next) = super::dialogs::cycle(self.order(), self.focus, key) {
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

impl Default for SignInForm {
    fn default() -> SignInForm {
        SignInForm::new()
    }
}
