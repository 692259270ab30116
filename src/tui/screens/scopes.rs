//! The Scopes & permissions form: the wizard's second step and the Access settings editor. The
//! catalog's permissions grouped by product area, a search, whole-area toggles, an "N/100"
//! counter, and (for account apps) the token expiration. A selection past the model's limit is
//! refused with the model's own message.

use std::collections::BTreeSet;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

use super::forms::{FormMode, FormOutcome};
use crate::model::scopes::{self, Area, Permission};
use crate::model::{
    AppSettings, AppView, Field, GrantType, MAX_SCOPES, OwnerKind, Seconds, ValidationErrors,
    validate_scopes,
};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{LABEL_WIDTH, hit, last_line, line, row_at, rows};
use crate::tui::widgets::{self, Palette, put};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopesFocus {
    TokenTtl,
    Search,
    List,
    Back,
    Submit,
}

/// One line of the grouped list.
#[derive(Clone, Copy)]
pub enum ScopeRow {
    Area {
        area: Area,
        selected: usize,
        total: usize,
        expanded: bool,
    },
    Permission {
        permission: &'static Permission,
        selected: bool,
    },
}

pub struct ScopesForm {
    pub owner_kind: OwnerKind,
    pub grant: GrantType,
    pub mode: FormMode,
    /// Account apps only: organization apps' tokens last the default.
    pub ttl: Option<TextField>,
    pub search: TextField,
    pub selected: BTreeSet<String>,
    initial: BTreeSet<String>,
    /// Areas opened by hand; while searching, every area with a match is open.
    pub expanded: Vec<Area>,
    pub cursor: usize,
    /// The first row shown; kept so that the cursor stays in view as it moves.
    pub offset: usize,
    /// The model's refusal of the selection, shown under the list.
    pub error: Option<String>,
    pub focus: ScopesFocus,
}

impl ScopesForm {
    pub fn new(owner_kind: OwnerKind, grant: GrantType) -> ScopesForm {
        let ttl = (owner_kind == OwnerKind::Account).then(|| {
            TextField::new("Token expiration", None)
                .with_value(&AppSettings::default().token_ttl.to_string())
        });
        ScopesForm {
            owner_kind,
            grant,
            mode: FormMode::Create,
            focus: if ttl.is_some() {
                ScopesFocus::TokenTtl
            } else {
                ScopesFocus::Search
            },
            ttl,
            search: TextField::new("Search", None).with_placeholder("type to filter scopes"),
            selected: BTreeSet::new(),
            initial: BTreeSet::new(),
            expanded: Vec::new(),
            cursor: 0,
            offset: 0,
            error: None,
        }
    }

    /// The editor of an app's access settings.
    pub fn edit(app: &AppView) -> ScopesForm {
        let mut form = ScopesForm::new(app.owner_kind(), app.grant_type);
        form.mode = FormMode::Edit;
        if let Some(ttl) = form.ttl.take() {
            form.ttl = Some(
                TextField::new(ttl.label, None).with_value(&app.settings.token_ttl.to_string()),
            );
        }
        form.selected = app.settings.scopes.iter().cloned().collect();
        form.initial = form.selected.clone();
        form.expanded = Area::for_owner(form.owner_kind)
            .iter()
            .copied()
            .filter(|area| form.count_in(*area).0 > 0)
            .collect();
        form
    }

    pub fn holds_input(&self) -> bool {
        self.selected != self.initial || self.ttl.as_ref().is_some_and(TextField::is_changed)
    }

    pub fn is_typing(&self) -> bool {
        matches!(self.focus, ScopesFocus::TokenTtl | ScopesFocus::Search)
    }

    fn permissions(&self) -> impl Iterator<Item = &'static Permission> + '_ {
        scopes::catalog().for_owner(self.owner_kind)
    }

    fn matches(&self, permission: &Permission) -> bool {
        let needle = self.search.value().trim().to_lowercase();
        needle.is_empty()
            || permission.name.to_lowercase().contains(&needle)
            || permission.area.name().to_lowercase().contains(&needle)
    }

    fn matches_area(&self, area: Area) -> bool {
        let needle = self.search.value().trim().to_lowercase();
        area.name().to_lowercase().contains(&needle)
    }

    /// (selected, total) permissions of an area.
    fn count_in(&self, area: Area) -> (usize, usize) {
        self.permissions()
            .filter(|p| p.area == area)
            .fold((0, 0), |(selected, total), p| {
                (
                    selected + usize::from(self.selected.contains(p.name)),
                    total + 1,
                )
            })
    }

    /// The list as shown: each area with a match, and its permissions when it is open.
    pub fn rows(&self) -> Vec<ScopeRow> {
        let searching = !self.search.value().trim().is_empty();
        let mut rows = Vec::new();
        for &area in Area::for_owner(self.owner_kind) {
            let shown: Vec<&'static Permission> = self
                .permissions()
                .filter(|p| p.area == area && self.matches(p))
                .collect();
            let (selected, total) = self.count_in(area);
            // An area the catalog has no permission of yet (Serverless) is still listed, so that
            // the picker has every area Twilio has; a search shows it when its name matches.
            let listed_empty = total == 0 && (!searching || self.matches_area(area));
            if shown.is_empty() && !listed_empty {
                continue;
            }
            let expanded = searching || self.expanded.contains(&area);
            rows.push(ScopeRow::Area {
                area,
                selected,
                total,
                expanded,
            });
            if expanded {
                rows.extend(shown.into_iter().map(|permission| ScopeRow::Permission {
                    permission,
                    selected: self.selected.contains(permission.name),
                }));
            }
        }
        rows
    }

    /// Selects `names` unless that would break the model's limit, whose message is then shown.
    fn select(&mut self, names: &[&'static str]) {
        let mut candidate = self.selected.clone();
        candidate.extend(names.iter().map(|n| (*n).to_owned()));
        if candidate.len() > MAX_SCOPES {
            let list: Vec<String> = candidate.into_iter().collect();
            self.error = validate_scopes(self.owner_kind, self.grant, &list)
                .err()
                .map(|error| format!("{error}; deselect some first"));
            return;
        }
        self.selected = candidate;
        self.error = None;
    }

    fn toggle(&mut self, permission: &'static Permission) {
        if self.selected.remove(permission.name) {
            self.error = None;
        } else {
            self.select(&[permission.name]);
        }
    }

    /// Selects every permission of the area (those that match the search, while searching), or
    /// none if all were selected.
    fn toggle_area(&mut self, area: Area) {
        let names: Vec<&'static str> = self
            .permissions()
            .filter(|p| p.area == area && self.matches(p))
            .map(|p| p.name)
            .collect();
        if names.iter().all(|n| self.selected.contains(*n)) {
            for name in names {
                self.selected.remove(name);
            }
            self.error = None;
        } else {
            self.select(&names);
        }
    }

    fn toggle_expanded(&mut self, area: Area, open: Option<bool>) {
        let is_open = self.expanded.contains(&area);
        match open.unwrap_or(!is_open) {
            true if !is_open => self.expanded.push(area),
            false => self.expanded.retain(|a| *a != area),
            _ => {}
        }
    }

    fn area_of(row: ScopeRow) -> Area {
        match row {
            ScopeRow::Area { area, .. } => area,
            ScopeRow::Permission { permission, .. } => permission.area,
        }
    }

    fn focus_order(&self) -> Vec<ScopesFocus> {
        let mut order = Vec::new();
        if self.ttl.is_some() {
            order.push(ScopesFocus::TokenTtl);
        }
        order.extend([
            ScopesFocus::Search,
            ScopesFocus::List,
            ScopesFocus::Back,
            ScopesFocus::Submit,
        ]);
        order
    }

    fn move_focus(&mut self, forward: bool) {
        let order = self.focus_order();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = if forward {
            (at + 1) % order.len()
        } else {
            (at + order.len() - 1) % order.len()
        };
        self.focus = order[next];
    }

    /// Moves the cursor to `row` of `len`, scrolling a list `height` rows tall to keep it shown.
    pub fn set_cursor(&mut self, row: usize, len: usize, height: usize) {
        self.cursor = row.min(len.saturating_sub(1));
        let height = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(1));
    }

    /// Handles a key; `height` is how many rows of the list are shown, for paging.
    pub fn handle_key(&mut self, key: &KeyEvent, height: usize, keys: &KeyMap) -> FormOutcome {
        if keys::is_next_field(key) {
            self.move_focus(true);
            return FormOutcome::Handled;
        }
        if keys::is_prev_field(key) {
            self.move_focus(false);
            return FormOutcome::Handled;
        }
        if keys::is_esc(key) {
            return FormOutcome::Cancel;
        }
        if keys.is(Action::Save, key) {
            return FormOutcome::Submit;
        }
        match self.focus {
            ScopesFocus::TokenTtl | ScopesFocus::Search => {
                if keys::is_enter(key) || key.code == KeyCode::Down {
                    self.move_focus(true);
                    return FormOutcome::Handled;
                }
                if key.code == KeyCode::Up {
                    self.move_focus(false);
                    return FormOutcome::Handled;
                }
                let searching = self.focus == ScopesFocus::Search;
                let field = match self.focus {
                    ScopesFocus::TokenTtl => self.ttl.as_mut(),
                    _ => Some(&mut self.search),
                };
                let handled = field.is_some_and(|field| field.handle_key(key));
                if handled && searching {
                    self.cursor = 0;
                    self.offset = 0;
                }
                if handled {
                    FormOutcome::Handled
                } else {
                    FormOutcome::Ignored
                }
            }
            ScopesFocus::List => self.list_key(key, height, keys),
            ScopesFocus::Back if keys::is_activate(key) => FormOutcome::Cancel,
            ScopesFocus::Submit if keys::is_activate(key) => FormOutcome::Submit,
            ScopesFocus::Back | ScopesFocus::Submit => {
                if keys::is_left(key) || keys::is_right(key) {
                    self.focus = match self.focus {
                        ScopesFocus::Back => ScopesFocus::Submit,
                        _ => ScopesFocus::Back,
                    };
                    FormOutcome::Handled
                } else {
                    FormOutcome::Ignored
                }
            }
        }
    }

    fn list_key(&mut self, key: &KeyEvent, height: usize, keys: &KeyMap) -> FormOutcome {
        let rows = self.rows();
        if keys.is(Action::SearchScopes, key) {
            self.focus = ScopesFocus::Search;
            return FormOutcome::Handled;
        }
        if let Some(to) = keys::moved(key, self.cursor, rows.len(), height) {
            self.set_cursor(to, rows.len(), height);
            return FormOutcome::Handled;
        }
        let Some(&row) = rows.get(self.cursor) else {
            return FormOutcome::Ignored;
        };
        if keys.is(Action::SelectArea, key) {
            self.toggle_area(Self::area_of(row));
            return FormOutcome::Handled;
        }
        match row {
            ScopeRow::Area { area, .. } => {
                if keys::is_char(key, ' ') {
                    self.toggle_area(area);
                } else if keys::is_enter(key) {
                    self.toggle_expanded(area, None);
                } else if keys::is_right(key) {
                    self.toggle_expanded(area, Some(true));
                } else if keys::is_left(key) {
                    self.toggle_expanded(area, Some(false));
                } else {
                    return FormOutcome::Ignored;
                }
            }
            ScopeRow::Permission { permission, .. } => {
                if keys::is_activate(key) {
                    self.toggle(permission);
                } else if keys::is_left(key) {
                    self.toggle_expanded(permission.area, Some(false));
                    let at = self
                        .rows()
                        .iter()
                        .position(
                            |r| matches!(r, ScopeRow::Area { area, .. } if *area == permission.area),
                        )
                        .unwrap_or(0);
                    let len = self.rows().len();
                    self.set_cursor(at, len, height);
                } else {
                    return FormOutcome::Ignored;
                }
            }
        }
        let len = self.rows().len();
        self.set_cursor(self.cursor, len, height);
        FormOutcome::Handled
    }

    /// A click on row `index` of the list: the cursor goes there, and a second click toggles it.
    pub fn click_row(&mut self, index: usize, height: usize) {
        let rows = self.rows();
        if index >= rows.len() {
            return;
        }
        self.focus = ScopesFocus::List;
        if self.cursor == index {
            match rows[index] {
                ScopeRow::Area { area, .. } => self.toggle_expanded(area, None),
                ScopeRow::Permission { permission, .. } => self.toggle(permission),
            }
        }
        let len = self.rows().len();
        self.set_cursor(index, len, height);
    }

    /// The token expiration typed, or the parser's message.
    pub fn token_ttl(&self) -> Result<Option<Seconds>, String> {
        match &self.ttl {
            None => Ok(None),
            Some(field) => field
                .value()
                .parse::<Seconds>()
                .map(Some)
                .map_err(|e| e.to_string()),
        }
    }

    /// `base` with this form's scopes and token expiration; the typed expiration's parse error
    /// is shown at its field instead.
    pub fn apply_to(&mut self, mut base: AppSettings) -> Option<AppSettings> {
        base.scopes = self.selected.iter().cloned().collect();
        match self.token_ttl() {
            Ok(Some(ttl)) => base.token_ttl = ttl,
            Ok(None) => {}
            Err(message) => {
                if let Some(field) = self.ttl.as_mut() {
                    field.error = Some(message);
                }
                self.focus = ScopesFocus::TokenTtl;
                return None;
            }
        }
        Some(base)
    }

    /// Shows the errors for token expiration and scopes; `true` if any belonged here.
    pub fn show_errors(&mut self, errors: &ValidationErrors) -> bool {
        let ttl_error = errors.for_field(Field::TokenTtl).map(|e| e.message.clone());
        self.error = errors.for_field(Field::Scopes).map(|e| e.message.clone());
        let mut any = self.error.is_some();
        if let Some(field) = self.ttl.as_mut() {
            field.error = ttl_error;
            any |= field.error.is_some();
            if field.error.is_some() {
                self.focus = ScopesFocus::TokenTtl;
                return true;
            }
        }
        if self.error.is_some() {
            self.focus = ScopesFocus::List;
        }
        any
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        let mut hints = vec![hint("Tab/Shift-Tab", "next/previous field")];
        if self.focus == ScopesFocus::List {
            hints.extend([
                hint("Space", "select"),
                keys.hint(Action::SelectArea),
                hint("Enter/→/←", "open/close area"),
                keys.hint(Action::SearchScopes),
            ]);
        }
        hints.push(match self.mode {
            FormMode::Create => keys.hint_as(Action::Save, "next step"),
            FormMode::Edit => keys.hint(Action::Save),
        });
        hints.push(hint("Esc", "back"));
        hints
    }
}

impl ScopesForm {
    /// How many rows of the list a form drawn in `area` shows, for paging.
    pub fn rows_height(&self, area: Rect) -> usize {
        usize::from(scopes_layout(area, self.ttl.is_some()).list.height)
    }

    /// A click at `at` on the form drawn in `area`: a field takes the focus, a row the cursor
    /// (and a second click toggles it). `false` when nothing of the form is there.
    pub fn click(&mut self, area: Rect, at: Position) -> bool {
        let placed = scopes_layout(area, self.ttl.is_some());
        if placed.ttl.is_some_and(|rect| hit(rect, at)) {
            self.focus = ScopesFocus::TokenTtl;
        } else if hit(placed.search, at) {
            self.focus = ScopesFocus::Search;
        } else if let Some(row) = row_at(placed.list, at) {
            let height = usize::from(placed.list.height);
            self.click_row(self.offset + row, height);
        } else {
            return false;
        }
        true
    }

    /// Pasted text goes to the token expiration or the search, whichever has the cursor (a
    /// search pasted starts the list from its top, as one typed does); `false` when neither has.
    pub fn paste(&mut self, text: &str) -> bool {
        match self.focus {
            ScopesFocus::TokenTtl => match self.ttl.as_mut() {
                Some(field) => field.paste(text),
                None => return false,
            },
            ScopesFocus::Search => {
                self.search.paste(text);
                self.cursor = 0;
                self.offset = 0;
            }
            ScopesFocus::List | ScopesFocus::Back | ScopesFocus::Submit => return false,
        }
        true
    }

    pub fn draw(&self, area: Rect, buf: &mut Buffer, palette: &Palette) {
        draw_form(self, area, buf, palette);
    }
}

/// The Scopes & permissions form: token expiration (account apps), search, the grouped list and
/// the line for the model's refusal.
pub struct ScopesLayout {
    pub ttl: Option<Rect>,
    pub search: Rect,
    pub list: Rect,
    pub error: Rect,
}

pub fn scopes_layout(area: Rect, has_ttl: bool) -> ScopesLayout {
    let ttl_height = if has_ttl { 3 } else { 0 };
    let ttl = has_ttl.then(|| Rect::new(area.x, area.y, area.width, 2.min(area.height)));
    let search = line(area, ttl_height);
    let list = rows(area, ttl_height + 2, 1);
    ScopesLayout {
        ttl,
        search,
        list,
        error: last_line(area),
    }
}

fn draw_form(form: &ScopesForm, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = scopes_layout(area, form.ttl.is_some());
    if let (Some(rect), Some(ttl)) = (placed.ttl, &form.ttl) {
        let mut field = ttl.clone();
        field.label = "Token expiration *";
        widgets::text_field(
            buf,
            rect,
            &field,
            form.focus == ScopesFocus::TokenTtl,
            palette,
        );
        if field.error.is_none() {
            let x = rect.x + LABEL_WIDTH + 63;
            put(
                buf,
                rect,
                x.min(rect.right()),
                &format!(
                    "{} to {}",
                    crate::model::MIN_TOKEN_TTL,
                    crate::model::MAX_TOKEN_TTL
                ),
                palette.dim,
            );
            let below = Rect::new(rect.x, rect.y + 1, rect.width, 1);
            put(
                buf,
                below,
                rect.x + LABEL_WIDTH,
                "e.g. 90s, 15m, 1h, 30d",
                palette.dim,
            );
        }
    }
    let search_width = placed.search.width.saturating_sub(16);
    widgets::text_field(
        buf,
        Rect::new(placed.search.x, placed.search.y, search_width, 1),
        &form.search,
        form.focus == ScopesFocus::Search,
        palette,
    );
    let counter = format!("{}/{MAX_SCOPES} selected", form.selected.len());
    let counter_x = placed
        .search
        .right()
        .saturating_sub(counter.width() as u16 + 1);
    put(buf, placed.search, counter_x, &counter, palette.title);

    let rows = form.rows();
    let list_focused = form.focus == ScopesFocus::List;
    if rows.is_empty() {
        put(
            buf,
            placed.list,
            placed.list.x + 2,
            "No scope matches the search.",
            palette.dim,
        );
    }
    for (line_no, (index, row)) in rows
        .iter()
        .enumerate()
        .skip(form.offset)
        .take(usize::from(placed.list.height))
        .enumerate()
    {
        let line = Rect::new(
            placed.list.x,
            placed.list.y + line_no as u16,
            placed.list.width,
            1,
        );
        let at_cursor = index == form.cursor;
        let style = if at_cursor && list_focused {
            palette.selected
        } else {
            Style::default()
        };
        if at_cursor && list_focused {
            buf.set_style(line, style);
        }
        let marker = if at_cursor && list_focused {
            "›"
        } else {
            " "
        };
        let text = match row {
            ScopeRow::Area {
                area,
                selected,
                total,
                expanded,
            } if *total == 0 => {
                format!(
                    "{marker}       {} — its permissions are not in this catalog yet",
                    area_title(*area)
                )
            }
            ScopeRow::Area {
                area,
                selected,
                total,
                expanded,
            } => {
                let arrow = if *expanded { "▾" } else { "▸" };
                let tick = tick(*selected, *total);
                format!(
                    "{marker} {arrow} {tick} {} ({selected}/{total})",
                    area_title(*area)
                )
            }
            ScopeRow::Permission {
                permission,
                selected,
            } => {
                let tick = if *selected { "[x]" } else { "[ ]" };
                format!("{marker}     {tick} {}", permission.name)
            }
        };
        put(buf, line, line.x, &text, style);
    }
    if let Some(error) = &form.error {
        let at = put(buf, placed.error, placed.error.x + 2, "⚠ ", palette.error);
        put(buf, placed.error, at, error, palette.error);
    } else {
        put(
            buf,
            placed.error,
            placed.error.x + 2,
            keys_line(form.focus),
            palette.dim,
        );
    }
}

/// What the keys do where the focus is, under the list. In a text field every character is
/// text (`/` too: scope names are full of them), so only the list promises a search on `/`.
fn keys_line(focus: ScopesFocus) -> &'static str {
    match focus {
        ScopesFocus::List => {
            "Space selects · a selects a whole area · Enter opens an area · / searches"
        }
        ScopesFocus::TokenTtl => "Type a duration · Enter or ↓ goes on to the search",
        ScopesFocus::Search => "Type part of a scope's name or area · Enter or ↓ goes to the list",
        ScopesFocus::Back | ScopesFocus::Submit => "←/→ choose a button · Enter presses it",
    }
}

fn area_title(area: Area) -> &'static str {
    area.name()
}

fn tick(selected: usize, total: usize) -> &'static str {
    if selected == 0 {
        "[ ]"
    } else if selected == total {
        "[x]"
    } else {
        "[-]"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn press(form: &mut ScopesForm, code: KeyCode) {
        form.handle_key(
            &KeyEvent::new(code, KeyModifiers::NONE),
            10,
            &KeyMap::default(),
        );
    }

    #[test]
    fn the_101st_scope_is_refused_with_the_models_message() {
        let mut form = ScopesForm::new(OwnerKind::Account, GrantType::ClientCredentials);
        let names: Vec<&'static str> = scopes::catalog()
            .for_owner(OwnerKind::Account)
            .map(|p| p.name)
            .take(MAX_SCOPES + 1)
            .collect();
        form.select(&names[..MAX_SCOPES]);
        assert_eq!(form.selected.len(), MAX_SCOPES);
        form.select(&names[MAX_SCOPES..]);
        assert_eq!(form.selected.len(), MAX_SCOPES);
        assert_eq!(
            form.error.as_deref(),
            Some("an app may have at most 100 scopes; 101 were selected; deselect some first")
        );
    }

    #[test]
    fn areas_open_and_searching_shows_only_matches() {
        let mut form = ScopesForm::new(OwnerKind::Account, GrantType::ClientCredentials);
        form.focus = ScopesFocus::List;
        let closed = form.rows().len();
        assert!(closed <= Area::for_owner(OwnerKind::Account).len());
        press(&mut form, KeyCode::Enter);
        assert!(form.rows().len() > closed);
        form.focus = ScopesFocus::Search;
        for c in "messages/read".chars() {
            press(&mut form, KeyCode::Char(c));
        }
        let names: Vec<&str> = form
            .rows()
            .iter()
            .filter_map(|row| match row {
                ScopeRow::Permission { permission, .. } => Some(permission.name),
                ScopeRow::Area { .. } => None,
            })
            .collect();
        assert!(names.contains(&"/twilio/messaging/messages/read"));
        assert!(names.iter().all(|n| n.contains("messages/read")));
    }
}
