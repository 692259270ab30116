//! Small drawing pieces shared by the screens: labelled text fields, buttons, check boxes and the
//! wizard's step indicator. Focus is shown with symbols as well as style, so that it survives
//! `NO_COLOR` and text captures.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::fields::TextField;
use super::layout::{self, LABEL_WIDTH};
use super::session::Theme;

/// The styles of one theme: every colour and emphasis the console draws with comes from here,
/// so that a theme is one place (no screen names a colour).
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub title: Style,
    pub accent: Style,
    pub error: Style,
    pub done: Style,
    /// Hints, placeholders, counters and separators: what is read second.
    pub dim: Style,
    pub selected: Style,
    pub focus: Style,
    /// A focused button, drawn as "[»label«]".
    pub focused_button: Style,
    /// The detail view's tab in view.
    pub current_tab: Style,
    /// A key's name in the footer.
    pub key: Style,
    /// The header's READ-ONLY mark.
    pub read_only: Style,
}

impl Palette {
    pub fn of(theme: Theme) -> Palette {
        let plain = Style::default();
        match theme {
            Theme::Default => Palette {
                title: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
                accent: plain.fg(Color::Cyan),
                error: plain.fg(Color::Red).add_modifier(Modifier::BOLD),
                done: plain.fg(Color::Green),
                dim: plain.fg(Color::DarkGray),
                selected: plain.bg(Color::Blue).fg(Color::White),
                focus: plain.fg(Color::Yellow).add_modifier(Modifier::BOLD),
                focused_button: plain
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED),
                current_tab: plain
                    .bg(Color::Blue)
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD),
                key: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
                read_only: plain
                    .fg(Color::Red)
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED),
            },
            // Blue, red and magenta keep their contrast on white and on both Solarized
            // backgrounds; green, cyan and yellow fade on white, and the bright colours (8-15)
            // are Solarized's greys and backgrounds. Colour is never bold here, as bold turns a
            // colour into its bright twin on many terminals; hints are the terminal's own text
            // colour, and reverse video marks selection on any background.
            Theme::Light => Palette {
                title: plain.fg(Color::Blue),
                accent: plain.fg(Color::Blue),
                error: plain.fg(Color::Red),
                done: plain.fg(Color::Magenta),
                dim: plain,
                selected: plain.add_modifier(Modifier::REVERSED),
                focus: plain.fg(Color::Magenta).add_modifier(Modifier::UNDERLINED),
                focused_button: plain.fg(Color::Magenta).add_modifier(Modifier::REVERSED),
                current_tab: plain.fg(Color::Blue).add_modifier(Modifier::REVERSED),
                key: plain.fg(Color::Blue),
                read_only: plain.fg(Color::Red).add_modifier(Modifier::REVERSED),
            },
            Theme::NoColor => Palette {
                title: plain.add_modifier(Modifier::BOLD),
                accent: plain,
                error: plain.add_modifier(Modifier::BOLD),
                done: plain,
                dim: plain,
                selected: plain.add_modifier(Modifier::REVERSED),
                focus: plain.add_modifier(Modifier::BOLD),
                focused_button: plain.add_modifier(Modifier::BOLD | Modifier::REVERSED),
                current_tab: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
                key: plain.add_modifier(Modifier::BOLD),
                read_only: plain.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            },
        }
    }
}

/// Writes `text` clipped to `area`'s first line from column `x`.
pub fn put(buf: &mut Buffer, area: Rect, x: u16, text: &str, style: Style) -> u16 {
    if area.height == 0 || x >= area.right() {
        return x;
    }
    let width = usize::from(area.right() - x);
    let (end, _) = buf.set_stringn(x, area.y, text, width, style);
    end
}

/// A field: "› Label" on the left, "[value   ] 3/64" on the right, and the model's message for
/// it on the line below.
pub fn text_field(
    buf: &mut Buffer,
    area: Rect,
    field: &TextField,
    focused: bool,
    palette: &Palette,
) {
    label(buf, area, field.label, focused, palette);
    let counter = field
        .max_chars
        .map(|max| format!(" {}/{max}", field.chars()))
        .unwrap_or_default();
    let x = area.x + LABEL_WIDTH;
    let width = usize::from(
        area.right()
            .saturating_sub(x)
            .saturating_sub(2 + counter.width() as u16),
    )
    .min(60);
    let (shown, cursor) = field.window(width);
    let style = if focused {
        palette.focus
    } else {
        Style::default()
    };
    let mut at = put(buf, area, x, "[", style);
    if shown.is_empty() && !field.placeholder.is_empty() {
        put(buf, area, at, field.placeholder, palette.dim);
    } else {
        put(buf, area, at, &shown, Style::default());
    }
    at += width as u16;
    let end = put(buf, area, at, "]", style);
    let over = field.max_chars.is_some_and(|max| field.chars() > max);
    put(
        buf,
        area,
        end,
        &counter,
        if over { palette.error } else { palette.dim },
    );
    if focused {
        let cursor = x + 1 + cursor.min(width) as u16;
        if cursor < area.right() {
            buf[(cursor, area.y)].set_style(Style::default().add_modifier(Modifier::REVERSED));
        }
    }
    if let Some(error) = &field.error {
        error_line(buf, area, error, palette);
    }
}

/// The model's message under a field.
pub fn error_line(buf: &mut Buffer, area: Rect, message: &str, palette: &Palette) {
    if area.height < 2 {
        return;
    }
    let below = Rect::new(area.x, area.y + 1, area.width, 1);
    let at = put(buf, below, area.x + 2, "⚠ ", palette.error);
    put(buf, below, at, message, palette.error);
}

pub fn label(buf: &mut Buffer, area: Rect, text: &str, focused: bool, palette: &Palette) {
    let marker = if focused { "› " } else { "  " };
    let style = if focused {
        palette.focus
    } else {
        Style::default()
    };
    let at = put(buf, area, area.x, marker, style);
    put(buf, area, at, text, style);
}

/// Buttons as "[ label ]", the focused one as "[»label«]".
pub fn buttons(
    buf: &mut Buffer,
    area: Rect,
    labels: &[&str],
    focused: Option<usize>,
    palette: &Palette,
) {
    for (i, (label, rect)) in labels.iter().zip(layout::buttons(area, labels)).enumerate() {
        let (text, style) = if focused == Some(i) {
            (format!("[»{label}«]"), palette.focused_button)
        } else {
            (format!("[ {label} ]"), palette.accent)
        };
        put(buf, rect, rect.x, &text, style);
    }
}

pub fn checkbox(
    buf: &mut Buffer,
    area: Rect,
    checked: bool,
    text: &str,
    focused: bool,
    palette: &Palette,
) {
    let marker = if focused { "› " } else { "  " };
    let style = if focused {
        palette.focus
    } else {
        Style::default()
    };
    let at = put(buf, area, area.x, marker, style);
    let at = put(buf, area, at, if checked { "[x] " } else { "[ ] " }, style);
    put(buf, area, at, text, style);
}

/// "✓ 1 Application details ── ▶ 2 Scopes & permissions ── 3 Copy secret".
pub fn steps(buf: &mut Buffer, area: Rect, titles: &[&str], current: usize, palette: &Palette) {
    let mut at = area.x;
    for (i, title) in titles.iter().enumerate() {
        let number = i + 1;
        let (mark, style) = match number.cmp(&current) {
            std::cmp::Ordering::Less => ("✓ ", palette.done),
            std::cmp::Ordering::Equal => ("▶ ", palette.title),
            std::cmp::Ordering::Greater => ("  ", palette.dim),
        };
        if i > 0 {
            at = put(buf, area, at, " ─── ", palette.dim);
        }
        at = put(buf, area, at, &format!("{mark}{number} {title}"), style);
    }
}

/// `text` broken at spaces into lines of at most `width` cells, at most `max_lines` of them; a
/// word longer than a line is cut, and text left over ends the last line with "…".
pub fn wrap_words(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word;
        loop {
            let used = line.width();
            let gap = usize::from(used > 0);
            if used + gap + word.width() <= width {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word wider than a whole line: as much as fits (one character at least, should
            // it be wider than the line), the rest on the next.
            let mut head = take_width(word, width);
            if head.is_empty() {
                head = word.chars().take(1).collect();
            }
            word = &word[head.len()..];
            lines.push(head);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines.max(1) {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            let kept = take_width(last, width.saturating_sub(1));
            *last = format!("{kept}…");
        }
    }
    lines
}

/// The longest start of `text` that fits in `width` cells.
pub fn take_width(text: &str, width: usize) -> String {
    let mut used = 0;
    text.chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= width
        })
        .collect()
}

pub fn cells(buf: &mut Buffer, area: Rect, columns: &[(u16, u16)], texts: &[&str], style: Style) {
    for ((x, width), text) in columns.iter().zip(texts) {
        if *x >= area.right() {
            break;
        }
        let width = (*width).min(area.right() - x);
        let clipped = clip(text, usize::from(width));
        buf.set_stringn(*x, area.y, clipped, usize::from(width), style);
    }
}

/// `text` cut to `width` cells, ending in "…" when cut.
pub fn clip(text: &str, width: usize) -> String {
    if text.width() <= width {
        text.to_owned()
    } else {
        let mut cut = take_width(text, width.saturating_sub(1));
        cut.push('…');
        cut
    }
}

/// Why an attempt failed and what to do, wrapped: a server's words can be long.
pub fn failure(text: &str, area: Rect, buf: &mut Buffer, palette: &Palette) {
    Paragraph::new(format!("✗ {text}"))
        .style(palette.error)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// What a scrolling list shows besides its rows, and where it stands: the audit events and the
/// authorized applications draw their bodies the same way.
pub struct ListBody<'a> {
    /// Replaces the rows when the list could not be read.
    pub error: Option<String>,
    /// Shown when nothing matched.
    pub empty: Option<&'a str>,
    pub offset: usize,
    pub selected: usize,
}

impl ListBody<'_> {
    /// Draws the visible `items` a line each from `offset`, marking the selected one, with
    /// `row` writing a line's cells.
    pub fn draw<T>(
        &self,
        buf: &mut Buffer,
        rows: Rect,
        palette: &Palette,
        items: &[T],
        mut row: impl FnMut(&mut Buffer, Rect, &T, Style),
    ) {
        if let Some(error) = &self.error {
            put(buf, rows, rows.x + 2, error, palette.error);
            return;
        }
        if let Some(empty) = self.empty {
            put(buf, rows, rows.x + 2, empty, palette.dim);
        }
        let visible = items
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(usize::from(rows.height));
        for (line_number, (index, item)) in visible.enumerate() {
            let line = Rect::new(rows.x, rows.y + line_number as u16, rows.width, 1);
            let selected = index == self.selected;
            let style = if selected {
                palette.selected
            } else {
                Style::default()
            };
            if selected {
                buf.set_style(line, style);
                put(buf, line, line.x, "›", style);
            }
            row(buf, line, item, style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_spaces_long_words_are_cut_and_overflow_ends_in_an_ellipsis() {
        assert_eq!(wrap_words("short", 10, 3), ["short"]);
        assert_eq!(wrap_words("", 10, 3), [""]);
        assert_eq!(
            wrap_words("could not reach the server", 10, 3),
            ["could not", "reach the", "server"]
        );
        assert_eq!(wrap_words("abcdefghijkl", 5, 3), ["abcde", "fghij", "kl"]);
        assert_eq!(
            wrap_words("one two three four five", 7, 2),
            ["one two", "three…"]
        );
    }

    #[test]
    fn wide_characters_take_two_cells_of_a_line() {
        assert_eq!(wrap_words("東京都庁", 4, 3), ["東京", "都庁"]);
        assert_eq!(wrap_words("アプリ one", 7, 3), ["アプリ", "one"]);
        assert_eq!(wrap_words("東京 大阪 京都", 5, 1), ["東京…"]);
        assert_eq!(take_width("東京都", 5), "東京");
        assert_eq!(wrap_words("東", 1, 2), ["東"]);
    }

    /// Each style a palette gives, for checks that hold of all of them.
    fn every_style(palette: &Palette) -> [Style; 10] {
        [
            palette.title,
            palette.accent,
            palette.error,
            palette.done,
            palette.dim,
            palette.selected,
            palette.focus,
            palette.focused_button,
            palette.current_tab,
            palette.key,
        ]
    }

    #[test]
    fn no_color_uses_no_colour_only_emphasis() {
        let palette = Palette::of(Theme::NoColor);
        for style in every_style(&palette) {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
        assert!(palette.selected.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn the_light_theme_has_no_grey_no_yellow_and_no_bold_colour() {
        let palette = Palette::of(Theme::Light);
        for style in every_style(&palette) {
            for color in [style.fg, style.bg].into_iter().flatten() {
                assert!(
                    matches!(color, Color::Blue | Color::Red | Color::Magenta),
                    "{style:?} uses {color:?}, which fades on white or on Solarized"
                );
                assert!(!style.add_modifier.contains(Modifier::BOLD), "{style:?}");
            }
        }
        assert_eq!(
            palette.dim.fg, None,
            "hints are the terminal's own text colour"
        );
    }
}
