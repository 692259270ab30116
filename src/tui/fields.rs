//! Form fields: a line of text with its label, the limit the model sets for it, and the message
//! the model or the service gave the last time it was checked. Fields only edit text; what is
//! valid is decided by `model` rules and the service, never here.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};
use unicode_width::UnicodeWidthChar;

/// A one-line text field.
#[derive(Clone)]
pub struct TextField {
    pub label: &'static str,
    input: Input,
    /// The model's limit for this field, shown as a counter; `None` for fields without one.
    pub max_chars: Option<usize>,
    /// What was wrong the last time the model or the service checked this field.
    pub error: Option<String>,
    /// Shown dimmed while the field is empty, to say what to type.
    pub placeholder: &'static str,
    /// The value the field started with, to tell whether it holds unsaved input.
    initial: String,
    /// Drawn as dots, and left out of `Debug`: the field holds a secret.
    pub masked: bool,
}

impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.masked {
            "(secret)"
        } else {
            self.value()
        };
        f.debug_struct("TextField")
            .field("label", &self.label)
            .field("value", &value)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl TextField {
    pub fn new(label: &'static str, max_chars: Option<usize>) -> TextField {
        TextField {
            label,
            input: Input::default(),
            max_chars,
            error: None,
            placeholder: "",
            initial: String::new(),
            masked: false,
        }
    }

    /// A field for a secret: drawn as dots.
    pub fn masked(mut self) -> TextField {
        self.masked = true;
        self
    }

    pub fn with_value(mut self, value: &str) -> TextField {
        self.input = Input::new(value.to_owned());
        self.initial = value.to_owned();
        self
    }

    pub fn with_placeholder(mut self, placeholder: &'static str) -> TextField {
        self.placeholder = placeholder;
        self
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    /// Characters typed so far, against the model's limit.
    pub fn chars(&self) -> usize {
        self.input.value().chars().count()
    }

    /// The cursor's column within the value, in cells.
    pub fn cursor(&self) -> usize {
        self.input.visual_cursor()
    }

    /// What a field `width` cells wide shows of the value, measured in cells (a CJK character
    /// or an emoji takes two): the text in view, and the cursor's column within it. A masked
    /// field shows a dot a character.
    pub fn window(&self, width: usize) -> (String, usize) {
        if self.masked {
            let dots = "•".repeat(self.chars());
            return window(&dots, self.input.cursor(), width);
        }
        window(self.value(), self.cursor(), width)
    }

    pub fn is_changed(&self) -> bool {
        self.input.value() != self.initial
    }

    /// The value split on commas and whitespace, for fields that hold a list of URLs.
    pub fn items(&self) -> Vec<String> {
        self.value()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Edits the text with a key; `false` when the key is not an editing key, so that the form
    /// can use it (Tab, Enter, Esc, arrows up and down).
    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        let editing = matches!(
            key.code,
            KeyCode::Char(_)
                | KeyCode::Backspace
                | KeyCode::Delete
                | KeyCode::Left
                | KeyCode::Right
                | KeyCode::Home
                | KeyCode::End
        );
        if !editing {
            return false;
        }
        let response = self.input.handle_event(&Event::Key(*key));
        if response.is_some_and(|changed| changed.value) {
            self.error = None;
        }
        let changed = response.is_some();
        // Control chords that are no editing command (Ctrl-S, Ctrl-C) belong to the screen.
        changed || !key.modifiers.contains(KeyModifiers::CONTROL)
    }

    /// Pasted text, on one line, at the cursor (as typing it would put it).
    pub fn paste(&mut self, text: &str) {
        for c in text.chars() {
            let c = if matches!(c, '\r' | '\n') { ' ' } else { c };
            self.input.handle(InputRequest::InsertChar(c));
        }
        self.error = None;
    }
}

/// The part of `value` a field `width` cells wide shows with the cursor at cell `cursor`, and the
/// cursor's column in it: the view scrolls by whole characters, as far as keeps the cursor (one
/// cell past the text at its end) inside the field.
fn window(value: &str, cursor: usize, width: usize) -> (String, usize) {
    let mut scrolled = 0;
    let mut start = 0;
    let mut chars = value.chars();
    while cursor.saturating_sub(scrolled) >= width.max(1) {
        let Some(c) = chars.next() else { break };
        scrolled += c.width().unwrap_or(0);
        start += c.len_utf8();
    }
    let mut used = 0;
    let shown = value[start..]
        .chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= width
        })
        .collect();
    (shown, cursor.saturating_sub(scrolled))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_edits_and_clears_the_error_while_tab_is_left_to_the_form() {
        let mut field = TextField::new("Name", Some(64));
        field.error = Some("name is required".into());
        assert!(field.handle_key(&key(KeyCode::Char('a'))));
        assert!(field.handle_key(&key(KeyCode::Char('b'))));
        assert!(field.handle_key(&key(KeyCode::Backspace)));
        assert_eq!(field.value(), "a");
        assert_eq!(field.error, None);
        assert!(!field.handle_key(&key(KeyCode::Tab)));
        assert!(!field.handle_key(&key(KeyCode::Enter)));
        assert!(field.is_changed());
    }

    #[test]
    fn list_fields_split_on_commas_and_spaces() {
        let mut field = TextField::new("Redirect URLs", None);
        field.paste("https://a.example/cb, https://b.example/cb\n");
        assert_eq!(
            field.items(),
            ["https://a.example/cb", "https://b.example/cb"]
        );
    }
}
