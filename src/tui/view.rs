//! Drawing: a function of the model alone (`impl Widget for &State`), and a dispatcher. It draws
//! the console's chrome (header, the body's border with the screen's title, the status line, the
//! footer of keys, the help overlay) and asks the screen, then any dialog, to draw themselves. No
//! I/O and no slow work: lists draw only the rows in view, so a frame costs the same with ten apps
//! or 100,000.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use super::component::{Component, DrawCtx};
use super::keys::{Action, Hint, hint};
use super::layout;
use super::state::{State, StatusKind};
use super::widgets::{self, Palette, put};
use crate::model::OwnerAccess;

impl Widget for &State {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let cx = DrawCtx {
            palette: Palette::of(self.theme),
            session: &self.session,
            keys: &self.keys,
        };
        let palette = &cx.palette;
        if layout::too_small(area) {
            too_small(self, area, buf, palette);
            return;
        }
        let chrome = layout::chrome(area);
        header(self, chrome.header, buf, palette);
        let screen = self.screen.component();
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(screen.title(&cx), palette.title))
            .render(chrome.body, buf);
        screen.draw(area, buf, &cx);
        status(self, chrome.status, buf, palette);
        match &self.command_line {
            Some(line) => line.draw(area, buf, &cx),
            None => footer(self, chrome.footer, buf, palette),
        }
        if let Some(dialog) = &self.dialog {
            dialog.draw(area, buf, &cx);
        }
        if let Some(sign_in) = &self.sign_in {
            sign_in.draw(area, buf, &cx);
        }
        if self.help {
            help(self, area, buf, palette);
        }
        if self.session.present {
            super::presenter::mask_sids(area, buf);
        }
    }
}

/// What a terminal below the smallest size shows: its size, the size needed, and the way out.
fn too_small(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let text = format!(
        "The terminal is {}×{}: the console needs at least {}×{}. Make the window bigger (or \
         the font smaller), or press {} to quit.",
        area.width,
        area.height,
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT,
        state.keys.label(Action::Quit)
    );
    let width = area.width.min(60);
    let lines = widgets::wrap_words(&text, usize::from(width), usize::from(area.height));
    let placed = layout::centered(area, width, lines.len() as u16);
    for (i, line) in lines.iter().enumerate() {
        let row = Rect::new(placed.x, placed.y + i as u16, placed.width, 1);
        put(buf, row, row.x, line, palette.error);
    }
}

/// The keys of what has the focus now, then the console's own: the footer.
pub fn hints(state: &State) -> Vec<Hint> {
    if state.help {
        return vec![hint("any key", "close help")];
    }
    if state.sign_in.is_some() || state.dialog.is_some() || state.command_line.is_some() {
        return bound(state.top().hints(&state.keys), state);
    }
    let screen = state.screen.component();
    let mut hints = bound(screen.hints(&state.keys), state);
    // Before signing in there are no owners to switch and no help beyond the form's keys.
    if screen.takes_global_keys() && !screen.is_typing() {
        hints.extend([
            state.keys.hint(Action::SwitchOwner),
            state.keys.hint(Action::Help),
            state.keys.hint(Action::Quit),
        ]);
    }
    hints
}

fn header(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let serving = state
        .session
        .serving
        .as_ref()
        .map(|url| format!(" serving {url} "));
    let serving_width = serving.as_ref().map_or(0, |s| s.width() as u16);
    let area = Rect::new(
        area.x,
        area.y,
        area.width.saturating_sub(serving_width),
        area.height,
    );
    if let Some(text) = &serving {
        let whole = Rect::new(area.x, area.y, area.width + serving_width, area.height);
        put(buf, whole, area.right(), text, palette.done);
    }
    let user = state.session.user.as_ref().map(|user| {
        let role = state
            .session
            .owner()
            .map_or("no role", |access| access.role.name());
        format!("{} · {role}", user.username)
    });
    let refused = state.session.owner().is_some() && !state.session.may_manage();
    let refusal = " · may not manage OAuth apps";
    let read_only = state.session.read_only().then_some(READ_ONLY);
    // What the title, the separators, the user, a refusal and the READ-ONLY mark leave for the
    // breadcrumb.
    let beside = 15
        + 2
        + read_only.map_or(0, |marker| marker.width())
        + user.as_ref().map_or(0, |u| u.width() + 2)
        + if refused { refusal.width() } else { 0 };
    let room = usize::from(area.width).saturating_sub(beside);
    let crumbs = state.screen.component().crumbs();
    let shown_owner = state
        .session
        .owner()
        .map(|access| breadcrumb(access, &crumbs, room));
    let mut at = put(buf, area, area.x, " oauth-console ", palette.title);
    if let Some(marker) = read_only {
        at = put(buf, area, at, marker, palette.read_only);
    }
    if let Some(text) = &shown_owner {
        at = put(buf, area, at, "│ ", palette.dim);
        at = put(buf, area, at, text, palette.accent);
    }
    if let Some(text) = &user {
        at = put(buf, area, at, "│ ", palette.dim);
        at = put(buf, area, at, text, Style::default());
        if refused {
            put(buf, area, at, refusal, palette.error);
        }
    }
}

/// The header's mark of a console that changes nothing (`--read-only`, or a read-only user).
const READ_ONLY: &str = " READ-ONLY ";

/// The narrowest an app's name is shortened to in the breadcrumb before the whole is cut.
const SHORTEST_CRUMB: usize = 6;

/// The owner and where the screen is below it, in at most `room` cells: "Account: Main account
/// (AC…) ▾ › Billing sync › Credentials ". When that is too wide the owner's SID goes first, then
/// the app's name is shortened (the tab stays whole), then the owner's kind ("Account:"), and
/// last the whole is cut, each cut ending in "…": the header is one line at any width.
fn breadcrumb(access: &OwnerAccess, crumbs: &[String], room: usize) -> String {
    let trail =
        |crumbs: &[String]| -> String { crumbs.iter().map(|c| format!(" › {c}")).collect() };
    let name = &access.owner.name;
    let labelled = format!("{}: {name}", access.owner.label());
    let with_sid = format!("{labelled} ({}) ▾{} ", access.owner.sid, trail(crumbs));
    if with_sid.width() <= room {
        return with_sid;
    }
    let whole = format!("{labelled} ▾{} ", trail(crumbs));
    if whole.width() <= room {
        return whole;
    }
    if let [first, rest @ ..] = crumbs
        && !rest.is_empty()
    {
        for head in [format!("{labelled} ▾"), format!("{name} ▾")] {
            let left = room.saturating_sub(head.width() + 3 + trail(rest).width() + 1);
            if left >= SHORTEST_CRUMB.min(first.width()) {
                let mut shortened = vec![widgets::clip(first, left)];
                shortened.extend_from_slice(rest);
                return format!("{head}{} ", trail(&shortened));
            }
        }
    }
    let unlabelled = format!("{name} ▾{}", trail(crumbs));
    format!("{} ", widgets::clip(&unlabelled, room.saturating_sub(1)))
}

/// Braille dots, one a tick, while a request is in flight.
const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Lines a status may take: its own, and when it does not fit there, more over the bottom of the
/// body, so that the advice at the end of a long message is read rather than cut off.
const STATUS_LINES: usize = 3;

fn status(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let mut spinner_width = 0;
    if let Some(frame) = state.spinner {
        let text = format!("{} working…", SPINNER[frame % SPINNER.len()]);
        spinner_width = text.width() as u16 + 1;
        let at = area.right().saturating_sub(spinner_width).max(area.x);
        put(buf, area, at, &text, palette.dim);
    }
    let Some(status) = &state.status else {
        return;
    };
    let (mark, style) = match status.kind {
        StatusKind::Done => ("✓ ", palette.done),
        StatusKind::Error => ("✗ ", palette.error),
        StatusKind::Info => ("· ", Style::default()),
    };
    let text_x = area.x + 3;
    let width = area.right().saturating_sub(text_x + spinner_width);
    // The header's line stays: it says who is signed in where.
    let room = usize::from(area.y).min(STATUS_LINES - 1) + 1;
    let lines = widgets::wrap_words(&status.text, usize::from(width), room);
    let first = area.y - (lines.len() as u16 - 1);
    for (i, text) in lines.iter().enumerate() {
        let y = first + i as u16;
        let line = Rect::new(area.x, y, area.width, 1);
        if y < area.y {
            Clear.render(line, buf);
        }
        if i == 0 {
            put(buf, line, area.x + 1, mark, style);
        }
        put(buf, line, text_x, text, style);
    }
}

fn footer(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let hints = hints(state);
    let width = |hint: &Hint| (hint.keys.width() + hint.does.width() + 3) as u16;
    // The kept hints (help, quit, back) are always drawn; the screen's own keys fill the room
    // left, in order, up to the first that does not fit (`? help` lists them all).
    let kept: u16 = hints.iter().filter(|h| h.is_kept()).map(width).sum();
    let mut spare = area.width.saturating_sub(1).saturating_sub(kept);
    let mut short = false;
    let mut at = area.x + 1;
    for hint in &hints {
        if !hint.is_kept() {
            short = short || width(hint) > spare;
            if short {
                continue;
            }
            spare -= width(hint);
        }
        at = footer_hint(hint, at, area, buf, palette);
    }
}

fn footer_hint(hint: &Hint, at: u16, area: Rect, buf: &mut Buffer, palette: &Palette) -> u16 {
    let at = put(buf, area, at, &hint.keys, palette.key);
    put(buf, area, at, &format!(" {}  ", hint.does), palette.dim)
}

fn help(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let screen_hints = hints_without_overlay(state);
    let mut lines: Vec<Line> = vec![Line::styled("Keys on this screen", palette.title)];
    for hint in &screen_hints {
        lines.push(Line::from(format!("  {:<16} {}", hint.keys, hint.does)));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Everywhere", palette.title));
    for (keys, does) in [
        ("Tab / Shift-Tab", "next / previous field or tab"),
        ("↑↓ ←→ / hjkl", "move; PgUp PgDn Home End too"),
        ("Enter", "open, press, go on"),
        ("Esc", "back, cancel, close"),
        (&state.keys.label(Action::Save), "save or go on in a form"),
        (
            &state.keys.label(Action::SwitchOwner),
            "switch account / organization",
        ),
        (
            &state.keys.label(Action::CommandLine),
            "command line: :apps :audit :owner NAME :q",
        ),
        (
            &format!("{} / Ctrl-C", state.keys.label(Action::Quit)),
            "quit (asks if input is unsaved)",
        ),
        ("mouse", "click tabs, rows, buttons; wheel scrolls"),
    ] {
        lines.push(Line::from(format!("  {keys:<16} {does}")));
    }
    let height = lines.len() as u16 + 2;
    let outer = layout::centered(area, 64, height);
    Clear.render(outer, buf);
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(palette.accent)
                .title(Line::styled(" Help · any key closes ", palette.title)),
        )
        .render(outer, buf);
}

/// The hints of the screen under the help overlay.
fn hints_without_overlay(state: &State) -> Vec<Hint> {
    let mut hints = bound(state.screen.component().hints(&state.keys), state);
    hints.retain(|h| !matches!(h.action, Some(Action::Help | Action::Quit)));
    hints
}

/// The hints whose keys are bound: a read-only console lists no change.
fn bound(mut hints: Vec<Hint>, state: &State) -> Vec<Hint> {
    hints.retain(|h| h.action.is_none_or(|action| state.keys.is_bound(action)));
    hints
}
