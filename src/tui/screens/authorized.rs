//! Authorized applications (seed 002): the approvals people gave an organization's
//! authorization-code apps — app, authorized by, scopes, date and last use — newest first, with
//! Revoke behind a confirmation. The whole organization's on their own screen, one app's on its
//! detail view.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};

use super::dialogs::Confirm;
use super::paged::{OnReload, PagedRows};
use crate::backend::Result;
use crate::model::{Authorization, Page, Sid};
use crate::tui::component::{Component, ConfirmAction, Ctx, DrawCtx, EventState, Nav, Tab};
use crate::tui::effect::{Effect, Msg};
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{self, body_inner, line, rows};
use crate::tui::widgets::{ListBody, Palette, cells, put};
use crate::tui::zone::Zone;

/// Authorizations asked for at a time.
const PAGE_SIZE: usize = 200;

pub struct AuthorizedList {
    pub owner: Sid,
    /// Only this app's authorizations (on its detail view).
    pub app: Option<Sid>,
    /// Read again after a revoke, so a reload keeps the selected row.
    pub rows: PagedRows<Authorization>,
}

impl AuthorizedList {
    pub fn new(owner: Sid, app: Option<Sid>) -> AuthorizedList {
        AuthorizedList {
            owner,
            app,
            rows: PagedRows::new(OnReload::KeepRow),
        }
    }

    pub fn load(&mut self, ctx: &mut Ctx, append: bool) {
        let Some((request, after)) = self.rows.start_load(ctx, append) else {
            return;
        };
        ctx.effect(Effect::LoadAuthorized {
            request,
            owner: self.owner.clone(),
            app: self.app.clone(),
            page_size: PAGE_SIZE,
            after,
            append,
        });
    }

    /// Takes a page; reads the next one when keys pressed meanwhile went past it.
    pub fn on_loaded(
        &mut self,
        request: u64,
        append: bool,
        result: Result<Page<Authorization>>,
        ctx: &mut Ctx,
    ) {
        if self.rows.on_page(request, append, result) {
            self.load(ctx, true);
        }
    }

    /// The list's part of a backend's answer: its pages, and a revoke (the list is read again).
    pub fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::AuthorizedLoaded {
                request,
                append,
                result,
            } => self.on_loaded(request, append, result, ctx),
            Msg::AuthorizationRevoked(result) => match result {
                Ok(revoked) => {
                    ctx.done(format!(
                        "Revoked the access {} gave to {}; its tokens stopped working",
                        revoked.user.username, revoked.app_name
                    ));
                    self.load(ctx, false);
                }
                Err(error) => ctx.failed("revoke the authorization", &error),
            },
            other => return Some(other),
        }
        None
    }

    /// "Yes" to a revoke this list asked about.
    pub fn confirmed(&mut self, action: &ConfirmAction, ctx: &mut Ctx) {
        if let ConfirmAction::RevokeAuthorization(sid) = action {
            ctx.effect(Effect::RevokeAuthorization(sid.clone()));
        }
    }

    pub fn click_row(&mut self, index: usize, height: usize, ctx: &mut Ctx) {
        if self.rows.click_row(index, height) == Some(true) {
            self.load(ctx, true);
        }
    }

    /// Asks before revoking the selected authorization.
    pub fn ask_revoke(&self, ctx: &mut Ctx) {
        match self.rows.selected_item() {
            Some(authorization) => {
                ctx.open(Confirm::revoke(authorization, &ctx.session.zone));
            }
            None => ctx.info("No authorization is selected to revoke"),
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, height: usize, ctx: &mut Ctx) -> bool {
        if let Some(near_the_end) = self.rows.move_by(key, height) {
            if near_the_end {
                self.load(ctx, true);
            }
            return true;
        }
        if ctx.keys.is(Action::Revoke, key) {
            self.ask_revoke(ctx);
        } else if ctx.keys.is(Action::Reload, key) {
            self.load(ctx, false);
        } else {
            return false;
        }
        true
    }

    /// `revoke` only while a row is selected, since it revokes that row.
    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        let mut hints = vec![hint("↑↓/jk", "move")];
        if self.rows.selected_item().is_some() {
            hints.push(keys.hint(Action::Revoke));
        }
        hints.push(keys.hint(Action::Reload));
        hints
    }
}

/// A table of authorizations: its header line, then its rows.
pub struct TableLayout {
    pub header: Rect,
    pub rows: Rect,
}

pub fn table_in(area: Rect) -> TableLayout {
    TableLayout {
        header: line(area, 0),
        rows: rows(area, 1, 0),
    }
}

/// The Authorized applications screen: a line that says what it is, then the table.
pub fn authorized_layout(area: Rect) -> (Rect, TableLayout) {
    let inner = body_inner(area);
    (line(inner, 0), table_in(rows(inner, 2, 0)))
}

pub fn authorized_rows_height(area: Rect) -> usize {
    usize::from(authorized_layout(area).1.rows.height)
}

/// Authorized applications: app (on the organization's screen), authorized by, scopes, date
/// authorized and last used.
pub fn authorized_table(
    list: &AuthorizedList,
    placed: &TableLayout,
    with_app: bool,
    zone: &Zone,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let header = placed.header;
    let authorized = zone.column(list.rows.items.iter().map(|row| row.created_at));
    let used = zone.column(list.rows.items.iter().map(|row| row.last_used_at));
    let fixed = 2 + 16 + authorized.width() + used.width() + 4;
    let widths: Vec<u16> = if with_app {
        let rest = header.width.saturating_sub(fixed + 1);
        vec![
            rest / 2,
            16,
            rest - rest / 2,
            authorized.width(),
            used.width(),
        ]
    } else {
        vec![
            16,
            header.width.saturating_sub(fixed).max(8),
            authorized.width(),
            used.width(),
        ]
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
    let authorized_title = authorized.title("Authorized");
    let used_title = used.title("Last used");
    let mut titles = vec!["Authorized by", "Scopes", &authorized_title, &used_title];
    if with_app {
        titles.insert(0, "App");
    }
    cells(buf, header, &columns, &titles, palette.title);
    let list = &list.rows;
    let shown = ListBody {
        error: list.error.as_ref().map(|error| {
            format!("Could not read the authorizations: {error}. Press R to try again.")
        }),
        empty: (list.items.is_empty() && !list.loading).then_some(
            "No one has authorized an app here yet: they do so on the consent page of its Authorization URL.",
        ),
        offset: list.offset,
        selected: list.selected,
    };
    shown.draw(
        buf,
        placed.rows,
        palette,
        &list.items,
        |buf, line, authorization, style| {
            let scopes = authorization.scopes.join(" ");
            let date = authorized.text(authorization.created_at);
            let last_used = used.text(authorization.last_used_at);
            let mut texts: Vec<&str> =
                vec![&authorization.user.username, &scopes, &date, &last_used];
            if with_app {
                texts.insert(0, &authorization.app_name);
            }
            cells(buf, line, &columns, &texts, style);
        },
    );
}

/// The organization's Authorized applications screen. On an app's detail view the same list is
/// the Authorized applications tab's, which asks it for its keys.
impl Component for AuthorizedList {
    fn title(&self, cx: &DrawCtx) -> String {
        format!(" Authorized applications · {} ", cx.owner_name())
    }

    fn crumbs(&self) -> Vec<String> {
        vec![Tab::AuthorizedApps.title().to_owned()]
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if keys::is_esc(key) {
            ctx.go(Nav::apps());
            return EventState::Consumed;
        }
        let height = authorized_rows_height(ctx.area);
        self.handle_key(key, height, ctx).into()
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match layout::row_at(authorized_layout(ctx.area).1.rows, at) {
            Some(row) => {
                self.click_row(row, authorized_rows_height(ctx.area), ctx);
                EventState::Consumed
            }
            None => EventState::NotConsumed,
        }
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        AuthorizedList::answer(self, msg, ctx)
    }

    fn confirmed(&mut self, action: &ConfirmAction, ctx: &mut Ctx) {
        AuthorizedList::confirmed(self, action, ctx);
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        let mut hints = AuthorizedList::hints(self, keys);
        hints.push(hint("Esc", "back"));
        hints
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        let (intro, table) = authorized_layout(area);
        put(
            buf,
            intro,
            intro.x + 2,
            &format!(
                "Apps people approved for this organization, newest first · {}",
                self.rows.count("authorization", "authorizations")
            ),
            palette.dim,
        );
        authorized_table(self, &table, true, &cx.session.zone, buf, palette);
    }
}
