//! The file an export writes or an import reads, with the import's plan coming next.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};

use super::{
    FIELD_HEIGHT, FieldFocus, ImportPlanDialog, draw_dialog, field_dialog_click, field_dialog_key,
    prompt_with_field,
};
use crate::backend::BackendError;
use crate::model::Sid;
use crate::tui::component::{Component, Ctx, DrawCtx, EventState};
use crate::tui::effect::{Effect, FileFailure, Msg};
use crate::tui::fields::TextField;
use crate::tui::keys::{Hint, KeyMap, hint};
use crate::tui::widgets::{Palette, put};

/// The file an export or an import starts with: in the directory the console was started in.
pub const DEFAULT_APPS_FILE: &str = "oauth-apps.yaml";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    /// The definitions of this owner's apps.
    Export(Sid),
    Import,
}

pub struct FileDialog {
    pub action: FileAction,
    pub path: TextField,
    pub focus: FieldFocus,
    pub busy: bool,
}

impl FileDialog {
    pub fn new(action: FileAction) -> FileDialog {
        FileDialog {
            action,
            path: TextField::new("File", None).with_value(DEFAULT_APPS_FILE),
            focus: FieldFocus::Field,
            busy: false,
        }
    }

    fn confirm(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        let path = self.path.value().trim().to_owned();
        if path.is_empty() {
            self.path.error =
                Some("type a file name: .yaml or .yml for YAML, anything else for JSON".to_owned());
            self.focus = FieldFocus::Field;
            return;
        }
        self.busy = true;
        ctx.effect(match &self.action {
            FileAction::Export(owner) => Effect::ExportApps {
                owner: owner.clone(),
                path,
            },
            FileAction::Import => Effect::PlanImport { path },
        });
    }
}

impl FileDialog {
    fn labels(&self) -> [&'static str; 2] {
        match self.action {
            FileAction::Export(_) => ["Export", "Cancel"],
            FileAction::Import => ["Review import", "Cancel"],
        }
    }

    /// An export or import that failed: a file problem at the field, entries that break a rule
    /// or a backend's refusal on the status line.
    fn failed(&mut self, doing: &str, failure: FileFailure, ctx: &mut Ctx) {
        match failure {
            FileFailure::File(why) => self.path.error = Some(why),
            // Entries that break a rule: the file is the person's to correct, not a form.
            FileFailure::Backend(BackendError::Invalid(errors)) => ctx.error(format!(
                "Nothing was imported: {errors}; correct {} and import it again",
                self.path.value().trim()
            )),
            FileFailure::Backend(error) => ctx.failed(&format!("{doing} the apps"), &error),
        }
    }
}

impl Component for FileDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        match self.action {
            FileAction::Export(_) => "Export apps",
            FileAction::Import => "Import apps",
        }
        .to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if field_dialog_key(&mut self.focus, &mut self.path, self.busy, key, ctx) {
            self.confirm(ctx);
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        if field_dialog_click(&self.labels(), self.busy, at, ctx) {
            self.confirm(ctx);
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.path.paste(text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::AppsExported(result) => {
                self.busy = false;
                match result {
                    Ok(exported) => {
                        ctx.close = true;
                        ctx.done(format!(
                            "Exported {} of {} to {} (no secrets)",
                            plural(exported.apps, "app"),
                            ctx.session.owner().map_or("", |o| o.owner.name.as_str()),
                            exported.path
                        ));
                    }
                    Err(failure) => self.failed("export", failure, ctx),
                }
            }
            Msg::ImportPlanned(result) => {
                self.busy = false;
                match result {
                    Ok(planned) if !planned.plan.changes_anything() => {
                        ctx.close = true;
                        ctx.info(format!(
                            "Nothing to import: the apps already match {} ({} unchanged)",
                            planned.path,
                            plural(planned.plan.items.len(), "app")
                        ));
                    }
                    Ok(planned) => {
                        ctx.close = true;
                        ctx.open(ImportPlanDialog::new(
                            planned.path,
                            planned.definitions,
                            &planned.plan,
                        ));
                    }
                    Err(failure) => self.failed("import", failure, ctx),
                }
            }
            other => return Some(other),
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("type", "the file"),
            hint(
                "Enter",
                match self.action {
                    FileAction::Export(_) => "export",
                    FileAction::Import => "review",
                },
            ),
            hint("Tab", "next"),
            hint("Esc", "cancel"),
        ]
    }

    fn is_typing(&self) -> bool {
        self.focus == FieldFocus::Field
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        let title = self.title(cx);
        draw_dialog(
            area,
            buf,
            palette,
            &title,
            FIELD_HEIGHT,
            &self.labels(),
            |text, buf| file_body(self, text, buf, palette),
        );
    }
}

fn plural(count: usize, what: &str) -> String {
    if count == 1 {
        format!("1 {what}")
    } else {
        format!("{count} {what}s")
    }
}

fn file_body(file: &FileDialog, area: Rect, buf: &mut Buffer, palette: &Palette) -> Option<usize> {
    let mut field = file.path.clone();
    let error = field.error.take();
    let message = match file.action {
        FileAction::Export(_) => {
            "Export the definitions of this owner's apps (no secrets) to a file, to keep or to import elsewhere."
        }
        FileAction::Import => {
            "Import apps from a file written by export. You see what would change before anything does."
        }
    };
    let focused = file.focus == FieldFocus::Field;
    if prompt_with_field(message, &field, focused, area, buf, palette) {
        let below = Rect::new(area.x, area.y + 5, area.width, 1);
        match error {
            Some(message) => {
                let at = put(buf, below, below.x + 2, "⚠ ", palette.error);
                put(buf, below, at, &message, palette.error);
            }
            None => {
                let note =
                    "YAML if it ends .yaml or .yml, else JSON; from where the console started";
                put(buf, below, below.x + 2, note, palette.dim);
            }
        }
    }
    file.focus.button()
}
