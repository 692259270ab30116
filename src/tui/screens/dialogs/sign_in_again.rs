//! Signing in again when a server's session ended, over whatever is on screen.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};

use super::{FIELD_HEIGHT, clicked, draw_dialog, prompt_with_field};
use crate::tui::component::{Component, Ctx, DrawCtx, EventState};
use crate::tui::effect::Msg;
use crate::tui::keys::{Hint, KeyMap};
use crate::tui::screens::sign_in::{SignInFocus, SignInForm, SignInOutcome};
use crate::tui::widgets::{Palette, failure};

/// A server's session ended (it lasts an hour, or was signed out): the password, to carry on.
/// It opens over whatever is on screen, dialogs included, which stay as they were beneath it.
pub struct SignInDialog {
    pub form: SignInForm,
}

impl SignInDialog {
    pub fn new(username: &str) -> SignInDialog {
        SignInDialog {
            form: SignInForm::again(username),
        }
    }

    const BUTTONS: [&str; 2] = ["Sign in", "Not now"];

    fn height(&self) -> u16 {
        // Two lines more to say why signing in failed (a server that does not answer, say).
        if self.form.error.is_some() {
            12
        } else {
            FIELD_HEIGHT
        }
    }
}

impl Component for SignInDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Sign in again".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if self.form.handle_key(key, ctx) == SignInOutcome::Cancel {
            ctx.close = true;
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        if let Some(index) = clicked(ctx.area, self.height(), &Self::BUTTONS, at)
            && self.form.click_button(index, ctx) == SignInOutcome::Cancel
        {
            ctx.close = true;
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.form.paste(text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        let Msg::SignedIn(result) = msg else {
            return Some(msg);
        };
        if self.form.on_answer(result) {
            ctx.done(format!(
                "Signed in again as {}. Nothing you typed was lost: do again what failed",
                self.form.username()
            ));
            ctx.close = true;
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        self.form.hints("not now")
    }

    fn is_typing(&self) -> bool {
        self.form.is_typing()
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        draw_dialog(
            area,
            buf,
            palette,
            "Sign in again",
            self.height(),
            &Self::BUTTONS,
            |text, buf| sign_in_body(self, text, buf, palette),
        );
    }
}

fn sign_in_body(
    sign_in: &SignInDialog,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> Option<usize> {
    let form = &sign_in.form;
    let message = format!(
        "Your session on the server has ended. Type the password of {} to carry on: what you typed stays as it is.",
        form.username()
    );
    let focused = form.focus == SignInFocus::Password;
    prompt_with_field(&message, &form.password, focused, area, buf, palette);
    if let Some(error) = &form.error
        && area.height > 7
    {
        failure(
            error,
            Rect::new(area.x, area.y + 6, area.width, 2),
            buf,
            palette,
        );
    }
    form.focused_button()
}
