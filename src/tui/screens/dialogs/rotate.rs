//! Rotate secret: the grace period the old secret keeps working (whole days or a duration, the
//! model's limit), then the new secret's page.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};

use super::{
    FIELD_HEIGHT, FieldFocus, draw_dialog, field_dialog_click, field_dialog_key, prompt_with_field,
    show_failure,
};
use crate::backend::BackendError;
use crate::model::{AppView, DEFAULT_GRACE_PERIOD, MAX_GRACE_PERIOD, Seconds, Sid};
use crate::tui::component::{Component, Ctx, DrawCtx, EventState, Nav, NewSecret, SecretPurpose};
use crate::tui::effect::{Effect, Msg};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Hint, KeyMap, hint};
use crate::tui::widgets::{Palette, put};

pub struct RotateDialog {
    pub app: Sid,
    pub name: String,
    /// Whole days, or a duration such as `12h`.
    pub grace: TextField,
    pub focus: FieldFocus,
    /// Set while the rotation runs, so that a second Enter does not rotate twice.
    pub busy: bool,
    /// The older of two active secrets, which this rotation ends at once (only two may work).
    pub ends_at_once: Option<String>,
}

impl RotateDialog {
    pub fn new(app: &AppView) -> RotateDialog {
        let days = DEFAULT_GRACE_PERIOD.0 / Seconds::DAY.0;
        RotateDialog {
            app: app.sid.clone(),
            name: app.settings.name.clone(),
            grace: TextField::new("Grace period (days)", None).with_value(&days.to_string()),
            focus: FieldFocus::Field,
            busy: false,
            ends_at_once: app.secret_in_grace().map(|older| older.id.clone()),
        }
    }

    /// The grace period typed: whole days, or a duration (`12h`); the model's rule decides
    /// whether it is allowed.
    pub fn grace_period(&self) -> Result<Seconds, String> {
        let text = self.grace.value().trim();
        let grace = match text.parse::<u32>() {
            Ok(days) => days
                .checked_mul(Seconds::DAY.0)
                .map(Seconds)
                .unwrap_or(Seconds(u32::MAX)),
            Err(_) => text.parse::<Seconds>().map_err(|e| e.to_string())?,
        };
        crate::model::validate_grace_period(grace).map_err(|e| e.message)?;
        Ok(grace)
    }

    fn confirm(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        match self.grace_period() {
            Ok(grace) => {
                self.busy = true;
                ctx.effect(Effect::RotateSecret {
                    app: self.app.clone(),
                    grace,
                });
            }
            Err(message) => {
                self.grace.error = Some(message);
                self.focus = FieldFocus::Field;
            }
        }
    }

    /// The limits, for the line under the field.
    pub fn limits() -> String {
        format!(
            "0 to {MAX_GRACE_PERIOD}; the old secret keeps working this long, 0 ends it at once"
        )
    }
}

impl Component for RotateDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Rotate secret".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        // The grace period is filled in already, so Enter on it would rotate on a second press
        // of the key that opened the dialog, before anyone read it: Enter goes on to the
        // button instead, and the button (or a click) rotates.
        if self.focus == FieldFocus::Field && keys::is_enter(key) {
            self.focus = FieldFocus::Confirm;
            return EventState::Consumed;
        }
        if field_dialog_key(&mut self.focus, &mut self.grace, self.busy, key, ctx) {
            self.confirm(ctx);
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        if field_dialog_click(&ROTATE_BUTTONS, self.busy, at, ctx) {
            self.confirm(ctx);
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.grace.paste(text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        let Msg::SecretRotated(result) = msg else {
            return Some(msg);
        };
        self.busy = false;
        match result {
            Ok(rotated) => {
                ctx.close = true;
                ctx.done(format!(
                    "Rotated the secret of {}. Copy the new one now: it is shown only once",
                    rotated.app.settings.name
                ));
                ctx.go(Nav::Secret(Box::new(NewSecret {
                    app: rotated.app,
                    secret: rotated.secret,
                    purpose: SecretPurpose::Rotated {
                        grace: rotated.grace_period,
                        previous_expires_at: rotated.previous_expires_at,
                    },
                    then: Vec::new(),
                })));
            }
            // The model's refusal of the grace period goes at the field.
            Err(BackendError::Invalid(errors)) => self.grace.error = Some(errors.to_string()),
            Err(error) => show_failure("rotate the secret", &error, ctx),
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        let enter = match self.focus {
            FieldFocus::Field => hint("Enter", "to the buttons"),
            FieldFocus::Confirm => hint("Enter", "rotate"),
            FieldFocus::Cancel => hint("Enter", "cancel"),
        };
        vec![hint("Tab", "next"), enter, hint("Esc", "cancel")]
    }

    fn is_typing(&self) -> bool {
        self.focus == FieldFocus::Field
    }

    fn holds_input(&self) -> bool {
        self.grace.is_changed()
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        draw_dialog(
            area,
            buf,
            palette,
            "Rotate secret",
            FIELD_HEIGHT,
            &ROTATE_BUTTONS,
            |text, buf| rotate_body(self, text, buf, palette),
        );
    }
}

const ROTATE_BUTTONS: [&str; 2] = ["Yes, rotate secret", "Cancel"];

fn rotate_body(
    rotate: &RotateDialog,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> Option<usize> {
    let mut field = rotate.grace.clone();
    let error = field.error.take();
    let message = match &rotate.ends_at_once {
        None => format!(
            "Rotate the client secret of \"{}\"? A new secret is made and shown once. The old one keeps working for the grace period.",
            rotate.name
        ),
        Some(older) => format!(
            "Rotate the client secret of \"{}\"? Two are active: the older, {older}, stops working at once; the current one keeps working for the grace period.",
            rotate.name
        ),
    };
    let focused = rotate.focus == FieldFocus::Field;
    if prompt_with_field(&message, &field, focused, area, buf, palette) {
        let below = Rect::new(area.x, area.y + 5, area.width, 1);
        match error {
            Some(message) => {
                let at = put(buf, below, below.x + 2, "⚠ ", palette.error);
                put(buf, below, at, &message, palette.error);
            }
            None => {
                put(
                    buf,
                    below,
                    below.x + 2,
                    &RotateDialog::limits(),
                    palette.dim,
                );
            }
        }
    }
    rotate.focus.button()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotate_with(text: &str) -> Result<Seconds, String> {
        let mut dialog = RotateDialog {
            app: Sid::new(crate::model::SidKind::OAuthApp, [0; 16]),
            name: "demo".into(),
            grace: TextField::new("Grace period (days)", None),
            focus: FieldFocus::Field,
            busy: false,
            ends_at_once: None,
        };
        dialog.grace.paste(text);
        dialog.grace_period()
    }

    #[test]
    fn grace_periods_are_days_or_durations_within_the_models_limit() {
        assert_eq!(rotate_with("1"), Ok(Seconds::DAY));
        assert_eq!(rotate_with("0"), Ok(Seconds(0)));
        assert_eq!(rotate_with("12h"), Ok(Seconds(43_200)));
        assert!(
            rotate_with("31")
                .unwrap_err()
                .contains("between 0 and 30 days")
        );
        assert!(
            rotate_with("4294967295")
                .unwrap_err()
                .contains("between 0 and 30 days")
        );
        assert!(
            rotate_with("soon")
                .unwrap_err()
                .contains("like 90s, 15m, 1h or 30d")
        );
    }
}
