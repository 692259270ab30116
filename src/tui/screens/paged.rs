//! A list read from the backend a page at a time, with a selected row and a scroll offset: what
//! the audit events and the authorized applications keep alike. Each screen says what to ask for
//! (its own effect); this part knows when to ask, takes the answer, and moves the selection.

use ratatui::crossterm::event::KeyEvent;

use crate::backend::Result;
use crate::model::Page;
use crate::tui::component::Ctx;
use crate::tui::keys::{self, Move};

/// Where the selection goes when a first page replaces the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnReload {
    /// Back to the top: the rows are another query's (a new filter).
    Top,
    /// Stays on the same row as far as the new rows reach: the same query read again (after a
    /// revoke, say).
    KeepRow,
}

pub struct PagedRows<T> {
    pub items: Vec<T>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    pub loading: bool,
    /// Whether a first page has been asked for.
    pub loaded: bool,
    /// The request whose answer is awaited; older answers are dropped.
    request: u64,
    pub selected: usize,
    pub offset: usize,
    pub error: Option<String>,
    on_reload: OnReload,
    /// Where the selection is headed past the rows read so far: keys pressed before the next
    /// page arrives are kept, not dropped, and End reads on to the true last row.
    ahead: Option<Move>,
    /// The height the selection was last kept in view of, for the rows that arrive later.
    height: usize,
}

impl<T> PagedRows<T> {
    pub fn new(on_reload: OnReload) -> PagedRows<T> {
        PagedRows {
            items: Vec::new(),
            next: None,
            loading: false,
            loaded: false,
            request: 0,
            selected: 0,
            offset: 0,
            error: None,
            on_reload,
            ahead: None,
            height: 1,
        }
    }

    /// Starts reading the first page or, with `append`, the next one: the request's number and
    /// the cursor to read after. `None` when there is no next page or one is on its way.
    pub fn start_load(&mut self, ctx: &mut Ctx, append: bool) -> Option<(u64, Option<String>)> {
        if append && (self.next.is_none() || self.loading) {
            return None;
        }
        self.loaded = true;
        self.loading = true;
        self.request = ctx.request();
        Some((self.request, if append { self.next.clone() } else { None }))
    }

    /// Takes the answer to request `request`, unless a newer one was asked since, and goes on
    /// where the keys pressed meanwhile were headed; `true` when the next page should be read
    /// (they are headed further still).
    pub fn on_page(&mut self, request: u64, append: bool, result: Result<Page<T>>) -> bool {
        if request != self.request {
            return false;
        }
        self.loading = false;
        let ahead = self.ahead.take().filter(|_| append && result.is_ok());
        match result {
            Ok(page) => {
                if !append {
                    self.items.clear();
                    self.offset = 0;
                    if self.on_reload == OnReload::Top {
                        self.selected = 0;
                    }
                }
                self.items.extend(page.items);
                self.next = page.next;
                self.selected = self.selected.min(self.items.len().saturating_sub(1));
                self.error = None;
            }
            Err(error) => self.error = Some(error.to_string()),
        }
        ahead.is_some_and(|to| self.go(to, self.height))
    }

    pub fn selected_item(&self) -> Option<&T> {
        self.items.get(self.selected)
    }

    /// Selects `row`, scrolling `height` rows to keep it in view; `true` when the selection is
    /// within a screenful of the end, so that the next page should be read.
    pub fn select(&mut self, row: usize, height: usize) -> bool {
        let height = height.max(1);
        self.height = height;
        self.selected = row.min(self.items.len().saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.selected + height >= self.items.len()
    }

    /// A click on the `index`th visible row: selects it as [`PagedRows::select`] does. `None`
    /// when no row is there.
    pub fn click_row(&mut self, index: usize, height: usize) -> Option<bool> {
        let row = self.offset + index;
        (row < self.items.len()).then(|| {
            self.ahead = None;
            self.select(row, height)
        })
    }

    /// Moves the selection by an arrow, page or home/end key, as [`PagedRows::select`] does;
    /// past the rows read so far, while more are to come, as far as they reach, and the rest of
    /// the way once the next page is read. `None` when `key` moves nothing.
    pub fn move_by(&mut self, key: &KeyEvent, height: usize) -> Option<bool> {
        if self.items.is_empty() {
            return None;
        }
        let from = match self.ahead {
            Some(Move::To(row)) => row,
            Some(Move::End) | None => self.selected,
        };
        let to = keys::movement(key, from, height)?;
        Some(self.go(to, height))
    }

    /// Selects `to`, or the last row read when it lies beyond them and more are to come, keeping
    /// the rest of the way for the next page; `true` when that page should be read.
    fn go(&mut self, to: Move, height: usize) -> bool {
        let last = self.items.len().saturating_sub(1);
        let (row, beyond) = match to {
            Move::To(row) => (row.min(last), row > last),
            Move::End => (last, true),
        };
        self.ahead = (beyond && self.next.is_some()).then_some(to);
        self.select(row, height) || self.ahead.is_some()
    }

    /// How many rows are shown, for a toolbar: "loading…", "N shown, more below", "1 event",
    /// "N events".
    pub fn count(&self, one: &str, many: &str) -> String {
        if self.loading {
            "loading…".to_owned()
        } else if self.next.is_some() {
            format!("{} shown, more below", self.items.len())
        } else if self.items.len() == 1 {
            format!("1 {one}")
        } else {
            format!("{} {many}", self.items.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: std::ops::Range<u32>, next: Option<&str>) -> Result<Page<u32>> {
        Ok(Page {
            items: items.collect(),
            next: next.map(str::to_owned),
        })
    }

    #[test]
    fn a_reload_keeps_the_row_or_goes_to_the_top_and_a_stale_answer_is_dropped() {
        for (on_reload, after_reload) in [(OnReload::KeepRow, 4), (OnReload::Top, 0)] {
            let mut rows = PagedRows::new(on_reload);
            rows.on_page(0, false, page(0..10, Some("10")));
            assert!(!rows.select(4, 5), "a whole screenful of five still below");
            assert!(rows.select(8, 5), "within a screenful of the end: read on");
            assert_eq!((rows.selected, rows.offset), (8, 4));
            // The same query again, now shorter (two rows were revoked, say).
            rows.on_page(0, false, page(0..5, None));
            assert_eq!((rows.selected, rows.offset), (after_reload, 0));
            assert_eq!(rows.count("row", "rows"), "5 rows");
            // An answer to a request that is no longer awaited changes nothing.
            rows.on_page(9, false, page(0..1, None));
            assert_eq!(rows.items.len(), 5);
        }
    }
}
