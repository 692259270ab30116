//! The first start's password, said in the console: the store was just created with an Owner
//! whose password was generated, and standard error, where commands say it, is behind the
//! console's screen. It is shown once, with Copy; closing the dialog forgets it.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{clicked, draw_dialog};
use crate::model::GeneratedPassword;
use crate::tui::component::{Component, Ctx, DrawCtx, EventState};
use crate::tui::effect::Effect;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};

/// Who the first start made, and the password generated for them.
pub struct FirstStart {
    pub username: String,
    pub password: GeneratedPassword,
}

pub struct FirstStartDialog {
    first: FirstStart,
    /// `[ Copy ]` (0) or `[ Got it ]` (1).
    focused: usize,
}

impl FirstStartDialog {
    const HEIGHT: u16 = 10;
    const BUTTONS: [&'static str; 2] = ["Copy", "Got it"];

    pub fn new(first: FirstStart) -> FirstStartDialog {
        FirstStartDialog { first, focused: 0 }
    }

    fn copy(&self, ctx: &mut Ctx) {
        ctx.effect(Effect::Copy {
            what: "password",
            text: self.first.password.expose().to_owned(),
        });
    }

    fn press(&mut self, button: usize, ctx: &mut Ctx) {
        match button {
            0 => self.copy(ctx),
            _ => ctx.close = true,
        }
    }
}

impl Component for FirstStartDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "First start".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if ctx.keys.is(Action::Copy, key) {
            self.copy(ctx);
        } else if keys::is_esc(key) || ctx.keys.is(Action::GotIt, key) {
            ctx.close = true;
        } else if keys::is_left(key)
            || keys::is_right(key)
            || keys::is_next_field(key)
            || keys::is_prev_field(key)
        {
            self.focused = 1 - self.focused;
        } else if keys::is_activate(key) {
            self.press(self.focused, ctx);
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        if let Some(button) = clicked(ctx.area, Self::HEIGHT, &Self::BUTTONS, at) {
            self.focused = button;
            self.press(button, ctx);
        }
        EventState::Consumed
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        vec![
            keys.hint_as(Action::Copy, "copy the password"),
            hint("Esc", "close (it is not shown again)"),
            hint("←/→", "choose"),
            hint("Enter", "press"),
        ]
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let message = format!(
            "A new store was created. User '{}' (Owner of the account, its subaccount and the organization) signs in with the password:\n\n  {}\n\nIt is shown only now: copy it and keep it somewhere safe.",
            self.first.username,
            self.first.password.expose(),
        );
        draw_dialog(
            area,
            buf,
            &cx.palette,
            "First start",
            Self::HEIGHT,
            &Self::BUTTONS,
            |text, buf| {
                Paragraph::new(message)
                    .wrap(Wrap { trim: false })
                    .render(text, buf);
                Some(self.focused)
            },
        );
    }
}
