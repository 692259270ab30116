//! Where the common parts of a frame go, as pure functions of the terminal's size: the header,
//! the body, the status line and the footer, and the pieces every screen lays out with (lines,
//! rows, a row of buttons, a centred box). Each component places its own parts with these, the
//! same way when it draws and when a click is matched against what it drew; nothing here knows a
//! screen.

use ratatui::layout::{Constraint, Layout, Margin, Position, Rect};
use unicode_width::UnicodeWidthStr;

/// The header, the screen's body, the status line and the footer of keys.
pub struct Chrome {
    pub header: Rect,
    pub body: Rect,
    pub status: Rect,
    pub footer: Rect,
}

pub fn chrome(area: Rect) -> Chrome {
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Chrome {
        header,
        body,
        status,
        footer,
    }
}

/// The smallest terminal the console draws in: every screen is laid out to fit 80×24.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Whether `area` is smaller than [`MIN_WIDTH`] × [`MIN_HEIGHT`], where the console says so
/// instead of drawing screens whose fields and buttons would fall outside it.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Inside the body's border.
pub fn body_inner(area: Rect) -> Rect {
    chrome(area).body.inner(Margin::new(1, 1))
}

pub fn rows(area: Rect, from: u16, to_bottom: u16) -> Rect {
    let y = area.y.saturating_add(from).min(area.bottom());
    let height = area.height.saturating_sub(from).saturating_sub(to_bottom);
    Rect::new(area.x, y, area.width, height)
}

pub fn line(area: Rect, at: u16) -> Rect {
    if at < area.height {
        Rect::new(area.x, area.y + at, area.width, 1)
    } else {
        Rect::new(area.x, area.bottom(), area.width, 0)
    }
}

pub fn last_line(area: Rect) -> Rect {
    line(area, area.height.saturating_sub(1))
}

/// Two cells in from the left, where labels start.
pub fn indented(area: Rect) -> Rect {
    let by = 2.min(area.width);
    Rect::new(area.x + by, area.y, area.width - by, area.height)
}

/// Column where field values start, after their labels.
pub const LABEL_WIDTH: u16 = 24;

/// Buttons drawn as "[ label ]", two cells apart, from the left of `area`.
pub fn buttons(area: Rect, labels: &[&str]) -> Vec<Rect> {
    let mut x = area.x;
    let mut placed = Vec::new();
    for label in labels {
        let width = label.width() as u16 + 4;
        let width = width.min(area.right().saturating_sub(x));
        placed.push(Rect::new(x, area.y, width, area.height.min(1)));
        x = x.saturating_add(width + 2).min(area.right());
    }
    placed
}

/// A box of `width` × `height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// Whether `rect` holds the click at `at`.
pub fn hit(rect: Rect, at: Position) -> bool {
    rect.contains(at)
}

/// The button of `buttons` at `at`, counted from the left.
pub fn button_at(buttons: &[Rect], at: Position) -> Option<usize> {
    buttons.iter().position(|b| hit(*b, at))
}

/// The row of `rows` at `at`, counted from the first one drawn.
pub fn row_at(rows: Rect, at: Position) -> Option<usize> {
    hit(rows, at).then(|| usize::from(at.y - rows.y))
}
