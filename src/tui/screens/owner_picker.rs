//! The owner switcher (`o`, or a click on the owner in the header): the accounts, subaccounts and
//! organizations the user belongs to, with their role in each. Choosing one asks the console to
//! switch, which it refuses while a form holds unsaved input.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Margin, Position, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::tui::component::{Component, Ctx, DrawCtx, EventState};
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{centered, row_at, rows};
use crate::tui::session::Session;
use crate::tui::widgets::{Palette, clip, put};

pub struct OwnerPicker {
    /// The owner under the cursor.
    pub at: usize,
}

impl OwnerPicker {
    /// Opens on the owner in view.
    pub fn new(session: &Session) -> OwnerPicker {
        OwnerPicker {
            at: session.current,
        }
    }

    fn choose(&self, index: usize, ctx: &mut Ctx) {
        ctx.close = true;
        ctx.switch_owner = Some(index);
    }
}

fn picker_box(area: Rect, owners: usize) -> Rect {
    centered(area, 96, owners as u16 + 4)
}

impl Component for OwnerPicker {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Switch owner".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        let owners = ctx.session.owners.len();
        if let Some(to) = keys::moved(key, self.at, owners, owners) {
            self.at = to;
        } else if keys::is_enter(key) {
            self.choose(self.at, ctx);
        } else if keys::is_esc(key)
            || ctx.keys.is(Action::SwitchOwner, key)
            || ctx.keys.is(Action::Quit, key)
        {
            ctx.close = true;
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        let owners = ctx.session.owners.len();
        let inner = picker_box(ctx.area, owners).inner(Margin::new(1, 1));
        if let Some(index) = row_at(rows(inner, 1, 0), at).filter(|index| *index < owners) {
            self.choose(index, ctx);
        }
        EventState::Consumed
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("↑↓", "choose"),
            hint("Enter", "switch"),
            hint("Esc", "close"),
        ]
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        draw_picker(cx.session, self.at, area, buf, &cx.palette);
    }
}

fn draw_picker(session: &Session, at: usize, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let outer = picker_box(area, session.owners.len());
    Clear.render(outer, buf);
    Block::default()
        .borders(Borders::ALL)
        .border_style(palette.accent)
        .title(Line::styled(" Switch owner ", palette.title))
        .render(outer, buf);
    let inner = outer.inner(Margin::new(1, 1));
    put(
        buf,
        inner,
        inner.x + 1,
        "Accounts, subaccounts and organizations you belong to:",
        palette.dim,
    );
    for (i, access) in session.owners.iter().enumerate() {
        let y = inner.y + 1 + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let line = Rect::new(inner.x, y, inner.width, 1);
        let style = if i == at {
            palette.selected
        } else {
            Style::default()
        };
        if i == at {
            buf.set_style(line, style);
        }
        let marker = if i == at { "›" } else { " " };
        let may = if access.role.may_manage_oauth_apps() {
            ""
        } else {
            " (may not manage apps)"
        };
        put(
            buf,
            line,
            line.x,
            &format!(
                "{marker} {:<12} {:<20} {}  {}{may}",
                access.owner.label(),
                clip(&access.owner.name, 20),
                access.owner.sid,
                access.role.name()
            ),
            style,
        );
    }
}
