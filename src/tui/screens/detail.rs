//! An app's detail view, tabbed as in the Console: Application details, Access settings,
//! Credentials, Authorized applications (authorization-code apps), and the app's Audit events. Edit, Save and Cancel on the first two; Rotate
//! secret, End grace now and Delete from anywhere. A save carries the version it was based on, so that one over
//! someone else's change is refused rather than overwriting it.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

use super::audit::{AuditLayout, AuditLog, audit_in, audit_table, audit_toolbar};
use super::authorized::{AuthorizedList, TableLayout, authorized_table, table_in};
use super::dialogs::{Confirm, DeleteDialog, RotateDialog};
use super::forms::{DetailsFocus, DetailsForm, FormOutcome};
use super::scopes::{ScopesFocus, ScopesForm};
use crate::backend::{BackendError, Result};
use crate::model::{AppUpdate, AppView, GrantType, MAX_SCOPES, OwnerKind, scopes::Area};
pub use crate::tui::component::Tab;
use crate::tui::component::{Component, ConfirmAction, Ctx, DrawCtx, EventState, Nav};
use crate::tui::effect::{Effect, Msg};
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{
    self, LABEL_WIDTH, body_inner, button_at, hit, indented, last_line, line, row_at, rows,
};
use crate::tui::widgets::{self, Palette, put};
use crate::tui::zone::Zone;

/// What a button under a tab does when pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailButton {
    Save,
    CancelEdit,
    Edit,
    Rotate,
    EndGrace,
    CopyClientId,
    Delete,
    Revoke,
}

impl DetailButton {
    /// The action of the key that does the same, whose binding says whether the button is there.
    fn action(self) -> Option<Action> {
        match self {
            DetailButton::Save | DetailButton::CancelEdit => None,
            DetailButton::Edit => Some(Action::Edit),
            DetailButton::Rotate => Some(Action::RotateSecret),
            DetailButton::EndGrace => Some(Action::EndGrace),
            DetailButton::CopyClientId => Some(Action::CopyClientId),
            DetailButton::Delete => Some(Action::DeleteThisApp),
            DetailButton::Revoke => Some(Action::Revoke),
        }
    }
}

pub enum DetailEdit {
    Details(Box<DetailsForm>),
    Access(Box<ScopesForm>),
}

pub struct Detail {
    pub app: AppView,
    pub tab: Tab,
    pub edit: Option<DetailEdit>,
    /// Set while a save runs.
    pub saving: bool,
    pub audit: AuditLog,
    /// This app's authorizations, on the Authorized applications tab.
    pub authorized: AuthorizedList,
}

impl Detail {
    pub fn new(app: AppView, tab: Tab, ctx: &mut Ctx) -> Detail {
        let audit = AuditLog::for_app(
            app.owner.clone(),
            app.sid.clone(),
            app.settings.name.clone(),
        );
        let authorized = AuthorizedList::new(app.owner.clone(), Some(app.sid.clone()));
        let mut detail = Detail {
            app,
            tab: Tab::ApplicationDetails,
            edit: None,
            saving: false,
            audit,
            authorized,
        };
        detail.show(tab, ctx);
        detail
    }

    pub fn holds_input(&self) -> bool {
        match &self.edit {
            Some(DetailEdit::Details(form)) => form.holds_input(),
            Some(DetailEdit::Access(form)) => form.holds_input(),
            None => false,
        }
    }

    pub fn is_typing(&self) -> bool {
        match &self.edit {
            Some(DetailEdit::Details(form)) => form.is_typing(),
            Some(DetailEdit::Access(form)) => form.is_typing(),
            None => false,
        }
    }

    /// Switches tab (dropping an edit that was not saved: Cancel by another name).
    pub fn show(&mut self, tab: Tab, ctx: &mut Ctx) {
        if !self.tabs().contains(&tab) {
            return;
        }
        if self.edit.is_some() && tab != self.tab {
            self.edit = None;
        }
        self.tab = tab;
        if tab == Tab::AuditEvents && !self.audit.events.loaded {
            self.audit.load(ctx, false);
        }
        if tab == Tab::AuthorizedApps && !self.authorized.rows.loaded {
            self.authorized.load(ctx, false);
        }
    }

    pub fn tabs(&self) -> Vec<Tab> {
        Tab::of(&self.app)
    }

    /// The tab after (or before) the current one, wrapping around.
    fn step(&self, forward: bool) -> Tab {
        let tabs = self.tabs();
        let n = tabs.len();
        let i = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
        tabs[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }

    fn start_edit(&mut self, ctx: &mut Ctx) {
        match self.tab {
            Tab::ApplicationDetails => {
                self.edit = Some(DetailEdit::Details(Box::new(DetailsForm::edit(&self.app))));
            }
            Tab::AccessSettings => {
                self.edit = Some(DetailEdit::Access(Box::new(ScopesForm::edit(&self.app))));
            }
            Tab::Credentials | Tab::AuthorizedApps | Tab::AuditEvents => {
                ctx.info("Only Application details and Access settings can be edited");
            }
        }
    }

    /// Checks the edit with the model's rules and, if it passes, saves it.
    pub fn save(&mut self, ctx: &mut Ctx) {
        if self.saving {
            return;
        }
        let kind = self.app.owner_kind();
        let base = self.app.settings.clone();
        let (settings, update) = match &mut self.edit {
            None => return,
            Some(DetailEdit::Details(form)) => {
                let settings = form.apply_to(base);
                let update = AppUpdate {
                    name: Some(settings.name.clone()),
                    description: Some(settings.description.clone()),
                    company_name: Some(settings.company_name.clone()),
                    images: Some(settings.images.clone()),
                    homepage_url: Some(settings.homepage_url.clone()),
                    terms_url: Some(settings.terms_url.clone()),
                    redirect_uris: Some(settings.redirect_uris.clone()),
                    ..AppUpdate::default()
                };
                (settings, update)
            }
            Some(DetailEdit::Access(form)) => {
                let Some(settings) = form.apply_to(base) else {
                    ctx.error("Correct the token expiration to save");
                    return;
                };
                let update = AppUpdate {
                    scopes: Some(settings.scopes.clone()),
                    token_ttl: (kind == OwnerKind::Account).then_some(settings.token_ttl),
                    ..AppUpdate::default()
                };
                (settings, update)
            }
        };
        if let Err(errors) = settings.validate(kind, self.app.grant_type) {
            self.show_errors(&errors);
            ctx.error(format!("Not saved: {errors}"));
            return;
        }
        self.saving = true;
        ctx.effect(Effect::UpdateApp {
            app: self.app.sid.clone(),
            update: AppUpdate {
                expected_version: Some(self.app.version),
                ..update
            },
        });
    }

    fn show_errors(&mut self, errors: &crate::model::ValidationErrors) {
        match &mut self.edit {
            Some(DetailEdit::Details(form)) => {
                form.show_errors(errors);
            }
            Some(DetailEdit::Access(form)) => {
                form.show_errors(errors);
            }
            None => {}
        }
    }

    pub fn on_updated(&mut self, result: Result<AppView>, ctx: &mut Ctx) {
        self.saving = false;
        match result {
            Ok(app) => {
                ctx.done(format!("Saved changes to {}", app.settings.name));
                self.replace_app(app);
                self.edit = None;
            }
            Err(BackendError::Invalid(errors)) => {
                self.show_errors(&errors);
                ctx.error(format!("Not saved: {errors}"));
            }
            Err(BackendError::Conflict(message)) => {
                self.edit = None;
                ctx.error(format!(
                    "Not saved; the latest version is shown, press e to make your change again: {message}"
                ));
                ctx.effect(Effect::LoadApp(self.app.sid.clone()));
            }
            Err(error) => ctx.failed("save the app", &error),
        }
    }

    /// The app as read afresh; its audit events are read again too.
    pub fn replace_app(&mut self, app: AppView) {
        self.app = app;
        self.audit.events.loaded = false;
        self.authorized.rows.loaded = false;
    }

    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> bool {
        if let Some(edit) = &mut self.edit {
            let outcome = match edit {
                DetailEdit::Details(form) => form.handle_key(key, ctx.keys),
                DetailEdit::Access(form) => {
                    let height = form.rows_height(detail_layout(ctx.area).content);
                    form.handle_key(key, height, ctx.keys)
                }
            };
            return match outcome {
                FormOutcome::Submit => {
                    self.save(ctx);
                    true
                }
                FormOutcome::Cancel => {
                    self.cancel_edit(ctx);
                    true
                }
                FormOutcome::Handled => true,
                FormOutcome::Ignored => false,
            };
        }
        if self.tab == Tab::AuditEvents {
            let height = detail_audit_rows_height(ctx.area);
            if self.audit.handle_key(key, height, ctx) {
                return true;
            }
        }
        if self.tab == Tab::AuthorizedApps {
            let height = detail_authorized_rows_height(ctx.area);
            if self.authorized.handle_key(key, height, ctx) {
                return true;
            }
        }
        let tab_by_number = match key.code {
            ratatui::crossterm::event::KeyCode::Char(c @ '1'..='9') => {
                self.tabs().get(usize::from(c as u8 - b'1')).copied()
            }
            _ => None,
        };
        if let Some(tab) = tab_by_number {
            self.show(tab, ctx);
        } else if keys::is_next_field(key) || keys::is_right(key) {
            self.show(self.step(true), ctx);
        } else if keys::is_prev_field(key) || keys::is_left(key) {
            self.show(self.step(false), ctx);
        } else if ctx.keys.is(Action::Edit, key)
            || (keys::is_enter(key)
                && matches!(self.tab, Tab::ApplicationDetails | Tab::AccessSettings))
        {
            self.start_edit(ctx);
        } else if ctx.keys.is(Action::RotateSecret, key)
            || (keys::is_enter(key) && self.tab == Tab::Credentials)
        {
            self.ask_rotate(ctx);
        } else if ctx.keys.is(Action::EndGrace, key) {
            self.ask_end_grace(ctx);
        } else if ctx.keys.is(Action::DeleteThisApp, key) {
            self.ask_delete(ctx);
        } else if ctx.keys.is(Action::CopyClientId, key) {
            self.copy_client_id(ctx);
        } else if ctx.keys.is(Action::CopyAuthorizationUrl, key) {
            self.copy_authorization_url(ctx);
        } else if ctx.keys.is(Action::TokenTool, key) {
            ctx.go(Nav::TokenTool {
                app: Some(Box::new(self.app.clone())),
                from_detail: true,
            });
        } else if ctx.keys.is(Action::Reload, key) {
            ctx.effect(Effect::LoadApp(self.app.sid.clone()));
        } else if keys::is_esc(key) {
            ctx.go(Nav::Apps {
                reselect: Some(self.app.sid.clone()),
            });
        } else {
            return false;
        }
        true
    }

    /// The buttons under the current tab, as (label, what pressing it does): those whose key
    /// is bound, so that a read-only console draws no change.
    pub fn buttons(&self, keys: &KeyMap) -> Vec<(&'static str, DetailButton)> {
        let mut buttons = self.all_buttons();
        buttons.retain(|(_, button)| button.action().is_none_or(|a| keys.is_bound(a)));
        buttons
    }

    fn all_buttons(&self) -> Vec<(&'static str, DetailButton)> {
        use DetailButton::*;
        match (&self.edit, self.tab) {
            (Some(_), _) => vec![("Save", Save), ("Cancel", CancelEdit)],
            (None, Tab::ApplicationDetails) => vec![("Edit application details", Edit)],
            (None, Tab::AccessSettings) => vec![("Edit access settings", Edit)],
            (None, Tab::Credentials) => {
                let mut buttons = vec![("Rotate secret", Rotate)];
                if self.app.secret_in_grace().is_some() {
                    buttons.push(("End grace now", EndGrace));
                }
                buttons.extend([("Copy client ID", CopyClientId), ("Delete app", Delete)]);
                buttons
            }
            // Revoke acts on the selected row: none is drawn over an empty list.
            (None, Tab::AuthorizedApps) => match self.authorized.rows.selected_item() {
                Some(_) => vec![("Revoke", Revoke)],
                None => Vec::new(),
            },
            (None, Tab::AuditEvents) => Vec::new(),
        }
    }

    /// A click on button `index` of [`Detail::buttons`]: what the button names, not a key that
    /// may mean something else where it lands.
    pub fn click_button(&mut self, index: usize, ctx: &mut Ctx) {
        let Some((_, button)) = self.buttons(ctx.keys).get(index).copied() else {
            return;
        };
        match button {
            DetailButton::Save => self.save(ctx),
            DetailButton::CancelEdit => self.cancel_edit(ctx),
            DetailButton::Edit => self.start_edit(ctx),
            DetailButton::Rotate => self.ask_rotate(ctx),
            DetailButton::EndGrace => self.ask_end_grace(ctx),
            DetailButton::CopyClientId => self.copy_client_id(ctx),
            DetailButton::Delete => self.ask_delete(ctx),
            DetailButton::Revoke => self.authorized.ask_revoke(ctx),
        }
    }

    /// Stops editing, asking first when something was changed (as the wizard does).
    fn cancel_edit(&mut self, ctx: &mut Ctx) {
        if self.holds_input() {
            ctx.open(Confirm::new(ConfirmAction::DiscardEdit));
        } else {
            self.discard_edit(ctx);
        }
    }

    fn discard_edit(&mut self, ctx: &mut Ctx) {
        self.edit = None;
        ctx.info("Edit cancelled; nothing was saved");
    }

    fn ask_rotate(&self, ctx: &mut Ctx) {
        ctx.open(RotateDialog::new(&self.app));
    }

    /// Asks before ending the older secret's grace period. With no second secret shown there is
    /// nothing to confirm: the service is asked all the same, and its answer says why not (the
    /// app may have changed since it was loaded).
    fn ask_end_grace(&self, ctx: &mut Ctx) {
        match self.app.secret_in_grace() {
            Some(older) => ctx.open(Confirm::end_grace(&self.app, older, &ctx.session.zone)),
            None => ctx.effect(Effect::EndGrace {
                app: self.app.sid.clone(),
                version: self.app.version,
            }),
        }
    }

    fn ask_delete(&self, ctx: &mut Ctx) {
        ctx.open(DeleteDialog::new(&self.app));
    }

    fn copy_client_id(&self, ctx: &mut Ctx) {
        ctx.effect(Effect::Copy {
            what: "client ID",
            text: self.app.sid.to_string(),
        });
    }

    /// Copies the whole Authorization URL, which the tab shows cut to its width.
    fn copy_authorization_url(&self, ctx: &mut Ctx) {
        match self.app.authorization_url(&ctx.session.issuer) {
            Some(text) => ctx.effect(Effect::Copy {
                what: "authorization URL",
                text,
            }),
            None => ctx.info("Only authorization-code apps have an authorization URL"),
        }
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        match &self.edit {
            Some(DetailEdit::Details(form)) => form.hints(keys),
            Some(DetailEdit::Access(form)) => form.hints(keys),
            None => {
                let mut hints = vec![hint("Tab/←→", "tabs")];
                if self.tab == Tab::AuditEvents {
                    hints.extend(self.audit.hints(keys));
                }
                if self.tab == Tab::AuthorizedApps {
                    hints.extend(self.authorized.hints(keys));
                }
                hints.extend([keys.hint(Action::Edit), keys.hint(Action::RotateSecret)]);
                if self.tab == Tab::Credentials && self.app.secret_in_grace().is_some() {
                    hints.push(keys.hint(Action::EndGrace));
                }
                hints.push(keys.hint(Action::DeleteThisApp));
                // Before the token tool and the client ID's copy, which the footer drops first
                // when short of room: the URL is cut on screen, its key the way to all of it.
                if self.tab == Tab::Credentials
                    && self.app.grant_type == GrantType::AuthorizationCode
                {
                    hints.push(keys.hint_as(Action::CopyAuthorizationUrl, "copy URL"));
                }
                hints.extend([
                    keys.hint(Action::TokenTool),
                    keys.hint(Action::CopyClientId),
                ]);
                hints.push(hint("Esc", "back"));
                hints
            }
        }
    }
}

/// The detail view: tabs, the tab's content, and its buttons.
pub struct DetailLayout {
    pub tabs: Rect,
    pub content: Rect,
    pub buttons: Rect,
}

pub fn detail_layout(area: Rect) -> DetailLayout {
    let inner = body_inner(area);
    DetailLayout {
        tabs: line(inner, 0),
        content: rows(inner, 2, 2),
        buttons: indented(last_line(inner)),
    }
}

/// The tabs' titles as drawn: " title " separated by "│".
/// Where each tab's title goes on the tab row, with the title shown: the full titles when they
/// all fit, else the short ones, and only past those are titles dropped from the end.
pub fn tab_titles(area: Rect, tabs: &[Tab]) -> Vec<(Tab, Rect, &'static str)> {
    let fits = |title: fn(Tab) -> &'static str| {
        let widths: usize = tabs.iter().map(|tab| title(*tab).width() + 3).sum();
        widths <= usize::from(area.width) + 1
    };
    let title: fn(Tab) -> &'static str = if fits(Tab::title) {
        Tab::title
    } else {
        Tab::short_title
    };
    let mut x = area.x;
    let mut placed = Vec::new();
    for &tab in tabs {
        let shown = title(tab);
        let width = shown.width() as u16 + 2;
        if x + width > area.right() {
            break;
        }
        placed.push((tab, Rect::new(x, area.y, width, 1), shown));
        x += width + 1;
    }
    placed
}

fn detail_audit(area: Rect) -> AuditLayout {
    audit_in(detail_layout(area).content, true)
}

fn detail_audit_rows_height(area: Rect) -> usize {
    usize::from(detail_audit(area).rows.height)
}

fn detail_authorized(area: Rect) -> TableLayout {
    table_in(detail_layout(area).content)
}

fn detail_authorized_rows_height(area: Rect) -> usize {
    usize::from(detail_authorized(area).rows.height)
}

fn draw_detail(detail: &Detail, cx: &DrawCtx, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let issuer = cx.session.issuer.as_str();
    let placed = detail_layout(area);
    for (tab, rect, title) in tab_titles(placed.tabs, &detail.tabs()) {
        let (text, style) = if tab == detail.tab {
            (format!("[{title}]"), palette.current_tab)
        } else {
            (format!(" {title} "), palette.dim)
        };
        put(buf, rect, rect.x, &text, style);
        if tab != Tab::AuditEvents && rect.right() < placed.tabs.right() {
            put(buf, placed.tabs, rect.right(), "│", palette.dim);
        }
    }
    let content = placed.content;
    match (&detail.edit, detail.tab) {
        (Some(DetailEdit::Details(form)), _) => form.draw(content, buf, palette),
        (Some(DetailEdit::Access(form)), _) => form.draw(content, buf, palette),
        (None, Tab::ApplicationDetails) => {
            app_details(&detail.app, &cx.session.zone, content, buf, palette)
        }
        (None, Tab::AccessSettings) => access_settings(&detail.app, cx.keys, content, buf, palette),
        (None, Tab::Credentials) => credentials(
            detail,
            issuer,
            cx.keys,
            &cx.session.zone,
            content,
            buf,
            palette,
        ),
        (None, Tab::AuthorizedApps) => {
            let table = detail_authorized(area);
            authorized_table(
                &detail.authorized,
                &table,
                false,
                &cx.session.zone,
                buf,
                palette,
            );
        }
        (None, Tab::AuditEvents) => {
            let placed = detail_audit(area);
            audit_toolbar(&detail.audit, cx.keys, placed.toolbar, buf, palette);
            audit_table(
                &detail.audit,
                &placed,
                false,
                &cx.session.zone,
                buf,
                palette,
            );
        }
    }
    let buttons = detail.buttons(cx.keys);
    let labels: Vec<&str> = buttons.iter().map(|(label, _)| *label).collect();
    let focused = match &detail.edit {
        Some(DetailEdit::Details(form)) => match form.focus {
            DetailsFocus::Submit => Some(0),
            DetailsFocus::Cancel => Some(1),
            _ => None,
        },
        Some(DetailEdit::Access(form)) => match form.focus {
            ScopesFocus::Submit => Some(0),
            ScopesFocus::Back => Some(1),
            _ => None,
        },
        None => None,
    };
    widgets::buttons(buf, placed.buttons, &labels, focused, palette);
}

fn pairs(buf: &mut Buffer, area: Rect, rows: &[(&str, String)], palette: &Palette) {
    for (i, (label, value)) in rows.iter().enumerate() {
        if i as u16 >= area.height {
            break;
        }
        let line = Rect::new(area.x, area.y + i as u16, area.width, 1);
        put(buf, line, line.x + 2, label, palette.dim);
        let shown = if value.is_empty() {
            "—"
        } else {
            value.as_str()
        };
        put(buf, line, line.x + LABEL_WIDTH, shown, Style::default());
    }
}

fn app_details(app: &AppView, zone: &Zone, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let s = &app.settings;
    let mut rows = vec![
        ("Application name", s.name.clone()),
        ("Description", s.description.clone()),
        ("Grant type", app.grant_type.label().to_owned()),
        ("Date created", zone.minute(app.created_at)),
        ("Date updated", zone.minute(app.updated_at)),
        ("Created by", app.created_by.username.clone()),
    ];
    if app.grant_type == GrantType::AuthorizationCode {
        rows.extend([
            ("Company name", s.company_name.clone()),
            ("Images", s.images.join(", ")),
            ("Homepage URL", s.homepage_url.clone()),
            ("Terms of service URL", s.terms_url.clone()),
            ("Redirect URLs", s.redirect_uris.join(", ")),
        ]);
    }
    pairs(buf, area, &rows, palette);
}

fn access_settings(app: &AppView, keys: &KeyMap, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let ttl = match app.owner_kind() {
        OwnerKind::Account => app.settings.token_ttl.to_string(),
        OwnerKind::Organization => {
            format!("{} (fixed for organization apps)", app.settings.token_ttl)
        }
    };
    pairs(
        buf,
        area,
        &[
            ("Token expiration", ttl),
            (
                "OAuth scopes",
                format!("{}/{MAX_SCOPES}", app.settings.scopes.len()),
            ),
        ],
        palette,
    );
    let list = Rect::new(
        area.x,
        area.y + 3,
        area.width,
        area.height.saturating_sub(3),
    );
    let catalog = crate::model::scopes::catalog();
    let mut lines: Vec<(String, Style)> = Vec::new();
    for &group in Area::for_owner(app.owner_kind()) {
        let names: Vec<&str> = catalog
            .for_owner(app.owner_kind())
            .filter(|p| p.area == group && app.settings.scopes.iter().any(|s| s == p.name))
            .map(|p| p.name)
            .collect();
        if names.is_empty() {
            continue;
        }
        lines.push((format!("{} ({})", group.name(), names.len()), palette.title));
        lines.extend(
            names
                .into_iter()
                .map(|n| (format!("  {n}"), Style::default())),
        );
    }
    let height = usize::from(list.height);
    let more = lines.len().saturating_sub(height);
    for (i, (text, style)) in lines
        .iter()
        .take(if more > 0 { height - 1 } else { height })
        .enumerate()
    {
        let line = Rect::new(list.x, list.y + i as u16, list.width, 1);
        put(buf, line, line.x + 2, text, *style);
    }
    if more > 0 && height > 0 {
        let line = Rect::new(list.x, list.bottom() - 1, list.width, 1);
        put(
            buf,
            line,
            line.x + 2,
            &if keys.is_bound(Action::Edit) {
                format!(
                    "… {} more lines; press {} to see and edit them all",
                    more + 1,
                    keys.label(Action::Edit)
                )
            } else {
                format!("… {} more lines", more + 1)
            },
            palette.dim,
        );
    }
}

/// The Copy button at the end of the Credentials tab's Authorization URL line.
const COPY_BUTTON: &str = "[ Copy ]";

/// Where the Credentials tab drawn in `content` has the Authorization URL's Copy button: at the
/// right of its second line (authorization-code apps have the line), two cells in, as on the
/// Copy secret page.
fn url_copy_button(content: Rect) -> Rect {
    let row = line(content, 1);
    let width = (COPY_BUTTON.width() as u16).min(row.width);
    let x = row.right().saturating_sub(width + 2).max(row.x);
    Rect::new(x, row.y, width, row.height)
}

fn credentials(
    detail: &Detail,
    issuer: &str,
    keys: &KeyMap,
    zone: &Zone,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let app = &detail.app;
    pairs(buf, area, &[("Client ID", app.sid.to_string())], palette);
    let mut y = area.y + 2;
    if let Some(url) = app.authorization_url(issuer) {
        let row = line(area, 1);
        put(buf, row, row.x + 2, "Authorization URL", palette.dim);
        let button = url_copy_button(area);
        let room = button.x.saturating_sub(row.x + LABEL_WIDTH + 1);
        put(
            buf,
            row,
            row.x + LABEL_WIDTH,
            &widgets::clip(&url, usize::from(room)),
            Style::default(),
        );
        put(buf, button, button.x, COPY_BUTTON, palette.accent);
        y += 1;
    }
    let line = |y: u16| Rect::new(area.x, y, area.width, 1);
    if y < area.bottom() {
        put(buf, line(y), area.x + 2, "Client secrets", palette.dim);
    }
    y += 1;
    // Newest first: the current secret, then the one in its grace period.
    for secret in app.secrets.iter().rev() {
        if y + 1 >= area.bottom() {
            break;
        }
        let by = secret
            .created_by
            .as_ref()
            .map_or("(not recorded)", |user| user.username.as_str());
        // Both times in one zone name it once, at the end, so that the line fits 80 columns.
        let (created, state) = match secret.expires_at {
            None => (zone.minute(secret.created_at), "no expiry".to_owned()),
            Some(end) if zone.label(end) == zone.label(secret.created_at) => (
                zone.unlabelled_minute(secret.created_at),
                format!("expires {}", zone.minute(end)),
            ),
            Some(end) => (
                zone.minute(secret.created_at),
                format!("expires {}", zone.minute(end)),
            ),
        };
        put(
            buf,
            line(y),
            area.x + 4,
            &format!("{}  created {created} by {by} · {state}", secret.id),
            Style::default(),
        );
        y += 1;
    }
    y += 1;
    if let Some(older) = app.secret_in_grace()
        && y < area.bottom()
    {
        put(
            buf,
            line(y),
            area.x + 2,
            &if keys.is_bound(Action::EndGrace) {
                format!(
                    "Two secrets are active: rotating now ends {} at once; {} ends it now.",
                    older.id,
                    keys.label(Action::EndGrace)
                )
            } else {
                format!(
                    "Two secrets are active: {} stops when its grace period ends.",
                    older.id
                )
            },
            palette.dim,
        );
        y += 1;
    }
    if y < area.bottom() {
        put(
            buf,
            line(y),
            area.x + 2,
            &if keys.is_bound(Action::RotateSecret) {
                format!(
                    "A secret is shown only when it is made. Lost it? Rotate the secret ({}).",
                    keys.label(Action::RotateSecret)
                )
            } else {
                "A secret is shown only when it is made.".to_owned()
            },
            palette.dim,
        );
    }
}

impl Component for Detail {
    fn title(&self, _cx: &DrawCtx) -> String {
        format!(" {} ", self.app.settings.name)
    }

    fn crumbs(&self) -> Vec<String> {
        vec![self.app.settings.name.clone(), self.tab.title().to_owned()]
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        self.handle_key(key, ctx).into()
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        let placed = detail_layout(ctx.area);
        if let Some((tab, _, _)) = tab_titles(placed.tabs, &self.tabs())
            .into_iter()
            .find(|(_, rect, _)| hit(*rect, at))
        {
            self.show(tab, ctx);
            return EventState::Consumed;
        }
        let labels: Vec<&str> = self
            .buttons(ctx.keys)
            .iter()
            .map(|(label, _)| *label)
            .collect();
        if let Some(index) = button_at(&layout::buttons(placed.buttons, &labels), at) {
            self.click_button(index, ctx);
            return EventState::Consumed;
        }
        if self.edit.is_none()
            && self.tab == Tab::Credentials
            && self.app.grant_type == GrantType::AuthorizationCode
            && hit(url_copy_button(placed.content), at)
        {
            self.copy_authorization_url(ctx);
            return EventState::Consumed;
        }
        match &mut self.edit {
            Some(DetailEdit::Details(form)) => match form.field_at(placed.content, at) {
                Some(focus) => form.focus = focus,
                None => return EventState::NotConsumed,
            },
            Some(DetailEdit::Access(form)) => return form.click(placed.content, at).into(),
            None if self.tab == Tab::AuthorizedApps => {
                let Some(row) = row_at(detail_authorized(ctx.area).rows, at) else {
                    return EventState::NotConsumed;
                };
                let height = detail_authorized_rows_height(ctx.area);
                self.authorized.click_row(row, height, ctx);
            }
            None if self.tab == Tab::AuditEvents => {
                let Some(row) = row_at(detail_audit(ctx.area).rows, at) else {
                    return EventState::NotConsumed;
                };
                let height = detail_audit_rows_height(ctx.area);
                self.audit.click_row(row, height, ctx);
            }
            None => return EventState::NotConsumed,
        }
        EventState::Consumed
    }

    /// Pasted text goes to the field with the cursor, in either editor.
    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        match &mut self.edit {
            Some(DetailEdit::Details(form)) => match form.focused_field_mut() {
                Some(field) => field.paste(text),
                None => return EventState::NotConsumed,
            },
            Some(DetailEdit::Access(form)) => {
                if !form.paste(text) {
                    return EventState::NotConsumed;
                }
            }
            None => return EventState::NotConsumed,
        }
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::AppLoaded(result) => match result {
                Ok(app) if app.sid == self.app.sid => {
                    self.replace_app(app);
                    self.show(self.tab, ctx);
                }
                Ok(_) => {}
                Err(error) => ctx.failed("reload the app", &error),
            },
            Msg::AppUpdated(result) => self.on_updated(result, ctx),
            Msg::GraceEnded(result) => match result {
                Ok(app) => {
                    let current = app.secrets.last().map_or("", |secret| secret.id.as_str());
                    ctx.done(format!(
                        "Ended the grace period of {}: its older secret no longer works; secret {current} carries on",
                        app.settings.name
                    ));
                    if app.sid == self.app.sid {
                        self.replace_app(app);
                    }
                }
                Err(error) => ctx.failed("end the grace period", &error),
            },
            Msg::AuditLoaded {
                request,
                append,
                result,
            } => self.audit.on_loaded(request, append, result, ctx),
            msg @ (Msg::AuthorizedLoaded { .. } | Msg::AuthorizationRevoked(_)) => {
                let revoked = matches!(msg, Msg::AuthorizationRevoked(Ok(_)));
                let left = self.authorized.answer(msg, ctx);
                // A revocation is one of the app's audit events.
                if revoked {
                    self.audit.events.loaded = false;
                }
                return left;
            }
            other => return Some(other),
        }
        None
    }

    fn confirmed(&mut self, action: &ConfirmAction, ctx: &mut Ctx) {
        match action {
            // The app and version asked about, as shown when the question was put.
            ConfirmAction::EndGrace { app, version } => ctx.effect(Effect::EndGrace {
                app: app.clone(),
                version: *version,
            }),
            ConfirmAction::DiscardEdit => self.discard_edit(ctx),
            _ => self.authorized.confirmed(action, ctx),
        }
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        Detail::hints(self, keys)
    }

    fn is_typing(&self) -> bool {
        Detail::is_typing(self)
    }

    fn holds_input(&self) -> bool {
        Detail::holds_input(self)
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        draw_detail(self, cx, area, buf, &cx.palette);
    }
}
