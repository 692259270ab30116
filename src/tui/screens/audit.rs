//! Audit events, newest first: the whole owner's on the Audit events screen, one app's on its
//! detail view. Filter by event type (`t`) and by app (`f`, the selected event's app); the
//! selected event's details (who, when, what changed) show beside the list.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Margin, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::paged::{OnReload, PagedRows};
use crate::backend::Result;
use crate::model::{AuditEvent, AuditEventType, AuditFilter, Page, Sid};
use crate::tui::component::{Component, Ctx, DrawCtx, EventState, Nav, Tab};
use crate::tui::effect::{Effect, Msg};
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{self, body_inner, line, rows};
use crate::tui::widgets::{ListBody, Palette, cells, put};
use crate::tui::zone::Zone;

/// Events asked for at a time.
const PAGE_SIZE: usize = 200;

pub struct AuditLog {
    pub owner: Sid,
    /// Only this app's events, by SID and name.
    pub app: Option<(Sid, String)>,
    /// On an app's detail view the app filter cannot be lifted.
    pub app_fixed: bool,
    pub event_type: Option<AuditEventType>,
    /// A new filter is another query, so a reload starts at the top.
    pub events: PagedRows<AuditEvent>,
}

impl AuditLog {
    pub fn new(owner: Sid) -> AuditLog {
        AuditLog {
            owner,
            app: None,
            app_fixed: false,
            event_type: None,
            events: PagedRows::new(OnReload::Top),
        }
    }

    pub fn for_app(owner: Sid, app: Sid, name: String) -> AuditLog {
        AuditLog {
            app: Some((app, name)),
            app_fixed: true,
            ..AuditLog::new(owner)
        }
    }

    pub fn load(&mut self, ctx: &mut Ctx, append: bool) {
        let Some((request, after)) = self.events.start_load(ctx, append) else {
            return;
        };
        ctx.effect(Effect::LoadAudit {
            request,
            filter: AuditFilter {
                owner: Some(self.owner.clone()),
                app: self.app.as_ref().map(|(sid, _)| sid.clone()),
                event_type: self.event_type,
                page_size: PAGE_SIZE,
                after,
            },
            append,
        });
    }

    /// Takes a page; reads the next one when keys pressed meanwhile went past it.
    pub fn on_loaded(
        &mut self,
        request: u64,
        append: bool,
        result: Result<Page<AuditEvent>>,
        ctx: &mut Ctx,
    ) {
        if self.events.on_page(request, append, result) {
            self.load(ctx, true);
        }
    }

    pub fn selected_event(&self) -> Option<&AuditEvent> {
        self.events.selected_item()
    }

    pub fn click_row(&mut self, index: usize, height: usize, ctx: &mut Ctx) {
        if self.events.click_row(index, height) == Some(true) {
            self.load(ctx, true);
        }
    }

    /// The next event type in the filter's cycle: all, then each type.
    fn next_type(current: Option<AuditEventType>) -> Option<AuditEventType> {
        let all = AuditEventType::ALL;
        match current {
            None => Some(all[0]),
            Some(t) => all
                .iter()
                .position(|x| *x == t)
                .and_then(|i| all.get(i + 1).copied()),
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, height: usize, ctx: &mut Ctx) -> bool {
        if let Some(near_the_end) = self.events.move_by(key, height) {
            if near_the_end {
                self.load(ctx, true);
            }
            return true;
        }
        if ctx.keys.is(Action::EventType, key) {
            self.event_type = Self::next_type(self.event_type);
            self.load(ctx, false);
        } else if ctx.keys.is(Action::EventApp, key) && !self.app_fixed {
            if self.app.is_some() {
                self.app = None;
            } else if let Some(event) = self.selected_event() {
                self.app = Some((event.app.clone(), event.app_name.clone()));
            } else {
                ctx.info("Select an event first: f keeps the events of its app");
                return true;
            }
            self.load(ctx, false);
        } else if ctx.keys.is(Action::Reload, key) {
            self.load(ctx, false);
        } else {
            return false;
        }
        true
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        let mut hints = vec![hint("↑↓/jk", "move"), keys.hint(Action::EventType)];
        if !self.app_fixed {
            hints.push(if self.app.is_some() {
                keys.hint_as(Action::EventApp, "all apps")
            } else {
                keys.hint(Action::EventApp)
            });
        }
        hints.push(keys.hint(Action::Reload));
        hints
    }
}

/// A list of events beside the selected one's details.
pub struct AuditLayout {
    pub toolbar: Rect,
    pub header: Rect,
    pub rows: Rect,
    pub details: Rect,
    /// The details under the list rather than beside it.
    pub stacked: bool,
}

pub fn audit_in(inner: Rect, toolbar: bool) -> AuditLayout {
    let top = u16::from(toolbar);
    let below = rows(inner, top, 0);
    let details_width = (below.width / 3).max(40).min(below.width);
    // Beside the list, the details would leave it too narrow for its four columns (an 80-column
    // terminal): they go under it instead.
    let stacked = below.width.saturating_sub(details_width) < TABLE_MIN_WIDTH;
    let [list, details] = if stacked {
        let details_height = (below.height / 2).min(12);
        Layout::vertical([Constraint::Min(0), Constraint::Length(details_height)]).areas(below)
    } else {
        Layout::horizontal([Constraint::Min(0), Constraint::Length(details_width)]).areas(below)
    };
    AuditLayout {
        toolbar: line(inner, 0),
        header: line(list, 0),
        rows: rows(list, 1, 0),
        details,
        stacked,
    }
}

/// The width the list needs for Date, Event, a few cells of App, and By.
const TABLE_MIN_WIDTH: u16 = 2 + 16 + 1 + 26 + 1 + 6 + 1 + 12;

pub fn audit_layout(area: Rect) -> AuditLayout {
    audit_in(body_inner(area), true)
}

pub fn audit_rows_height(area: Rect) -> usize {
    usize::from(audit_layout(area).rows.height)
}

pub fn audit_toolbar(
    log: &AuditLog,
    keys: &KeyMap,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let event_type = log.event_type.map_or("all", |t| t.name());
    let app = log
        .app
        .as_ref()
        .map_or("all apps".to_owned(), |(_, name)| name.clone());
    let count = log.events.count("event", "events");
    put(
        buf,
        area,
        area.x,
        &format!(
            "Type: {event_type} ({})   App: {app}   · {count} · newest first",
            keys.label(Action::EventType)
        ),
        palette.dim,
    );
}

pub fn audit_table(
    log: &AuditLog,
    placed: &AuditLayout,
    with_app: bool,
    zone: &Zone,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let header = placed.header;
    let dates = zone.event_column(log.events.items.iter().map(|event| event.at));
    let date_width = dates.width();
    let widths: Vec<u16> = if with_app {
        vec![
            date_width,
            26,
            header
                .width
                .saturating_sub(2 + date_width + 26 + 12 + 3)
                .max(6),
            12,
        ]
    } else {
        vec![date_width, 26, 12]
    };
    let mut x = header.x + 2;
    let columns: Vec<(u16, u16)> = widths
        .iter()
        .map(|w| {
            let at = (x, *w);
            x = x.saturating_add(w + 1);
            at
        })
        .collect();
    let date_title = dates.title("Date");
    let titles: Vec<&str> = if with_app {
        vec![&date_title, "Event", "App", "By"]
    } else {
        vec![&date_title, "Event", "By"]
    };
    cells(buf, header, &columns, &titles, palette.title);
    let shown = ListBody {
        error: log
            .events
            .error
            .as_ref()
            .map(|error| format!("Could not read events: {error}")),
        empty: (log.events.items.is_empty() && !log.events.loading).then_some("No events match."),
        offset: log.events.offset,
        selected: log.events.selected,
    };
    shown.draw(
        buf,
        placed.rows,
        palette,
        &log.events.items,
        |buf, line, event, style| {
            let date = dates.text(event.at);
            let texts: Vec<&str> = if with_app {
                vec![
                    &date,
                    event.event_type.name(),
                    &event.app_name,
                    &event.actor.username,
                ]
            } else {
                vec![&date, event.event_type.name(), &event.actor.username]
            };
            cells(buf, line, &columns, &texts, style);
        },
    );
    if log.events.error.is_none() {
        event_details(log.selected_event(), placed, zone, buf, palette);
    }
}

fn event_details(
    event: Option<&AuditEvent>,
    placed: &AuditLayout,
    zone: &Zone,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let area = placed.details;
    let block = Block::default()
        .borders(if placed.stacked {
            Borders::TOP
        } else {
            Borders::LEFT
        })
        .border_style(palette.dim)
        .title(Line::styled(" Details ", palette.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(event) = event else {
        return;
    };
    let mut lines = vec![
        Line::from(event.event_type.name()),
        Line::from(format!("at   {}", zone.second(event.at))),
        Line::from(format!("by   {}", event.actor.username)),
        Line::styled(format!("  {}", event.actor.sid), palette.dim),
        Line::from(format!("app  {}", event.app_name)),
        Line::styled(format!("  {}", event.app), palette.dim),
        Line::from(""),
    ];
    if event.changes.is_empty() {
        lines.push(Line::styled("No field changes recorded.", palette.dim));
    }
    for change in &event.changes {
        lines.push(Line::styled(change.field.clone(), palette.title));
        if !change.before.is_empty() {
            lines.push(Line::from(format!("  before: {}", change.before)));
        }
        lines.push(Line::from(format!(
            "  {}{}",
            if change.before.is_empty() {
                ""
            } else {
                "after:  "
            },
            change.after
        )));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner.inner(Margin::new(1, 0)), buf);
}

/// The Audit events screen: the whole owner's events. On an app's detail view the same list is a
/// part of the Audit events tab, which asks it for its keys.
impl Component for AuditLog {
    fn title(&self, cx: &DrawCtx) -> String {
        format!(" Audit events · {} ", cx.owner_name())
    }

    fn crumbs(&self) -> Vec<String> {
        vec![Tab::AuditEvents.title().to_owned()]
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if keys::is_esc(key) {
            ctx.go(Nav::apps());
            return EventState::Consumed;
        }
        let height = audit_rows_height(ctx.area);
        self.handle_key(key, height, ctx).into()
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match layout::row_at(audit_layout(ctx.area).rows, at) {
            Some(row) => {
                self.click_row(row, audit_rows_height(ctx.area), ctx);
                EventState::Consumed
            }
            None => EventState::NotConsumed,
        }
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::AuditLoaded {
                request,
                append,
                result,
            } => {
                self.on_loaded(request, append, result, ctx);
                None
            }
            other => Some(other),
        }
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        let mut hints = AuditLog::hints(self, keys);
        hints.push(hint("Esc", "back"));
        hints
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let placed = audit_layout(area);
        audit_toolbar(self, cx.keys, placed.toolbar, buf, &cx.palette);
        audit_table(self, &placed, true, &cx.session.zone, buf, &cx.palette);
    }
}
