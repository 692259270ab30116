//! Dialogs, each a component over the screen that takes every key while it is open: a yes/no
//! confirmation carrying the action it confirms (gitui's confirm popup), Rotate secret with its
//! grace period, Delete asking for the app's name, the file of an export or import, an import's
//! plan to confirm, signing in again when a server's session ended, and the first start's
//! password. Each takes its backend call's answer itself, and stays open while the call runs, so
//! that the answer finds it. Each dialog is a file here; this one holds the box, the button row
//! and its hit-test they share.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Margin, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::sign_in::cycle;
use crate::backend::BackendError;
use crate::tui::component::{Ctx, describe_failure};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Action, Hint, KeyMap};
use crate::tui::layout::{self, button_at, centered, last_line};
use crate::tui::widgets::{self, Palette};

/// A dialog's box in the middle of the terminal, its text area, and its row of buttons.
struct DialogLayout {
    outer: Rect,
    inner: Rect,
    buttons: Vec<Rect>,
}

fn dialog_layout(area: Rect, height: u16, labels: &[&str]) -> DialogLayout {
    let outer = centered(area, 84, height);
    let inner = outer.inner(Margin::new(2, 1));
    let buttons = layout::buttons(last_line(inner), labels);
    DialogLayout {
        outer,
        inner,
        buttons,
    }
}

/// Draws a dialog's box titled `title`, its body by `body` (which answers the focused button),
/// and its buttons.
fn draw_dialog(
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
    title: &str,
    height: u16,
    labels: &[&str],
    body: impl FnOnce(Rect, &mut Buffer) -> Option<usize>,
) {
    let placed = dialog_layout(area, height, labels);
    Clear.render(placed.outer, buf);
    Block::default()
        .borders(Borders::ALL)
        .border_style(palette.accent)
        .title(Line::styled(format!(" {title} "), palette.title))
        .render(placed.outer, buf);
    let text_area = Rect::new(
        placed.inner.x,
        placed.inner.y,
        placed.inner.width,
        placed.inner.height.saturating_sub(2),
    );
    let focused = body(text_area, buf);
    widgets::buttons(
        buf,
        Rect::new(
            placed.inner.x,
            placed.inner.bottom().saturating_sub(1),
            placed.inner.width,
            1,
        ),
        labels,
        focused,
        palette,
    );
}

/// The button of a dialog `height` rows tall with `labels` at `at`.
fn clicked(area: Rect, height: u16, labels: &[&str], at: Position) -> Option<usize> {
    button_at(&dialog_layout(area, height, labels).buttons, at)
}

/// Closes the dialog unless its call is still running: then its answer has to find it.
fn close_unless_busy(busy: bool, ctx: &mut Ctx) {
    if busy {
        ctx.info("Waiting for the answer; the dialog closes once it has come");
    } else {
        ctx.close = true;
    }
}

/// Where the focus is in a dialog of one text field and two buttons, the first of which
/// confirms: Rotate secret, Delete, and the file of an export or import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldFocus {
    Field,
    Confirm,
    Cancel,
}

impl FieldFocus {
    /// The focused button's place in the dialog's row, for drawing; `None` on the field.
    fn button(self) -> Option<usize> {
        match self {
            FieldFocus::Field => None,
            FieldFocus::Confirm => Some(0),
            FieldFocus::Cancel => Some(1),
        }
    }

    /// Tab and Shift-Tab cycle through the field and the buttons, ←/→ swap the buttons. `true`
    /// when the key moved the focus.
    fn moved_by(&mut self, key: &KeyEvent) -> bool {
        use FieldFocus::*;
        if let Some(next) = cycle(&[Field, Confirm, Cancel], *self, key) {
            *self = next;
            return true;
        }
        if *self != Field && (keys::is_left(key) || keys::is_right(key)) {
            *self = if *self == Confirm { Cancel } else { Confirm };
            return true;
        }
        false
    }
}

/// A key in a dialog of one field and two buttons: Esc and Cancel close it (unless its answer
/// is awaited), Enter on the field or the first button confirms, Tab and the arrows move the
/// focus, and any other key on the field edits it. `true` when the dialog is to confirm.
fn field_dialog_key(
    focus: &mut FieldFocus,
    field: &mut TextField,
    busy: bool,
    key: &KeyEvent,
    ctx: &mut Ctx,
) -> bool {
    if keys::is_esc(key) {
        close_unless_busy(busy, ctx);
        return false;
    }
    if focus.moved_by(key) {
        return false;
    }
    match focus {
        FieldFocus::Field if keys::is_enter(key) => true,
        FieldFocus::Field => {
            field.handle_key(key);
            false
        }
        FieldFocus::Confirm => keys::is_activate(key),
        FieldFocus::Cancel => {
            if keys::is_activate(key) {
                close_unless_busy(busy, ctx);
            }
            false
        }
    }
}

/// A click in a dialog of one field and two buttons labelled `labels`: the first confirms, the
/// second closes it (unless its answer is awaited). `true` when the dialog is to confirm.
fn field_dialog_click(labels: &[&str], busy: bool, at: Position, ctx: &mut Ctx) -> bool {
    match clicked(ctx.area, FIELD_HEIGHT, labels, at) {
        Some(0) => true,
        Some(_) => {
            close_unless_busy(busy, ctx);
            false
        }
        None => false,
    }
}

mod confirm;
mod delete;
mod file;
mod first_start;
mod import_plan;
mod rotate;
mod sign_in_again;

pub use confirm::Confirm;
pub use delete::DeleteDialog;
pub use file::{DEFAULT_APPS_FILE, FileAction, FileDialog};
pub use first_start::{FirstStart, FirstStartDialog};
pub use import_plan::ImportPlanDialog;
pub use rotate::RotateDialog;
pub use sign_in_again::SignInDialog;

/// The dialogs with a text field: the question, the field, a line under it, the buttons.
const FIELD_HEIGHT: u16 = 10;

/// `n/Esc` (with `n` as bound): what says no.
fn no_hint(keys: &KeyMap, does: &'static str) -> Hint {
    Hint {
        keys: format!("{}/Esc", keys.label(Action::No)).into(),
        does,
        action: Some(Action::No),
    }
}

/// A failed call while a dialog is open: on the status line, and the dialog closes if the app is
/// gone.
fn show_failure(doing: &str, error: &BackendError, ctx: &mut Ctx) {
    if matches!(error, BackendError::NotFound { .. }) {
        ctx.close = true;
    }
    ctx.error(describe_failure(doing, error));
}

/// A dialog's question, wrapped over three lines, with its one field below when there is room
/// for it; `true` when the field was drawn.
fn prompt_with_field(
    message: &str,
    field: &TextField,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> bool {
    Paragraph::new(message).wrap(Wrap { trim: true }).render(
        Rect::new(area.x, area.y, area.width, 3.min(area.height)),
        buf,
    );
    if area.height <= 5 {
        return false;
    }
    let field_area = Rect::new(area.x, area.y + 4, area.width, 2);
    widgets::text_field(buf, field_area, field, focused, palette);
    true
}
