//! `replay --svg DIR`: a picture of the screen at each `snapshot`, as DIR/NAME.svg.
//!
//! The picture is the drawn cells on a monospace grid, one cell `CELL_WIDTH` × `CELL_HEIGHT`
//! pixels: a rectangle for each run of cells with a background colour, and the text as
//! `<text>` elements, one per run of cells in the same style, so that it can be read, searched
//! and copied in a browser. Each run is stretched to its cells' width (`textLength`), so
//! columns line up whatever monospace font the viewer has.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ratatui::buffer::{Buffer, Cell, CellWidth};
use ratatui::style::{Color, Modifier};

use super::{Moment, Recording};
use crate::tui::Headless;

/// 0.6 of the font size: the advance of the usual monospace fonts.
const CELL_WIDTH: f64 = 8.4;
/// A little under the font's own line height (1.16 of its size in DejaVu Sans Mono), so that
/// the box-drawing lines of one row meet those of the next.
const CELL_HEIGHT: f64 = 16.0;
const FONT_SIZE: f64 = 14.0;
/// From a row's top to its text's baseline: the font's ascent, scaled to the row.
const BASELINE: f64 = 12.7;
const FONTS: &str = "'DejaVu Sans Mono', 'Menlo', 'Consolas', 'Liberation Mono', monospace";
/// A dark terminal's default colours, as ratatui's `Reset` leaves them.
const DEFAULT_FOREGROUND: &str = "#cccccc";
const DEFAULT_BACKGROUND: &str = "#1e1e1e";
/// The same, for reverse video, which swaps them into cells of their own.
const DEFAULT_FOREGROUND_RGB: Color = Color::Rgb(0xcc, 0xcc, 0xcc);
const DEFAULT_BACKGROUND_RGB: Color = Color::Rgb(0x1e, 0x1e, 0x1e);
/// The 16 ANSI colours as a dark terminal shows them, in ANSI order.
const ANSI: [&str; 16] = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
];

/// The pictures of a replay's snapshots, by file name, kept until the scenario has played.
#[derive(Default)]
pub struct Pictures {
    by_file: BTreeMap<String, (String, String)>,
}

impl Pictures {
    /// Writes every picture into `dir` (made if missing); the paths written.
    pub fn write_to(self, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot make the directory {}", dir.display()))?;
        let mut written = Vec::new();
        for (file, (_, svg)) in self.by_file {
            let path = dir.join(file);
            std::fs::write(&path, svg)
                .with_context(|| format!("cannot write the picture {}", path.display()))?;
            written.push(path);
        }
        Ok(written)
    }
}

impl Recording for Pictures {
    fn record(&mut self, moment: &Moment<'_>, console: &mut Headless) -> anyhow::Result<()> {
        let Moment::Snapshot(name) = moment else {
            return Ok(());
        };
        let file = file_name(name);
        if let Some((first, _)) = self.by_file.get(&file) {
            anyhow::bail!(
                "the snapshots '{first}' and '{name}' would both be pictured as {file}: give them names that differ in letters or digits"
            );
        }
        let svg = picture(console.buffer(), name);
        self.by_file.insert(file, ((*name).to_owned(), svg));
        Ok(())
    }
}

/// A snapshot's name as a file name: letters, digits, `-` and `_` kept, anything else (a `/`,
/// a `.`, a space) made a `-`, so that no name writes outside the directory.
fn file_name(snapshot: &str) -> String {
    let stem: String = snapshot
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{stem}.svg")
}

/// One cell's look, as drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Look {
    foreground: Color,
    background: Color,
    bold: bool,
    italic: bool,
    underlined: bool,
    dim: bool,
}

impl Look {
    fn of(cell: &Cell) -> Look {
        let reversed = cell.modifier.contains(Modifier::REVERSED);
        let (foreground, background) = if reversed {
            (
                or_default(cell.bg, DEFAULT_BACKGROUND_RGB),
                or_default(cell.fg, DEFAULT_FOREGROUND_RGB),
            )
        } else {
            (cell.fg, cell.bg)
        };
        Look {
            foreground,
            background,
            bold: cell.modifier.contains(Modifier::BOLD),
            italic: cell.modifier.contains(Modifier::ITALIC),
            underlined: cell.modifier.contains(Modifier::UNDERLINED),
            dim: cell.modifier.contains(Modifier::DIM),
        }
    }
}

/// Reverse video swaps the terminal's own colours too, which `Reset` stands for.
fn or_default(color: Color, default: Color) -> Color {
    if color == Color::Reset {
        default
    } else {
        color
    }
}

/// A run of cells on one row in one look.
struct Run {
    column: u16,
    /// Columns covered: wide characters take two.
    width: u16,
    text: String,
    look: Look,
}

/// The picture of `buffer`, titled with the snapshot's name.
pub fn picture(buffer: &Buffer, name: &str) -> String {
    let area = buffer.area;
    let width = f64::from(area.width) * CELL_WIDTH;
    let height = f64::from(area.height) * CELL_HEIGHT;
    let mut svg = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1}" height="{height:.1}" viewBox="0 0 {width:.1} {height:.1}" font-family="{FONTS}" font-size="{FONT_SIZE}">"#
    );
    let _ = writeln!(svg, "<title>oauth-console: {}</title>", escape(name));
    let _ = writeln!(
        svg,
        r#"<rect width="100%" height="100%" fill="{DEFAULT_BACKGROUND}"/>"#
    );
    let rows: Vec<Vec<Run>> = (0..area.height).map(|y| runs(buffer, y)).collect();
    let _ = writeln!(svg, "<g>");
    for (y, row) in rows.iter().enumerate() {
        for run in row {
            if let Some(fill) = hex(run.look.background) {
                let _ = writeln!(
                    svg,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_HEIGHT:.1}" fill="{fill}"/>"#,
                    f64::from(run.column) * CELL_WIDTH,
                    y as f64 * CELL_HEIGHT,
                    f64::from(run.width) * CELL_WIDTH,
                );
            }
        }
    }
    let _ = writeln!(svg, "</g>");
    let _ = writeln!(
        svg,
        r#"<g xml:space="preserve" style="white-space: pre" fill="{DEFAULT_FOREGROUND}">"#
    );
    for (y, row) in rows.iter().enumerate() {
        for run in row {
            if run.text.trim().is_empty() {
                continue;
            }
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" textLength="{:.1}" lengthAdjust="spacingAndGlyphs""#,
                f64::from(run.column) * CELL_WIDTH,
                y as f64 * CELL_HEIGHT + BASELINE,
                f64::from(run.width) * CELL_WIDTH,
            );
            if let Some(fill) = hex(run.look.foreground) {
                let _ = write!(svg, r#" fill="{fill}""#);
            }
            if run.look.bold {
                let _ = write!(svg, r#" font-weight="bold""#);
            }
            if run.look.italic {
                let _ = write!(svg, r#" font-style="italic""#);
            }
            if run.look.underlined {
                let _ = write!(svg, r#" text-decoration="underline""#);
            }
            if run.look.dim {
                let _ = write!(svg, r#" opacity="0.6""#);
            }
            let _ = writeln!(svg, ">{}</text>", escape(&run.text));
        }
    }
    let _ = writeln!(svg, "</g>");
    let _ = writeln!(svg, "</svg>");
    svg
}

/// Row `y` of `buffer` as runs of one look; a wide character's second column belongs to it.
fn runs(buffer: &Buffer, y: u16) -> Vec<Run> {
    let area = buffer.area;
    let mut runs: Vec<Run> = Vec::new();
    let mut x = area.x;
    while x < area.right() {
        let cell = &buffer[(x, area.y + y)];
        let look = Look::of(cell);
        let width = cell.cell_width().max(1).min(area.right() - x);
        match runs.last_mut() {
            Some(run) if run.look == look => {
                run.width += width;
                run.text.push_str(cell.symbol());
            }
            _ => runs.push(Run {
                column: x - area.x,
                width,
                text: cell.symbol().to_owned(),
                look,
            }),
        }
        x += width;
    }
    runs
}

/// A colour as SVG writes it; none for the terminal's default (`Reset`), which the picture's
/// background and text colour stand for.
fn hex(color: Color) -> Option<String> {
    let ansi = |index: usize| Some(ANSI[index].to_owned());
    match color {
        Color::Reset => None,
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
        Color::Indexed(index) => Some(indexed(index)),
        Color::Rgb(r, g, b) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
    }
}

/// xterm's 256 colours: the 16 ANSI ones, a 6 × 6 × 6 cube, then 24 greys.
fn indexed(index: u8) -> String {
    match index {
        0..=15 => ANSI[usize::from(index)].to_owned(),
        16..=231 => {
            let n = index - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(n / 36),
                level(n / 6 % 6),
                level(n % 6)
            )
        }
        232..=255 => {
            let grey = 8 + 10 * (index - 232);
            format!("#{grey:02x}{grey:02x}{grey:02x}")
        }
    }
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            // XML 1.0 allows no control characters but tab, newline and carriage return.
            c if c.is_control() => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn cells_become_runs_of_one_look_with_their_colours_and_attributes() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 12, 2));
        buffer.set_string(0, 0, "ok", Style::default().fg(Color::Green));
        buffer.set_string(2, 0, " <b&>", Style::default().add_modifier(Modifier::BOLD));
        buffer.set_string(
            0,
            1,
            "sel",
            Style::default().add_modifier(Modifier::REVERSED),
        );
        let svg = picture(&buffer, "demo");
        assert!(svg.contains(r#"width="100.8" height="32.0""#), "{svg}");
        assert!(
            svg.contains(r##"fill="#0dbc79">ok</text>"##),
            "green text: {svg}"
        );
        assert!(
            svg.contains(r#"font-weight="bold"> &lt;b&amp;&gt;</text>"#),
            "bold, escaped: {svg}"
        );
        // Reverse video: the default foreground's colour behind, the background's in front.
        assert!(
            svg.contains(r##"<rect x="0.0" y="16.0" width="25.2" height="16.0" fill="#cccccc"/>"##),
            "{svg}"
        );
        assert!(svg.contains(r##"fill="#1e1e1e">sel</text>"##), "{svg}");
    }

    #[test]
    fn a_wide_character_takes_two_columns_and_the_next_text_starts_after_them() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 6, 1));
        buffer.set_string(0, 0, "日x", Style::default());
        buffer.set_string(3, 0, "y", Style::default().fg(Color::Red));
        let row = runs(&buffer, 0);
        assert_eq!(row[0].text, "日x");
        assert_eq!((row[0].column, row[0].width), (0, 3));
        assert_eq!((row[1].text.as_str(), row[1].column), ("y", 3));
    }

    #[test]
    fn every_name_is_a_file_inside_the_directory() {
        assert_eq!(file_name("wizard-step_1"), "wizard-step_1.svg");
        assert_eq!(file_name("../../etc/passwd"), "------etc-passwd.svg");
        assert_eq!(file_name("two words"), "two-words.svg");
    }

    #[test]
    fn the_256_colours_follow_xterm() {
        assert_eq!(indexed(16), "#000000");
        assert_eq!(indexed(196), "#ff0000");
        assert_eq!(indexed(231), "#ffffff");
        assert_eq!(indexed(244), "#808080");
        assert_eq!(hex(Color::Rgb(1, 2, 255)).as_deref(), Some("#0102ff"));
    }
}
