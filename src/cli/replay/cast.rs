//! `replay --cast`: the scenario as an asciinema v2 recording
//! (<https://docs.asciinema.org/manual/asciicast/v2/>): a header line, then one
//! `[seconds, "o", text]` line per frame that changed the screen.
//!
//! The text is what the console would send a real terminal: each frame's changed cells, diffed
//! against the frame before and encoded by ratatui's crossterm backend, the same code that draws
//! the interactive console. The times are made up, for a person to follow: a pause before each
//! key, quick typing, a hold on each `snapshot`; a `wait` takes as long as it says, and the
//! header's `idle_time_limit` lets players shorten the long ones (`wait 2d`).

use std::time::Duration;

use ratatui::backend::{Backend as _, CrosstermBackend};
use ratatui::buffer::Buffer;
use serde_json::json;

use super::{Moment, Recording};
use crate::model::Timestamp;
use crate::tui::Headless;

/// Before each key: long enough to see what it will act on.
const BEFORE_KEY: Duration = Duration::from_millis(600);
/// Between typed characters: quick, as typing is.
const BEFORE_TYPED: Duration = Duration::from_millis(70);
/// Before a click.
const BEFORE_CLICK: Duration = Duration::from_millis(800);
/// How long a `snapshot`'s frame stays before the next step.
const SNAPSHOT_HOLD: Duration = Duration::from_millis(1500);
/// How long the last frame stays before the recording ends.
const FINAL_HOLD: Duration = Duration::from_secs(2);
/// The longest pause a player shows (asciinema's `idle_time_limit`): a `wait` of a day plays as
/// this, one of a few seconds as itself.
const IDLE_TIME_LIMIT_SECS: u64 = 5;

/// Clears the screen and hides the cursor: the console draws its own focus and hides the
/// terminal's.
const CLEAR_SCREEN: &str = "\u{1b}[?25l\u{1b}[H\u{1b}[2J";

pub struct Cast {
    lines: Vec<u8>,
    /// Time from the start of the recording to the next event.
    time: Duration,
    /// What the viewer's terminal shows now; none before the first frame and after a resize.
    shown: Option<Buffer>,
}

impl Cast {
    /// A recording at `size` whose header says it started at `start` (the replay's fixed clock,
    /// so that the same scenario gives the same file).
    pub fn new(size: (u16, u16), start: Timestamp, title: &str) -> Cast {
        let header = json!({
            "version": 2,
            "width": size.0,
            "height": size.1,
            "timestamp": start.0 / 1000,
            "idle_time_limit": IDLE_TIME_LIMIT_SECS,
            "title": title,
            "env": { "TERM": "xterm-256color" },
        });
        let mut lines = header.to_string().into_bytes();
        lines.push(b'\n');
        Cast {
            lines,
            time: Duration::ZERO,
            shown: None,
        }
    }

    /// From the first event to the end of the last hold.
    pub fn length(&self) -> Duration {
        self.time
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.lines
    }

    fn event(&mut self, code: &str, data: &str) {
        let line = format!(
            "[{}.{:06}, {}, {}]\n",
            self.time.as_secs(),
            self.time.subsec_micros(),
            json!(code),
            json!(data)
        );
        self.lines.extend_from_slice(line.as_bytes());
    }

    /// Sends what changed on screen since the last frame, if anything did.
    fn frame(&mut self, buffer: Buffer) -> anyhow::Result<()> {
        let mut text = Vec::new();
        let blank;
        let before = match &self.shown {
            Some(shown) if shown.area == buffer.area => shown,
            _ => {
                text.extend_from_slice(CLEAR_SCREEN.as_bytes());
                blank = Buffer::empty(buffer.area);
                &blank
            }
        };
        let changes = before.diff(&buffer);
        if !changes.is_empty() {
            CrosstermBackend::new(&mut text).draw(changes.into_iter())?;
        }
        if !text.is_empty() {
            // crossterm writes only UTF-8 (escape sequences and the cells' symbols).
            self.event("o", &String::from_utf8_lossy(&text));
        }
        self.shown = Some(buffer);
        Ok(())
    }
}

impl Recording for Cast {
    fn record(&mut self, moment: &Moment<'_>, console: &mut Headless) -> anyhow::Result<()> {
        match moment {
            Moment::Started => {}
            Moment::Key => self.time += BEFORE_KEY,
            Moment::Typed => self.time += BEFORE_TYPED,
            Moment::Click => self.time += BEFORE_CLICK,
            Moment::Waited(by) => self.time += Duration::from_secs(u64::from(by.0)),
            Moment::Resized => {
                self.time += BEFORE_KEY;
                let area = console.buffer().area;
                self.event("r", &format!("{}x{}", area.width, area.height));
                self.shown = None;
            }
            Moment::Snapshot(_) => {
                self.time += SNAPSHOT_HOLD;
                return Ok(());
            }
            Moment::Finished => {
                self.time += FINAL_HOLD;
                // An empty output marks the end, so that players hold the last frame.
                self.event("o", "");
                return Ok(());
            }
        }
        self.frame(console.buffer().clone())
    }
}
