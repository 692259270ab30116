//! Key bindings as data: what a key press is, and the hints each component lists in the footer and
//! the help overlay. Components match keys with these helpers so that arrows and vim keys, Enter
//! and Space, behave the same on every screen.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One line of the footer or the help overlay: the keys, and what they do here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub keys: &'static str,
    pub does: &'static str,
}

pub const fn hint(keys: &'static str, does: &'static str) -> Hint {
    Hint { keys, does }
}

/// A plain character, typed with no modifier but Shift.
pub fn is_char(key: &KeyEvent, c: char) -> bool {
    key.code == KeyCode::Char(c) && !has_control_or_alt(key)
}

pub fn is_ctrl(key: &KeyEvent, c: char) -> bool {
    key.code == KeyCode::Char(c) && key.modifiers.contains(KeyModifiers::CONTROL)
}

fn has_control_or_alt(key: &KeyEvent) -> bool {
    key.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

pub fn is_up(key: &KeyEvent) -> bool {
    key.code == KeyCode::Up || is_char(key, 'k')
}

pub fn is_down(key: &KeyEvent) -> bool {
    key.code == KeyCode::Down || is_char(key, 'j')
}

pub fn is_left(key: &KeyEvent) -> bool {
    key.code == KeyCode::Left || is_char(key, 'h')
}

pub fn is_right(key: &KeyEvent) -> bool {
    key.code == KeyCode::Right || is_char(key, 'l')
}

/// Tab moves to the next field; Shift-Tab arrives as BackTab on most terminals, and as Tab with
/// Shift on some.
pub fn is_next_field(key: &KeyEvent) -> bool {
    key.code == KeyCode::Tab && !key.modifiers.contains(KeyModifiers::SHIFT)
}

pub fn is_prev_field(key: &KeyEvent) -> bool {
    key.code == KeyCode::BackTab
        || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT))
}

pub fn is_enter(key: &KeyEvent) -> bool {
    key.code == KeyCode::Enter
}

pub fn is_esc(key: &KeyEvent) -> bool {
    key.code == KeyCode::Esc
}

/// Space or Enter: what presses a button or ticks a box.
pub fn is_activate(key: &KeyEvent) -> bool {
    key.code == KeyCode::Enter || is_char(key, ' ')
}

/// Moves `index` within `0..len` by a key's step: arrows and j/k by one, PageUp/PageDown by
/// `page`, Home/End and g/G to the ends. `None` when the key does not move.
pub fn moved(key: &KeyEvent, index: usize, len: usize, page: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let last = len - 1;
    let page = page.max(1);
    let to = match key.code {
        _ if is_up(key) => index.saturating_sub(1),
        _ if is_down(key) => (index + 1).min(last),
        KeyCode::PageUp => index.saturating_sub(page),
        KeyCode::PageDown => (index + page).min(last),
        KeyCode::Home => 0,
        KeyCode::End => last,
        KeyCode::Char('g') if !has_control_or_alt(key) => 0,
        KeyCode::Char('G') if !has_control_or_alt(key) => last,
        _ => return None,
    };
    Some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn moving_stays_inside_the_list() {
        assert_eq!(moved(&key(KeyCode::Up), 0, 5, 3), Some(0));
        assert_eq!(moved(&key(KeyCode::Char('j')), 4, 5, 3), Some(4));
        assert_eq!(moved(&key(KeyCode::PageDown), 1, 5, 3), Some(4));
        assert_eq!(moved(&key(KeyCode::Char('G')), 0, 5, 3), Some(4));
        assert_eq!(moved(&key(KeyCode::Down), 0, 0, 3), None);
        assert_eq!(moved(&key(KeyCode::Char('x')), 0, 5, 3), None);
    }
}
