//! Delete an app, after its name is typed exactly.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};

use super::{
    FIELD_HEIGHT, FieldFocus, draw_dialog, field_dialog_click, field_dialog_key, prompt_with_field,
    show_failure,
};
use crate::model::{AppView, Sid};
use crate::tui::component::{Component, Ctx, DrawCtx, EventState, Nav};
use crate::tui::effect::{Effect, Msg};
use crate::tui::fields::TextField;
use crate::tui::keys::{Hint, KeyMap, hint};
use crate::tui::widgets::Palette;

const DELETE_BUTTONS: [&str; 2] = ["Delete", "Cancel"];

pub struct DeleteDialog {
    pub app: Sid,
    pub name: String,
    pub version: u64,
    pub typed: TextField,
    pub focus: FieldFocus,
    pub busy: bool,
}

impl DeleteDialog {
    pub fn new(app: &AppView) -> DeleteDialog {
        DeleteDialog {
            app: app.sid.clone(),
            name: app.settings.name.clone(),
            version: app.version,
            typed: TextField::new("App name", None),
            focus: FieldFocus::Field,
            busy: false,
        }
    }

    fn confirm(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        if self.typed.value().trim() != self.name {
            self.typed.error = Some(format!(
                "type the app's name exactly as shown, \"{}\", to delete it",
                self.name
            ));
            self.focus = FieldFocus::Field;
            return;
        }
        self.busy = true;
        ctx.effect(Effect::DeleteApp {
            app: self.app.clone(),
            version: self.version,
        });
    }
}

impl Component for DeleteDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Delete OAuth app".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if field_dialog_key(&mut self.focus, &mut self.typed, self.busy, key, ctx) {
            self.confirm(ctx);
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        if field_dialog_click(&DELETE_BUTTONS, self.busy, at, ctx) {
            self.confirm(ctx);
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.typed.paste(text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        let Msg::AppDeleted(result) = msg else {
            return Some(msg);
        };
        self.busy = false;
        match result {
            Ok(app) => {
                ctx.close = true;
                ctx.done(format!(
                    "Deleted {} ({}); its secrets and tokens stopped working",
                    app.settings.name, app.sid
                ));
                ctx.go(Nav::apps());
            }
            Err(error) => show_failure("delete the app", &error, ctx),
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("type", "the app's name"),
            hint("Enter", "delete"),
            hint("Esc", "cancel"),
        ]
    }

    fn is_typing(&self) -> bool {
        self.focus == FieldFocus::Field
    }

    fn holds_input(&self) -> bool {
        self.typed.is_changed()
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        draw_dialog(
            area,
            buf,
            palette,
            "Delete OAuth app",
            FIELD_HEIGHT,
            &DELETE_BUTTONS,
            |text, buf| delete_body(self, text, buf, palette),
        );
    }
}

fn delete_body(
    delete: &DeleteDialog,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> Option<usize> {
    let message = format!(
        "Delete \"{}\"? Its secrets and every token issued to it stop working at once. This cannot be undone. Type the app's name to confirm.",
        delete.name
    );
    let focused = delete.focus == FieldFocus::Field;
    prompt_with_field(&message, &delete.typed, focused, area, buf, palette);
    delete.focus.button()
}
