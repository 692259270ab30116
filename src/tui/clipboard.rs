//! Copying credentials: the system clipboard through arboard, or, where no display is reachable
//! (SSH, tmux, CI: arboard fails fast), the OSC 52 escape sequence, which asks the terminal to
//! set its clipboard. The status line says which was used, because OSC 52 works only where the
//! terminal allows it.

use std::io::Write;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// How a copy reached a clipboard, for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopiedVia {
    System,
    Osc52,
    /// The replay and test clipboard, which keeps the text in memory.
    Memory,
}

impl CopiedVia {
    pub fn describe(self) -> &'static str {
        match self {
            CopiedVia::System => "to the system clipboard",
            CopiedVia::Osc52 => {
                "through the terminal (OSC 52; if pasting fails, allow clipboard access in your terminal or tmux: set -g set-clipboard on)"
            }
            CopiedVia::Memory => "to the replay clipboard",
        }
    }
}

pub trait Clipboard: Send + Sync {
    /// Copies `text`, or says in words why it could not.
    fn copy(&self, text: &str) -> Result<CopiedVia, String>;
}

/// arboard first, then OSC 52 on standard output.
pub struct SystemClipboard {
    /// Kept open: on X11 the text lives only as long as the clipboard handle that set it.
    arboard: Mutex<Option<arboard::Clipboard>>,
}

impl SystemClipboard {
    pub fn new() -> SystemClipboard {
        SystemClipboard {
            arboard: Mutex::new(arboard::Clipboard::new().ok()),
        }
    }
}

impl Default for SystemClipboard {
    fn default() -> SystemClipboard {
        SystemClipboard::new()
    }
}

impl Clipboard for SystemClipboard {
    fn copy(&self, text: &str) -> Result<CopiedVia, String> {
        let mut arboard = self
            .arboard
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(clipboard) = arboard.as_mut()
            && clipboard.set_text(text).is_ok()
        {
            return Ok(CopiedVia::System);
        }
        let mut out = std::io::stdout().lock();
        out.write_all(osc52(text).as_bytes())
            .and_then(|()| out.flush())
            .map(|()| CopiedVia::Osc52)
            .map_err(|error| {
                format!(
                    "no clipboard is reachable ({error}); select the text with the mouse instead"
                )
            })
    }
}

/// The escape sequence that asks a terminal to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

/// Keeps what was copied, for replays and tests.
#[derive(Default)]
pub struct MemoryClipboard {
    copied: Mutex<Vec<String>>,
}

impl MemoryClipboard {
    /// Everything copied so far, oldest first.
    pub fn copied(&self) -> Vec<String> {
        self.copied
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl Clipboard for MemoryClipboard {
    fn copy(&self, text: &str) -> Result<CopiedVia, String> {
        self.copied
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(text.to_owned());
        Ok(CopiedVia::Memory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(osc52("secret"), "\x1b]52;c;c2VjcmV0\x07");
    }
}
