//! The first screen, while the console reads who is signed in and their owners.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};

use crate::tui::component::{Component, Ctx, DrawCtx, EventState};
use crate::tui::keys::{Hint, KeyMap};
use crate::tui::layout::body_inner;
use crate::tui::widgets::put;

pub struct Starting;

impl Component for Starting {
    fn title(&self, _cx: &DrawCtx) -> String {
        " oauth-console ".to_owned()
    }

    fn key(&mut self, _key: &KeyEvent, _ctx: &mut Ctx) -> EventState {
        EventState::NotConsumed
    }

    fn click(&mut self, _at: Position, _ctx: &mut Ctx) -> EventState {
        EventState::NotConsumed
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        Vec::new()
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let inner = body_inner(area);
        put(
            buf,
            inner,
            inner.x + 1,
            "Reading who you are…",
            cx.palette.dim,
        );
    }
}
