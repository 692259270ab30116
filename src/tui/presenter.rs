//! Presenter mode (`--present`), for demos and screen shares: every SID on screen (client IDs are
//! apps' SIDs) keeps its first and last four characters and the rest becomes `·`, cell for cell
//! (one cut short by its column keeps only its first four),
//! so columns stay where they were and a click lands where it did. It works on the drawn cells,
//! after every component has drawn, so that no screen, dialog or header can forget it; secrets
//! are the Copy secret page's own to hide, since no pattern tells one apart from other text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::model::{SID_LEN, SidKind};

/// Characters shown at each end of a masked SID.
const KEPT: usize = 4;
/// Hex digits after a prefix from which a run is taken for a SID: fewer than a SID's 32, so that
/// one cut short by a narrow column (`OQ29ab12cd…`) is masked too.
const SHORTEST_RUN: usize = 8;
/// What a masked character becomes.
const MASK: &str = "·";

/// Masks every SID drawn in `area` of `buf`.
pub fn mask_sids(area: Rect, buf: &mut Buffer) {
    for y in area.top()..area.bottom() {
        let row: Vec<Option<char>> = (area.left()..area.right())
            .map(|x| {
                buf.cell((x, y))
                    .and_then(|cell| single_ascii(cell.symbol()))
            })
            .collect();
        for (start, end) in sid_runs(&row) {
            // A SID cut short shows no end: what is there is not its last four.
            let tail = if end - start >= SID_LEN { KEPT } else { 0 };
            for i in start + KEPT..end - tail {
                if let Some(cell) = buf.cell_mut((area.left() + i as u16, y)) {
                    cell.set_symbol(MASK);
                }
            }
        }
    }
}

fn single_ascii(symbol: &str) -> Option<char> {
    let mut chars = symbol.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() => Some(c),
        _ => None,
    }
}

/// Where SIDs are in a row of cells (`None` for a cell that is not one ASCII character): a
/// known prefix and at least [`SHORTEST_RUN`] lowercase hex digits, as `[start, end)`.
fn sid_runs(row: &[Option<char>]) -> Vec<(usize, usize)> {
    let is_hex = |c: Option<char>| c.is_some_and(|c| matches!(c, '0'..='9' | 'a'..='f'));
    let mut runs = Vec::new();
    let mut i = 0;
    while i + 1 < row.len() {
        let prefix: Option<String> = row[i].zip(row[i + 1]).map(|(a, b)| [a, b].iter().collect());
        let known = prefix.is_some_and(|p| SidKind::ALL.iter().any(|k| k.prefix() == p));
        if known {
            let digits = row[i + 2..].iter().take_while(|c| is_hex(**c)).count();
            if digits >= SHORTEST_RUN {
                let end = i + 2 + digits;
                runs.push((i, end));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let area = Rect::new(0, 0, text.chars().count() as u16, 1);
        let mut buf = Buffer::empty(area);
        buf.set_string(0, 0, text, ratatui::style::Style::default());
        mask_sids(area, &mut buf);
        (0..area.width)
            .map(|x| buf.cell((x, 0)).map_or(" ", |c| c.symbol()).to_owned())
            .collect()
    }

    #[test]
    fn a_sid_keeps_its_first_and_last_four_characters_and_its_width() {
        let sid = "OQ29f1c0d3a4b5c6d7e8f90a1b2c3d5bde";
        let shown = masked(&format!("│ {sid} │ client_id={sid}&x"));
        let mask = format!("OQ29{}5bde", "·".repeat(26));
        assert_eq!(shown, format!("│ {mask} │ client_id={mask}&x"));
    }

    #[test]
    fn a_sid_cut_short_by_its_column_is_masked_and_other_words_are_not() {
        assert_eq!(
            masked("OQ29ab12cd… ACcess OAuth apps"),
            "OQ29······… ACcess OAuth apps"
        );
        // No known prefix, or too few hex digits.
        assert_eq!(masked("XY29ab12cd3456 ACdead1"), "XY29ab12cd3456 ACdead1");
    }
}
