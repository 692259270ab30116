//! A yes/no question carrying the action it confirms (gitui's confirm popup): quitting with
//! unsaved input, leaving a secret unconfirmed, discarding the wizard, revoking an authorization,
//! ending a secret's grace period.
//! "No" is focused first, so that a stray Enter loses nothing.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{clicked, draw_dialog, no_hint};
use crate::model::{AppView, Authorization, SecretView};
use crate::tui::component::{Component, ConfirmAction, Ctx, DrawCtx, EventState};
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::zone::Zone;

pub struct Confirm {
    pub title: &'static str,
    pub message: String,
    pub yes: &'static str,
    pub no: &'static str,
    pub action: ConfirmAction,
    /// "No" is focused first, so that a stray Enter loses nothing.
    pub yes_focused: bool,
}

impl Confirm {
    pub fn new(action: ConfirmAction) -> Confirm {
        let (title, message, yes, no) = match &action {
            ConfirmAction::Quit => (
                "Quit?",
                "A form holds input that is not saved, or a secret you have not confirmed copying. Quit and lose it?",
                "Quit",
                "Stay",
            ),
            ConfirmAction::LeaveSecret => (
                "Leave without the secret?",
                "You have not checked \"Got it!\". The client secret is never shown again: if you have not copied it, you will have to rotate it. Leave anyway?",
                "Leave",
                "Stay",
            ),
            ConfirmAction::DiscardWizard => (
                "Discard this app?",
                "The app is not created yet. Close the wizard and discard what you typed?",
                "Discard",
                "Keep editing",
            ),
            ConfirmAction::DiscardEdit => (
                "Discard your changes?",
                "Your changes to this app are not saved. Stop editing and discard them?",
                "Discard",
                "Keep editing",
            ),
            ConfirmAction::RevokeAuthorization(_) => (
                "Revoke access?",
                "Revoke this authorization? Its refresh and access tokens stop working at once.",
                "Revoke",
                "Cancel",
            ),
            ConfirmAction::EndGrace { .. } => (
                "End grace now?",
                "End the grace period of the older secret now? It stops working at once.",
                "End grace now",
                "Cancel",
            ),
        };
        Confirm {
            title,
            message: message.to_owned(),
            yes,
            no,
            action,
            yes_focused: false,
        }
    }

    /// Asks before ending the grace period of `app`'s older secret, naming both secrets.
    pub fn end_grace(app: &AppView, older: &SecretView, zone: &Zone) -> Confirm {
        let current = app.secrets.last().map_or("", |secret| secret.id.as_str());
        let until = older
            .expires_at
            .map_or("no expiry".to_owned(), |end| zone.minute(end));
        Confirm {
            message: format!(
                "End the grace period of secret {} of \"{}\" now (it would work until {until})? Clients still using it are refused at once; secret {current} keeps working and no new secret is made.",
                older.id, app.settings.name,
            ),
            ..Confirm::new(ConfirmAction::EndGrace {
                app: app.sid.clone(),
                version: app.version,
            })
        }
    }

    /// Asks before revoking `authorization`, naming the app and who authorized it.
    pub fn revoke(authorization: &Authorization, zone: &Zone) -> Confirm {
        Confirm {
            message: format!(
                "Revoke the access {} gave to \"{}\" on {}? Its refresh and access tokens stop working at once; the app must ask {} to approve again.",
                authorization.user.username,
                authorization.app_name,
                zone.minute(authorization.created_at),
                authorization.user.username,
            ),
            ..Confirm::new(ConfirmAction::RevokeAuthorization(
                authorization.sid.clone(),
            ))
        }
    }
}

impl Component for Confirm {
    fn title(&self, _cx: &DrawCtx) -> String {
        self.title.to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if ctx.keys.is(Action::Yes, key) {
            self.answer_yes(ctx);
        } else if ctx.keys.is(Action::No, key) || keys::is_esc(key) {
            ctx.close = true;
        } else if keys::is_left(key)
            || keys::is_right(key)
            || keys::is_next_field(key)
            || keys::is_prev_field(key)
        {
            self.yes_focused = !self.yes_focused;
        } else if keys::is_activate(key) {
            if self.yes_focused {
                self.answer_yes(ctx);
            } else {
                ctx.close = true;
            }
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match clicked(ctx.area, Self::HEIGHT, &[self.yes, self.no], at) {
            Some(0) => self.answer_yes(ctx),
            Some(_) => ctx.close = true,
            None => {}
        }
        EventState::Consumed
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        vec![
            keys.hint(Action::Yes),
            no_hint(keys, "no"),
            hint("←/→", "choose"),
            hint("Enter", "press"),
        ]
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let title = self.title;
        draw_dialog(
            area,
            buf,
            &cx.palette,
            title,
            Self::HEIGHT,
            &[self.yes, self.no],
            |text, buf| {
                Paragraph::new(self.message.as_str())
                    .wrap(Wrap { trim: true })
                    .render(text, buf);
                Some(if self.yes_focused { 0 } else { 1 })
            },
        );
    }
}

impl Confirm {
    const HEIGHT: u16 = 8;

    fn answer_yes(&self, ctx: &mut Ctx) {
        ctx.close = true;
        ctx.confirmed = Some(self.action.clone());
    }
}
