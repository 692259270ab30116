//! The OAuth apps list: name, client ID, grant type, date created, created by. Pages come from
//! the backend as the cursor nears the end of what is loaded, and only the rows in view are
//! drawn, so 100,000 apps cost what a screenful does.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Margin, Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::dialogs::{DeleteDialog, FileAction, FileDialog};
use crate::backend::Result;
use crate::model::{AppOrder, AppView, ListApps, OwnerKind, Page, Sid};
use crate::tui::component::{Component, Ctx, DrawCtx, EventState, Nav, Tab};
use crate::tui::effect::{Effect, Msg};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Action, Hint, KeyMap, Move, hint};
use crate::tui::layout::{self, body_inner, line, rows};
use crate::tui::widgets::{self, Palette, cells, put};

/// Apps asked for at a time: a few screens' worth.
pub const PAGE_SIZE: usize = 200;

pub struct AppsList {
    pub owner: Sid,
    pub apps: Vec<AppView>,
    /// Where the next page starts; `None` once everything is loaded.
    pub next: Option<String>,
    pub loading: bool,
    request: u64,
    pub selected: usize,
    pub offset: usize,
    pub filter: TextField,
    /// `/` puts the cursor in the filter until Enter or Esc.
    pub filtering: bool,
    /// The last filter edit; the list is read again once typing pauses after it.
    filter_edit: u64,
    pub order: AppOrder,
    /// Why the apps could not be read (a role that may not manage them, say).
    pub error: Option<String>,
    /// The app to select once the first page arrives: the one just left, coming back from it.
    pub reselect: Option<Sid>,
    /// Where the selection is headed past the apps read so far: keys pressed before the next
    /// page arrives are kept, not dropped, and End reads on to the true last app.
    ahead: Option<Move>,
}

impl AppsList {
    /// The list of `owner` read afresh: in the order and with the filter of `previous` when that
    /// was this owner's list too, selecting `reselect` once it is read (the app just left).
    pub fn reopened(owner: Sid, previous: Option<&AppsList>, reselect: Option<Sid>) -> AppsList {
        let mut list = AppsList::new(owner);
        if let Some(old) = previous.filter(|old| old.owner == list.owner) {
            list.order = old.order;
            list.filter = old.filter.clone();
        }
        list.reselect = reselect;
        list
    }

    pub fn new(owner: Sid) -> AppsList {
        AppsList {
            owner,
            apps: Vec::new(),
            next: None,
            loading: false,
            request: 0,
            selected: 0,
            offset: 0,
            filter: TextField::new("Filter", None).with_placeholder("name contains…"),
            filtering: false,
            filter_edit: 0,
            order: AppOrder::NewestFirst,
            error: None,
            reselect: None,
            ahead: None,
        }
    }

    /// Asks for the first page (`append` false) or the next one.
    pub fn load(&mut self, ctx: &mut Ctx, append: bool) {
        if append && (self.next.is_none() || self.loading) {
            return;
        }
        self.request = ctx.request();
        self.loading = true;
        let filter = self.filter.value().trim();
        ctx.effect(Effect::LoadApps {
            request: self.request,
            owner: self.owner.clone(),
            list: ListApps {
                name_contains: (!filter.is_empty()).then(|| filter.to_owned()),
                order: self.order,
                page_size: PAGE_SIZE,
                after: if append { self.next.clone() } else { None },
            },
            append,
        });
    }

    pub fn on_loaded(
        &mut self,
        request: u64,
        append: bool,
        result: Result<Page<AppView>>,
        ctx: &mut Ctx,
    ) {
        if request != self.request {
            return;
        }
        self.loading = false;
        let ahead = self.ahead.take().filter(|_| append);
        match result {
            Ok(page) => {
                if !append {
                    self.apps.clear();
                    self.selected = 0;
                    self.offset = 0;
                }
                self.apps.extend(page.items);
                self.next = page.next;
                self.error = None;
                if let Some(sid) = self.reselect.take()
                    && let Some(row) = self.apps.iter().position(|app| app.sid == sid)
                {
                    self.selected = row;
                }
                let height = apps_rows_height(ctx.area);
                self.keep_in_view(height);
                if let Some(to) = ahead {
                    self.go(to, ctx);
                }
            }
            Err(error) => {
                self.error = Some(error.to_string());
                if !append {
                    self.apps.clear();
                    self.next = None;
                }
            }
        }
    }

    /// Empties the filter and reads every app again, if it held anything.
    fn clear_filter(&mut self, ctx: &mut Ctx) {
        if !self.filter.value().is_empty() {
            self.filter =
                TextField::new(self.filter.label, None).with_placeholder(self.filter.placeholder);
            self.load(ctx, false);
        }
    }

    pub fn paste_filter(&mut self, text: &str, ctx: &mut Ctx) {
        self.filter.paste(text);
        self.filter_changed(ctx);
    }

    fn filter_changed(&mut self, ctx: &mut Ctx) {
        self.filter_edit = ctx.request();
        ctx.effect(Effect::Settle {
            request: self.filter_edit,
        });
    }

    /// Typing paused: read the list with the filter as it is now, unless it changed since.
    pub fn on_filter_settled(&mut self, request: u64, ctx: &mut Ctx) {
        if request == self.filter_edit {
            self.load(ctx, false);
        }
    }

    pub fn selected_app(&self) -> Option<&AppView> {
        self.apps.get(self.selected)
    }

    /// Scrolls so that the selected row is shown in a table `height` rows tall.
    pub fn keep_in_view(&mut self, height: usize) {
        let height = height.max(1);
        self.selected = self.selected.min(self.apps.len().saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    fn select(&mut self, row: usize, ctx: &mut Ctx) {
        let height = apps_rows_height(ctx.area);
        self.selected = row;
        self.keep_in_view(height);
        // Load on ahead while the cursor is within a screen of the end.
        if self.selected + height >= self.apps.len() {
            self.load(ctx, true);
        }
    }

    /// Selects `to`, or the last app read when it lies beyond them and more are to come, keeping
    /// the rest of the way (and reading the next page) for when it arrives.
    fn go(&mut self, to: Move, ctx: &mut Ctx) {
        let last = self.apps.len().saturating_sub(1);
        let (row, beyond) = match to {
            Move::To(row) => (row.min(last), row > last),
            Move::End => (last, true),
        };
        self.ahead = (beyond && self.next.is_some()).then_some(to);
        self.select(row, ctx);
        if self.ahead.is_some() {
            self.load(ctx, true);
        }
    }

    /// A click on row `index` of those shown: select it, or open it if it was selected.
    pub fn click_row(&mut self, index: usize, ctx: &mut Ctx) {
        let row = self.offset + index;
        if row >= self.apps.len() {
            return;
        }
        self.ahead = None;
        if row == self.selected {
            self.open(ctx);
        } else {
            self.select(row, ctx);
        }
    }

    fn open(&mut self, ctx: &mut Ctx) {
        if let Some(app) = self.selected_app() {
            ctx.go(Nav::App(Box::new(app.clone()), Tab::ApplicationDetails));
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> bool {
        if self.filtering {
            if keys::is_enter(key) || key.code == KeyCode::Down {
                self.filtering = false;
                return true;
            }
            if keys::is_esc(key) {
                self.filtering = false;
                self.clear_filter(ctx);
                return true;
            }
            if self.filter.handle_key(key) {
                self.filter_changed(ctx);
                return true;
            }
            return false;
        }
        let height = apps_rows_height(ctx.area);
        let from = match self.ahead {
            Some(Move::To(row)) => row,
            Some(Move::End) | None => self.selected,
        };
        if !self.apps.is_empty()
            && let Some(to) = keys::movement(key, from, height)
        {
            self.go(to, ctx);
            return true;
        }
        if keys::is_enter(key) {
            self.open(ctx);
        } else if ctx.keys.is(Action::Filter, key) {
            self.filtering = true;
        } else if ctx.keys.is(Action::NewApp, key) {
            if ctx.session.may_manage() {
                ctx.go(Nav::NewApp);
            } else {
                let why = self
                    .error
                    .clone()
                    .unwrap_or_else(|| "your role here may not manage OAuth apps".to_owned());
                ctx.error(format!("Cannot create an app: {why}"));
            }
        } else if ctx.keys.is(Action::DeleteApp, key) {
            match self.selected_app() {
                Some(app) => ctx.open(DeleteDialog::new(app)),
                None => ctx.info("No app is selected to delete"),
            }
        } else if ctx.keys.is(Action::Export, key) {
            ctx.open(FileDialog::new(FileAction::Export(self.owner.clone())));
        } else if ctx.keys.is(Action::Import, key) {
            if ctx.session.may_manage() {
                ctx.open(FileDialog::new(FileAction::Import));
            } else {
                let why = self
                    .error
                    .clone()
                    .unwrap_or_else(|| "your role here may not manage OAuth apps".to_owned());
                ctx.error(format!("Cannot import apps: {why}"));
            }
        } else if ctx.keys.is(Action::Sort, key) {
            self.order = match self.order {
                AppOrder::NewestFirst => AppOrder::OldestFirst,
                AppOrder::OldestFirst => AppOrder::NewestFirst,
            };
            self.load(ctx, false);
        } else if ctx.keys.is(Action::Reload, key) {
            self.load(ctx, false);
        } else if ctx.keys.is(Action::AuditEvents, key) {
            ctx.go(Nav::Audit);
        } else if ctx.keys.is(Action::TokenTool, key) {
            ctx.go(Nav::TokenTool {
                app: self.selected_app().cloned().map(Box::new),
                from_detail: false,
            });
        } else if keys::is_esc(key) && !self.filter.value().is_empty() {
            self.clear_filter(ctx);
        } else if keys::is_esc(key) {
            ctx.info("Press q to quit");
        } else if ctx.keys.is(Action::AuthorizedApps, key) {
            if ctx
                .session
                .owner()
                .is_some_and(|access| access.owner.kind() == OwnerKind::Organization)
            {
                ctx.go(Nav::Authorized);
            } else {
                ctx.info("Authorized applications belong to organizations; switch to one with o");
            }
        } else {
            return false;
        }
        true
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        if self.filtering {
            return vec![
                hint("type", "filter by name"),
                hint("Enter", "done"),
                hint("Esc", "clear"),
            ];
        }
        let mut hints = vec![
            hint("↑↓", "move"),
            hint("Enter", "open"),
            keys.hint(Action::NewApp),
            keys.hint(Action::DeleteApp),
            keys.hint_pair(Action::Export, Action::Import, "export/import"),
            keys.hint(Action::Filter),
        ];
        if !self.filter.value().is_empty() {
            hints.push(hint("Esc", "clear filter"));
        }
        hints.extend([
            keys.hint(Action::Sort),
            keys.hint(Action::AuditEvents),
            keys.hint(Action::TokenTool),
        ]);
        if OwnerKind::of(&self.owner) == OwnerKind::Organization {
            hints.push(keys.hint(Action::AuthorizedApps));
        }
        hints.push(keys.hint(Action::Reload));
        hints
    }
}

/// The apps list: a toolbar line, the table's header, then its rows.
pub struct AppsLayout {
    pub toolbar: Rect,
    pub header: Rect,
    pub rows: Rect,
}

pub fn apps_layout(area: Rect) -> AppsLayout {
    let inner = body_inner(area);
    AppsLayout {
        toolbar: line(inner, 0),
        header: line(inner, 1),
        rows: rows(inner, 2, 0),
    }
}

pub fn apps_rows_height(area: Rect) -> usize {
    usize::from(apps_layout(area).rows.height)
}

/// Column widths of the apps table after the selection marker: name takes what is left.
const CLIENT_ID_WIDTH: u16 = 34;
const GRANT_WIDTH: u16 = 18;
const BY_WIDTH: u16 = 14;

/// The Name column's least width: narrower, a name is cut before it says which app it is.
const NAME_MIN_WIDTH: u16 = 20;

/// Where each column goes (x, width). Name keeps [`NAME_MIN_WIDTH`]: on a short row, Created by
/// goes first, then Grant type, then Date created (a column gone has no width); the client ID,
/// copied from the app's screen, is cut last. Date created is as wide as its times need.
fn app_columns(area: Rect, date_width: u16) -> [(u16, u16); 5] {
    let mut others = [CLIENT_ID_WIDTH, GRANT_WIDTH, date_width, BY_WIDTH];
    let used = |others: &[u16; 4]| -> u16 {
        others
            .iter()
            .filter(|width| **width > 0)
            .map(|width| width + 1)
            .sum()
    };
    for going in [3, 1, 2] {
        if 2 + NAME_MIN_WIDTH + used(&others) <= area.width {
            break;
        }
        others[going] = 0;
    }
    let name = area
        .width
        .saturating_sub(2 + used(&others))
        .max(NAME_MIN_WIDTH);
    let mut x = area.x + 2;
    let mut columns = [(0, 0); 5];
    for (i, width) in std::iter::once(name).chain(others).enumerate() {
        columns[i] = (x, width);
        if width > 0 {
            x = x.saturating_add(width + 1);
        }
    }
    columns
}

fn draw_list(list: &AppsList, cx: &DrawCtx, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = apps_layout(area);
    let toolbar = placed.toolbar;
    let mut at = toolbar.x;
    if list.filtering || !list.filter.value().is_empty() {
        let mut field = list.filter.clone();
        field.error = None;
        let width = 40.min(toolbar.width);
        widgets::text_field(
            buf,
            Rect::new(toolbar.x, toolbar.y, width, 1),
            &field,
            list.filtering,
            palette,
        );
        at += width + 2;
    } else {
        at = put(
            buf,
            toolbar,
            at,
            &format!("{} to filter by name", cx.keys.label(Action::Filter)),
            palette.dim,
        );
        at += 4;
    }
    let order = match list.order {
        AppOrder::NewestFirst => "date created, newest first",
        AppOrder::OldestFirst => "date created, oldest first",
    };
    let sort = cx.keys.label(Action::Sort);
    at = put(
        buf,
        toolbar,
        at,
        &format!("Sort: {order} ({sort})"),
        palette.dim,
    );
    let count = if list.error.is_some() {
        String::new()
    } else if list.loading {
        "  · loading…".to_owned()
    } else if list.next.is_some() {
        format!("  · {} shown, more below", list.apps.len())
    } else if list.apps.len() == 1 {
        "  · 1 app".to_owned()
    } else {
        format!("  · {} apps", list.apps.len())
    };
    put(buf, toolbar, at, &count, palette.dim);

    if let Some(error) = &list.error {
        let text = if cx.session.may_manage() {
            format!(
                "Could not read the apps: {error}. Press {} to try again.",
                cx.keys.label(Action::Reload)
            )
        } else {
            format!("{error}.\n\nSwitch to an owner where you may manage OAuth apps with o.")
        };
        Paragraph::new(text)
            .style(palette.error)
            .wrap(Wrap { trim: true })
            .render(placed.rows.inner(Margin::new(2, 0)), buf);
        return;
    }
    let dates = cx
        .session
        .zone
        .column(list.apps.iter().map(|app| app.created_at));
    let columns = app_columns(placed.header, dates.width());
    cells(
        buf,
        placed.header,
        &columns,
        &[
            "Name",
            "Client ID",
            "Grant type",
            &dates.title("Created"),
            "Created by",
        ],
        palette.title,
    );
    if list.apps.is_empty() && !list.loading {
        let text = if list.filter.value().is_empty() && !cx.keys.is_bound(Action::NewApp) {
            format!("No OAuth apps for {} yet.", cx.owner_name())
        } else if list.filter.value().is_empty() {
            format!(
                "No OAuth apps for {} yet. Press {} to create one.",
                cx.owner_name(),
                cx.keys.label(Action::NewApp)
            )
        } else {
            format!(
                "No app's name contains \"{}\". Press {} then Esc to clear the filter.",
                list.filter.value(),
                cx.keys.label(Action::Filter)
            )
        };
        put(buf, placed.rows, placed.rows.x + 2, &text, palette.dim);
        return;
    }
    let shown = list
        .apps
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(usize::from(placed.rows.height));
    for (row, (index, app)) in shown.enumerate() {
        let line = Rect::new(
            placed.rows.x,
            placed.rows.y + row as u16,
            placed.rows.width,
            1,
        );
        let selected = index == list.selected;
        let style = if selected {
            palette.selected
        } else {
            Style::default()
        };
        if selected {
            buf.set_style(line, style);
            put(buf, line, line.x, "›", style);
        }
        let date = dates.text(app.created_at);
        cells(
            buf,
            line,
            &app_columns(line, dates.width()),
            &[
                &app.settings.name,
                app.sid.as_str(),
                app.grant_type.label(),
                &date,
                &app.created_by.username,
            ],
            style,
        );
    }
}

impl Component for AppsList {
    fn title(&self, cx: &DrawCtx) -> String {
        format!(" OAuth apps · {} ", cx.owner_name())
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        self.handle_key(key, ctx).into()
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match layout::row_at(apps_layout(ctx.area).rows, at) {
            Some(row) => {
                self.click_row(row, ctx);
                EventState::Consumed
            }
            None => EventState::NotConsumed,
        }
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) -> EventState {
        if self.filtering {
            self.paste_filter(text, ctx);
        }
        self.filtering.into()
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::AppsLoaded {
                request,
                append,
                result,
            } => self.on_loaded(request, append, result, ctx),
            Msg::FilterSettled { request } => self.on_filter_settled(request, ctx),
            Msg::Resize(..) => self.keep_in_view(apps_rows_height(ctx.area)),
            other => return Some(other),
        }
        None
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        AppsList::hints(self, keys)
    }

    fn is_typing(&self) -> bool {
        self.filtering
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        draw_list(self, cx, area, buf, &cx.palette);
    }
}
