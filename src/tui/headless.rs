//! The console without a terminal: the same update and view over ratatui's `TestBackend`, with
//! every effect awaited in order before the next input. Snapshot tests, `replay` and the
//! benchmarks drive it; its frames are the same on every run for the same store, clock and seed.

use std::collections::VecDeque;
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::clipboard::Clipboard;
use super::effect::{Msg, perform};
use super::keys::KeyMap;
use super::screens::dialogs::FirstStart;
use super::state::{State, Theme};
use super::update::{init, update};
use super::zone::Zone;
use crate::backend::Backend;

pub struct Headless {
    state: State,
    backend: Arc<dyn Backend>,
    clipboard: Arc<dyn Clipboard>,
    terminal: Terminal<TestBackend>,
}

/// Only a `TestBackend` terminal, which cannot fail to draw.
#[derive(Debug, thiserror::Error)]
#[error("the headless terminal failed: {0}")]
pub struct HeadlessError(String);

impl Headless {
    /// Starts the console at `width` × `height` and lets it read the session and first list.
    pub async fn start(
        backend: Arc<dyn Backend>,
        clipboard: Arc<dyn Clipboard>,
        width: u16,
        height: u16,
    ) -> Result<Headless, HeadlessError> {
        let terminal = Terminal::new(TestBackend::new(width, height))
            .map_err(|e| HeadlessError(e.to_string()))?;
        let mut state = State::new(
            backend.issuer().to_owned(),
            Theme::NoColor,
            Rect::new(0, 0, width, height),
        );
        state.session.token_endpoint = backend.token_endpoint();
        state.session.server = backend.server_url().map(str::to_owned);
        let mut console = Headless {
            state,
            backend,
            clipboard,
            terminal,
        };
        let effects = init();
        console.settle(VecDeque::new(), effects).await;
        Ok(console)
    }

    /// Uses `keys` from the next input on, as a `keys.toml` would from the start.
    pub fn set_keys(&mut self, keys: KeyMap) {
        self.state.keys = keys.reading_only(self.state.keys.is_read_only());
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Masks SIDs and secrets on screen from the next frame on, as `--present` does.
    pub fn present(&mut self) {
        self.state.session.present = true;
    }

    /// Shows every time in `zone` from the next frame on, as `TZ` does in a terminal (UTC until
    /// then, so that frames do not depend on the machine's zone).
    pub fn set_zone(&mut self, zone: jiff::tz::TimeZone) {
        self.state.session.zone = Zone::new(zone);
    }

    /// Shows the first start's password, as the console does over a store it just created.
    pub fn show_first_start(&mut self, first: FirstStart) {
        self.state.show_first_start(first);
    }

    /// Says in the header that this process serves the authorization server at `url`, as
    /// `--serve` does.
    pub fn show_serving(&mut self, url: String) {
        self.state.session.serving = Some(url);
    }

    /// Lets a countdown on screen catch up with the backend's clock, as the terminal's tick
    /// does every second.
    pub async fn tick(&mut self) {
        let request = match &self.state.screen {
            super::state::Screen::TokenTool(tool) => tool.pending_tick(),
            _ => return,
        };
        let now = self.backend.now();
        self.send(Msg::Tick { request, now }).await;
    }

    /// Feeds a message and every result that follows from it, until nothing is pending.
    pub async fn send(&mut self, msg: Msg) {
        self.settle(VecDeque::from([msg]), Vec::new()).await;
    }

    async fn settle(&mut self, mut queue: VecDeque<Msg>, first: Vec<super::effect::Effect>) {
        for effect in first {
            queue.extend(self.perform(effect).await);
        }
        while let Some(msg) = queue.pop_front() {
            for effect in update(&mut self.state, msg) {
                queue.extend(self.perform(effect).await);
            }
        }
    }

    /// Performs an effect at once; a tick never comes by itself here (a scenario sends
    /// [`Msg::Tick`] when it moves its clock), or a countdown would never let `send` return.
    async fn perform(&self, effect: super::effect::Effect) -> Option<Msg> {
        if matches!(effect, super::effect::Effect::Tick { .. }) {
            return None;
        }
        Some(perform(&*self.backend, &*self.clipboard, effect).await)
    }

    pub async fn key(&mut self, key: KeyEvent) {
        self.send(Msg::Key(key)).await;
    }

    /// Presses `keys` one after another before any backend call they start is answered, as keys
    /// typed faster than a page loads arrive in a terminal; then lets every answer come.
    pub async fn keys_at_once(&mut self, keys: &[KeyEvent]) {
        let mut effects = Vec::new();
        for key in keys {
            effects.extend(update(&mut self.state, Msg::Key(*key)));
        }
        self.settle(VecDeque::new(), effects).await;
    }

    pub async fn press(&mut self, code: KeyCode) {
        self.key(KeyEvent::new(code, KeyModifiers::NONE)).await;
    }

    /// Types `text` a key at a time.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    pub async fn click(&mut self, column: u16, row: u16) {
        self.send(Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
        .await;
    }

    pub async fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.send(Msg::Resize(width, height)).await;
    }

    /// Colours as a terminal would show them (headless frames start without), for recordings
    /// and pictures made from the drawn cells; text frames are the same either way.
    pub fn set_theme(&mut self, theme: Theme) {
        self.state.theme = theme;
    }

    /// Draws a frame and returns its cells: what a terminal would show, colours and all.
    pub fn buffer(&mut self) -> &Buffer {
        let state = &self.state;
        // TestBackend's draw cannot fail; if it ever did, the buffer would still hold the last frame.
        let _ = self
            .terminal
            .draw(|frame| frame.render_widget(state, frame.area()));
        self.terminal.backend().buffer()
    }

    /// Draws a frame and returns it as text, one line per row, trailing spaces trimmed.
    pub fn frame(&mut self) -> String {
        let buffer = self.buffer();
        let mut text = String::new();
        for cells in buffer.content.chunks(usize::from(buffer.area.width.max(1))) {
            let mut line = String::new();
            let mut skip: u16 = 0;
            for cell in cells {
                if skip == 0 {
                    line.push_str(cell.symbol());
                }
                skip = skip.max(cell.cell_width()).saturating_sub(1);
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }

    /// Draws a frame and discards it: what the benchmarks time.
    pub fn draw(&mut self) {
        let state = &self.state;
        let _ = self
            .terminal
            .draw(|frame| frame.render_widget(state, frame.area()));
    }
}
