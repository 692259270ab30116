//! The Copy secret page, after creating an app (the wizard's last step) and after rotating its
//! secret: client ID, client secret and, for authorization-code apps, the Authorization URL, each
//! with a Copy button. The secret is shown here once. The model refuses Finish (or Done) until
//! "Got it!" is checked, and leaving without it asks first.

use ratatui::crossterm::event::KeyEvent;

use super::Ctx;
use super::dialogs::{Confirm, ConfirmAction, Dialog};
use crate::backend::CreatedApp;
use crate::model::{ClientSecret, OAuthApp, Seconds, Timestamp};
use crate::tui::effect::Effect;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};

/// Why the page is shown.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFocus {
    ClientId,
    Secret,
    AuthorizationUrl,
    GotIt,
    Finish,
}

pub struct SecretPage {
    pub app: OAuthApp,
    secret: ClientSecret,
    pub authorization_url: Option<String>,
    pub got_it: bool,
    pub focus: SecretFocus,
    pub purpose: SecretPurpose,
    /// After an import: the apps it created whose pages come after this one.
    pub then: Vec<CreatedApp>,
}

/// Why Finish or Done was refused.
pub const GOT_IT_FIRST: &str =
    "Check \"Got it!\" first (g): the client secret is never shown again once you leave this page";

impl SecretPage {
    pub fn new(
        app: OAuthApp,
        secret: ClientSecret,
        issuer: &str,
        purpose: SecretPurpose,
    ) -> SecretPage {
        SecretPage {
            authorization_url: app.authorization_url(issuer),
            app,
            secret,
            got_it: false,
            focus: SecretFocus::Secret,
            purpose,
            then: Vec::new(),
        }
    }

    /// The page of the first app an import created, followed by the others'; `None` when it
    /// created none.
    pub fn imported(mut created: Vec<CreatedApp>, issuer: &str) -> Option<SecretPage> {
        let of = created.len();
        if of == 0 {
            return None;
        }
        let first = created.remove(0);
        let mut page = SecretPage::new(
            first.app,
            first.secret,
            issuer,
            SecretPurpose::Imported { index: 1, of },
        );
        page.then = created;
        Some(page)
    }

    /// The page after this one, for the next app an import created.
    pub fn next_imported(&mut self, issuer: &str) -> Option<SecretPage> {
        let SecretPurpose::Imported { index, of } = self.purpose else {
            return None;
        };
        if self.then.is_empty() {
            return None;
        }
        let next = self.then.remove(0);
        let mut page = SecretPage::new(
            next.app,
            next.secret,
            issuer,
            SecretPurpose::Imported {
                index: index + 1,
                of,
            },
        );
        page.then = std::mem::take(&mut self.then);
        Some(page)
    }

    /// The secret, for the one page that shows it.
    pub fn secret(&self) -> &str {
        self.secret.expose()
    }

    /// Finish (or Done) is allowed only once "Got it!" is checked.
    pub fn finish(&self) -> Result<(), &'static str> {
        if self.got_it {
            Ok(())
        } else {
            Err(GOT_IT_FIRST)
        }
    }

    pub fn finish_label(&self) -> &'static str {
        match self.purpose {
            SecretPurpose::Created => "Finish",
            SecretPurpose::Rotated { .. } => "Done",
            SecretPurpose::Imported { index, of } if index < of => "Next",
            SecretPurpose::Imported { .. } => "Done",
        }
    }

    fn focus_order(&self) -> Vec<SecretFocus> {
        let mut order = vec![SecretFocus::ClientId, SecretFocus::Secret];
        if self.authorization_url.is_some() {
            order.push(SecretFocus::AuthorizationUrl);
        }
        order.extend([SecretFocus::GotIt, SecretFocus::Finish]);
        order
    }

    fn copy(&self, focus: SecretFocus, ctx: &mut Ctx) {
        let (what, text) = match focus {
            SecretFocus::ClientId => ("client ID", self.app.sid.to_string()),
            SecretFocus::Secret => ("client secret", self.secret().to_owned()),
            SecretFocus::AuthorizationUrl => match &self.authorization_url {
                Some(url) => ("authorization URL", url.clone()),
                None => return,
            },
            SecretFocus::GotIt | SecretFocus::Finish => return,
        };
        ctx.effect(Effect::Copy { what, text });
    }

    /// Presses the item `focus`: copies, ticks, or finishes. `true` when the page is done.
    pub fn activate(&mut self, focus: SecretFocus, ctx: &mut Ctx) -> bool {
        self.focus = focus;
        match focus {
            SecretFocus::GotIt => {
                self.got_it = !self.got_it;
                false
            }
            SecretFocus::Finish => match self.finish() {
                Ok(()) => true,
                Err(why) => {
                    ctx.error(why);
                    false
                }
            },
            copy => {
                self.copy(copy, ctx);
                false
            }
        }
    }

    /// Handles a key; `true` when the page is finished and may close.
    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> bool {
        let order = self.focus_order();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        if keys::is_next_field(key) || keys::is_down(key) {
            self.focus = order[(at + 1).min(order.len() - 1)];
            if keys::is_next_field(key) && at + 1 == order.len() {
                self.focus = order[0];
            }
            return false;
        }
        if keys::is_prev_field(key) || keys::is_up(key) {
            self.focus = order[at.saturating_sub(1)];
            // Shift-Tab wraps round as Tab does; the arrows stop at the ends.
            if keys::is_prev_field(key) && at == 0 {
                self.focus = order[order.len() - 1];
            }
            return false;
        }
        if keys::is_esc(key) {
            match self.finish() {
                Ok(()) => return true,
                Err(_) => {
                    ctx.dialog = Some(Dialog::Confirm(Confirm::new(ConfirmAction::LeaveSecret)));
                    return false;
                }
            }
        }
        if ctx.keys.is(Action::Copy, key) {
            self.copy(self.focus, ctx);
            return false;
        }
        if ctx.keys.is(Action::GotIt, key) {
            self.got_it = !self.got_it;
            // Checked, the next thing to press is Finish (Done).
            self.focus = if self.got_it {
                SecretFocus::Finish
            } else {
                SecretFocus::GotIt
            };
            return false;
        }
        if keys::is_activate(key) {
            return self.activate(self.focus, ctx);
        }
        false
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("↑↓/Tab", "move"),
            hint("Enter", "copy / tick / finish"),
            keys.hint(Action::GotIt),
            hint("Esc", "leave"),
        ]
    }
}
