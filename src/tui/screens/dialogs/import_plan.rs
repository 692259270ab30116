//! What an import would do, line by line, to confirm before it does it.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::UnicodeWidthStr;

use super::{clicked, close_unless_busy, draw_dialog, no_hint};
use crate::backend::BackendError;
use crate::model::{AppDefinitions, ImportAction, ImportOutcome};
use crate::tui::component::{Component, Ctx, DrawCtx, EventState, Nav, NewSecret};
use crate::tui::effect::{Effect, FileFailure, Msg};
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::widgets::{Palette, put};

/// What an import would do, line by line, before it does it.
pub struct ImportPlanDialog {
    pub path: String,
    pub definitions: AppDefinitions,
    pub lines: Vec<String>,
    pub summary: String,
    /// The first line shown, when the plan is longer than the dialog.
    pub offset: usize,
    /// "Cancel" is focused first, so that a stray Enter changes nothing.
    pub yes_focused: bool,
    pub busy: bool,
}

impl ImportPlanDialog {
    pub fn new(path: String, definitions: AppDefinitions, plan: &ImportOutcome) -> Self {
        let mut lines = Vec::new();
        for item in &plan.items {
            let action = match &item.action {
                ImportAction::Create => "create",
                ImportAction::Update(_) => "update",
                ImportAction::Unchanged => "unchanged",
                ImportAction::Delete => "delete",
                ImportAction::Kept => "keep",
            };
            lines.push(format!("{action:<10} {}  {}", item.client_id, item.name));
            if let ImportAction::Update(changes) = &item.action {
                for change in changes {
                    let shown = |value: &str| {
                        if value.is_empty() {
                            "(not set)".to_owned()
                        } else {
                            format!("{value:?}")
                        }
                    };
                    lines.push(format!(
                        "           {}: {} -> {}",
                        change.field,
                        shown(&change.before),
                        shown(&change.after)
                    ));
                }
            }
        }
        let count = |wanted: fn(&ImportAction) -> bool| plan.count(wanted);
        let mut summary = format!(
            "{} to create, {} to update, {} unchanged.",
            count(|a| matches!(a, ImportAction::Create)),
            count(|a| matches!(a, ImportAction::Update(_))),
            count(|a| matches!(a, ImportAction::Unchanged)),
        );
        let kept = count(|a| matches!(a, ImportAction::Kept));
        if kept > 0 {
            summary.push_str(&format!(" {kept} not in the file stay as they are."));
        }
        ImportPlanDialog {
            path,
            definitions,
            lines,
            summary,
            offset: 0,
            yes_focused: false,
            busy: false,
        }
    }

    /// The plan's lines a dialog this many rows tall shows at most.
    pub const ROWS: usize = 12;

    fn confirm(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        self.busy = true;
        ctx.effect(Effect::ApplyImport {
            path: self.path.clone(),
            definitions: self.definitions.clone(),
        });
    }
}

impl ImportPlanDialog {
    const BUTTONS: [&str; 2] = ["Import", "Cancel"];

    fn height(&self) -> u16 {
        // The summary, a blank line, the plan's lines (scrolled past a dozen), the buttons.
        self.lines.len().min(ImportPlanDialog::ROWS) as u16 + 6
    }
}

impl Component for ImportPlanDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Import apps: the plan".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        let last = self.lines.len().saturating_sub(ImportPlanDialog::ROWS);
        if keys::is_esc(key) || ctx.keys.is(Action::No, key) {
            close_unless_busy(self.busy, ctx);
        } else if ctx.keys.is(Action::Yes, key) {
            self.confirm(ctx);
        } else if keys::is_up(key) {
            self.offset = self.offset.saturating_sub(1);
        } else if keys::is_down(key) {
            self.offset = (self.offset + 1).min(last);
        } else if keys::is_left(key)
            || keys::is_right(key)
            || keys::is_next_field(key)
            || keys::is_prev_field(key)
        {
            self.yes_focused = !self.yes_focused;
        } else if keys::is_activate(key) {
            if self.yes_focused {
                self.confirm(ctx);
            } else {
                close_unless_busy(self.busy, ctx);
            }
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match clicked(ctx.area, self.height(), &Self::BUTTONS, at) {
            Some(0) => self.confirm(ctx),
            Some(_) => close_unless_busy(self.busy, ctx),
            None => {}
        }
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        let Msg::AppsImported(result) = msg else {
            return Some(msg);
        };
        self.busy = false;
        match result {
            Ok(imported) => {
                ctx.close = true;
                let count = |wanted: fn(&ImportAction) -> bool| imported.outcome.count(wanted);
                let said = format!(
                    "Imported {}: {} created, {} updated, {} unchanged",
                    imported.path,
                    count(|a| matches!(a, ImportAction::Create)),
                    count(|a| matches!(a, ImportAction::Update(_))),
                    count(|a| matches!(a, ImportAction::Unchanged)),
                );
                if imported.unshown.is_empty() {
                    ctx.done(said);
                } else {
                    let ids: Vec<String> =
                        imported.unshown.iter().map(ToString::to_string).collect();
                    ctx.error(format!(
                        "{said}; the secrets of {} could not be shown: rotate them",
                        ids.join(", ")
                    ));
                }
                match NewSecret::imported(imported.created) {
                    Some(first) => ctx.go(Nav::Secret(Box::new(first))),
                    None => ctx.go(Nav::apps()),
                }
            }
            Err(FileFailure::File(why)) => ctx.error(format!("Could not import: {why}")),
            Err(FileFailure::Backend(BackendError::Invalid(errors))) => ctx.error(format!(
                "Nothing was imported: {errors}; correct the file and import it again"
            )),
            Err(FileFailure::Backend(error)) => {
                ctx.close = true;
                ctx.failed("import the apps", &error);
            }
        }
        None
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("↑↓", "scroll"),
            keys.hint_as(Action::Yes, "import"),
            no_hint(keys, "cancel"),
            hint("←/→", "choose"),
            hint("Enter", "press"),
        ]
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        draw_dialog(
            area,
            buf,
            palette,
            "Import apps: the plan",
            self.height(),
            &Self::BUTTONS,
            |text, buf| import_plan_body(self, text, buf, palette),
        );
    }
}

fn import_plan_body(
    plan: &ImportPlanDialog,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> Option<usize> {
    let header = Rect::new(area.x, area.y, area.width, 2.min(area.height));
    Paragraph::new(format!("{}: {}", plan.path, plan.summary))
        .wrap(Wrap { trim: true })
        .style(palette.title)
        .render(header, buf);
    let rows = area.height.saturating_sub(2) as usize;
    for (index, line) in plan.lines.iter().skip(plan.offset).take(rows).enumerate() {
        let row = Rect::new(area.x, area.y + 2 + index as u16, area.width, 1);
        let style = if line.starts_with(' ') || line.starts_with("unchanged") {
            palette.dim
        } else {
            palette.accent
        };
        put(buf, row, row.x, line, style);
    }
    if plan.lines.len() > plan.offset + rows {
        let more = format!("… {} more (↓)", plan.lines.len() - plan.offset - rows);
        let row = Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1);
        put(
            buf,
            row,
            row.right().saturating_sub(more.width() as u16),
            &more,
            palette.dim,
        );
    }
    Some(if plan.yes_focused { 0 } else { 1 })
}
