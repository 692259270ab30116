//! Drawing: a function of the model alone (`impl Widget for &State`). No I/O and no slow work:
//! lists draw only the rows in view, so a frame costs the same with ten apps or 100,000.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::fields::TextField;
use super::keys::Action;
use super::layout::{self, LABEL_WIDTH};
use super::screens::apps::AppsList;
use super::screens::audit::AuditLog;
use super::screens::authorized::AuthorizedList;
use super::screens::detail::{Detail, DetailEdit, Tab};
use super::screens::dialogs::{
    Confirm, DeleteDialog, DeleteFocus, Dialog, FileAction, FileDialog, FileFocus,
    ImportPlanDialog, RotateDialog, RotateFocus, SignInDialog,
};
use super::screens::forms::{DetailsFocus, DetailsForm, FormMode};
use super::screens::scopes::{ScopeRow, ScopesFocus, ScopesForm};
use super::screens::secret::{SecretFocus, SecretPage, SecretPurpose};
use super::screens::sign_in::{SignInFocus, SignInForm};
use super::screens::token::{TokenFocus, TokenOutcome, TokenTool, describe_left};
use super::screens::wizard::{STEP_TITLES, Step, Wizard};
use super::state::{Screen, State, StatusKind};
use super::update::hints;
use super::widgets::{self, Palette, put};
use crate::model::{AuditEvent, GrantType, MAX_SCOPES, OAuthApp, OwnerKind, scopes::Area};
use crate::store::AppOrder;

impl Widget for &State {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let palette = Palette::of(self.theme);
        let chrome = layout::chrome(area);
        header(self, chrome.header, buf, &palette);
        let title = match &self.screen {
            Screen::Starting => " oauth-console ".to_owned(),
            Screen::SignIn(_) => " Sign in ".to_owned(),
            Screen::Apps(_) => format!(" OAuth apps · {} ", self.owner_name()),
            Screen::Wizard(_) => format!(" Create an OAuth app · {} ", self.owner_name()),
            Screen::Detail(detail) => format!(" {} ", detail.app.settings.name),
            Screen::Audit(_) => format!(" Audit events · {} ", self.owner_name()),
            Screen::RotatedSecret(page) => {
                format!(" New client secret · {} ", page.app.settings.name)
            }
            Screen::TokenTool(_) => " Token tool ".to_owned(),
            Screen::Authorized(_) => {
                format!(" Authorized applications · {} ", self.owner_name())
            }
        };
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(title, palette.title))
            .render(chrome.body, buf);
        match &self.screen {
            Screen::Starting => {
                let inner = layout::body_inner(area);
                put(buf, inner, inner.x + 1, "Reading who you are…", palette.dim);
            }
            Screen::SignIn(form) => {
                sign_in_screen(form, self.session.server.as_deref(), area, buf, &palette)
            }
            Screen::Apps(list) => apps(list, self, area, buf, &palette),
            Screen::Wizard(wizard) => self::wizard(wizard, area, buf, &palette),
            Screen::Detail(detail) => {
                self::detail(detail, &self.session.issuer, area, buf, &palette)
            }
            Screen::Audit(log) => {
                let placed = layout::audit(area);
                audit_toolbar(log, placed.toolbar, buf, &palette);
                audit_table(log, &placed, true, buf, &palette);
            }
            Screen::RotatedSecret(page) => secret(page, area, buf, &palette),
            Screen::TokenTool(tool) => token_tool(tool, area, buf, &palette),
            Screen::Authorized(list) => {
                let (intro, table) = layout::authorized(area);
                put(
                    buf,
                    intro,
                    intro.x + 2,
                    &format!(
                        "Apps people approved for this organization, newest first · {}",
                        list.rows.count("authorization", "authorizations")
                    ),
                    palette.dim,
                );
                authorized_table(list, &table, true, buf, &palette);
            }
        }
        status(self, chrome.status, buf, &palette);
        footer(self, chrome.footer, buf, &palette);
        if let Some(at) = self.owner_picker {
            owner_picker(self, at, area, buf, &palette);
        }
        if let Some(dialog) = &self.dialog {
            self::dialog(dialog, area, buf, &palette);
        }
        if self.help {
            help(self, area, buf, &palette);
        }
    }
}

impl State {
    fn owner_name(&self) -> String {
        self.session
            .owner()
            .map_or_else(String::new, |access| access.owner.name.clone())
    }
}

fn header(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let serving = state
        .session
        .serving
        .as_ref()
        .map(|url| format!(" serving {url} "));
    let serving_width = serving.as_ref().map_or(0, |s| s.chars().count() as u16);
    let area = Rect::new(
        area.x,
        area.y,
        area.width.saturating_sub(serving_width),
        area.height,
    );
    if let Some(text) = &serving {
        let whole = Rect::new(area.x, area.y, area.width + serving_width, area.height);
        put(buf, whole, area.right(), text, palette.done);
    }
    let user = state.session.user.as_ref().map(|user| {
        let role = state
            .session
            .owner()
            .map_or("no role", |access| access.role.name());
        format!("{} · {role}", user.username)
    });
    let refused = state.session.owner().is_some() && !state.session.may_manage();
    let refusal = " · may not manage OAuth apps";
    let owner = |with_sid: bool| {
        state.session.owner().map(|access| {
            let sid = if with_sid {
                format!(" ({})", access.owner.sid)
            } else {
                String::new()
            };
            format!("{}: {}{sid} ▾ ", access.owner.label(), access.owner.name)
        })
    };
    let length = |owner: &Option<String>| {
        15 + owner.as_ref().map_or(0, |o| o.chars().count() + 2)
            + user.as_ref().map_or(0, |u| u.chars().count() + 2)
            + if refused { refusal.chars().count() } else { 0 }
    };
    // The owner's SID goes first when the line is too narrow for everything.
    let mut shown_owner = owner(true);
    if length(&shown_owner) > usize::from(area.width) {
        shown_owner = owner(false);
    }
    let mut at = put(buf, area, area.x, " oauth-console ", palette.title);
    if let Some(text) = &shown_owner {
        at = put(buf, area, at, "│ ", palette.dim);
        at = put(buf, area, at, text, palette.accent);
    }
    if let Some(text) = &user {
        at = put(buf, area, at, "│ ", palette.dim);
        at = put(buf, area, at, text, Style::default());
        if refused {
            put(buf, area, at, refusal, palette.error);
        }
    }
}

/// Braille dots, one a tick, while a request is in flight.
const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Lines a status may take: its own, and when it does not fit there, more over the bottom of the
/// body, so that the advice at the end of a long message is read rather than cut off.
const STATUS_LINES: usize = 3;

fn status(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let mut spinner_width = 0;
    if let Some(frame) = state.spinner {
        let text = format!("{} working…", SPINNER[frame % SPINNER.len()]);
        spinner_width = text.chars().count() as u16 + 1;
        let at = area.right().saturating_sub(spinner_width).max(area.x);
        put(buf, area, at, &text, palette.dim);
    }
    let Some(status) = &state.status else {
        return;
    };
    let (mark, style) = match status.kind {
        StatusKind::Done => ("✓ ", palette.done),
        StatusKind::Error => ("✗ ", palette.error),
        StatusKind::Info => ("· ", Style::default()),
    };
    let text_x = area.x + 3;
    let width = area.right().saturating_sub(text_x + spinner_width);
    // The header's line stays: it says who is signed in where.
    let room = usize::from(area.y).min(STATUS_LINES - 1) + 1;
    let lines = widgets::wrap_words(&status.text, usize::from(width), room);
    let first = area.y - (lines.len() as u16 - 1);
    for (i, text) in lines.iter().enumerate() {
        let y = first + i as u16;
        let line = Rect::new(area.x, y, area.width, 1);
        if y < area.y {
            Clear.render(line, buf);
        }
        if i == 0 {
            put(buf, line, area.x + 1, mark, style);
        }
        put(buf, line, text_x, text, style);
    }
}

fn footer(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let hints = hints(state);
    let width = |hint: &super::keys::Hint| {
        (hint.keys.chars().count() + hint.does.chars().count() + 3) as u16
    };
    let all: u16 = hints.iter().map(width).sum();
    // When not every key fits, the line ends with `? help`, which lists them all.
    let help = hints
        .iter()
        .find(|hint| hint.action == Some(Action::Help))
        .cloned()
        .filter(|_| area.x + 1 + all > area.right());
    let room = area.right().saturating_sub(help.as_ref().map_or(0, width));
    let mut at = area.x + 1;
    let shown = hints
        .iter()
        .filter(|hint| help.is_none() || hint.action != Some(Action::Help));
    for hint in shown {
        if at + width(hint) > room {
            break;
        }
        at = footer_hint(hint, at, area, buf, palette);
    }
    if let Some(help) = &help {
        footer_hint(help, at, area, buf, palette);
    }
}

fn footer_hint(
    hint: &super::keys::Hint,
    at: u16,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> u16 {
    let at = put(
        buf,
        area,
        at,
        &hint.keys,
        palette.accent.add_modifier(Modifier::BOLD),
    );
    put(buf, area, at, &format!(" {}  ", hint.does), palette.dim)
}

/// Column widths of the apps table after the selection marker: name takes what is left.
const CLIENT_ID_WIDTH: u16 = 34;
const GRANT_WIDTH: u16 = 18;
const DATE_WIDTH: u16 = 16;
const BY_WIDTH: u16 = 14;

fn app_columns(area: Rect) -> [(u16, u16); 5] {
    let fixed = 2 + CLIENT_ID_WIDTH + GRANT_WIDTH + DATE_WIDTH + BY_WIDTH + 4;
    let name = area.width.saturating_sub(fixed).max(8);
    let mut x = area.x + 2;
    let mut columns = [(0, 0); 5];
    for (i, width) in [name, CLIENT_ID_WIDTH, GRANT_WIDTH, DATE_WIDTH, BY_WIDTH]
        .into_iter()
        .enumerate()
    {
        columns[i] = (x, width);
        x = x.saturating_add(width + 1);
    }
    columns
}

fn cells(buf: &mut Buffer, area: Rect, columns: &[(u16, u16)], texts: &[&str], style: Style) {
    for ((x, width), text) in columns.iter().zip(texts) {
        if *x >= area.right() {
            break;
        }
        let width = (*width).min(area.right() - x);
        let clipped = clip(text, usize::from(width));
        buf.set_stringn(*x, area.y, clipped, usize::from(width), style);
    }
}

/// `text` cut to `width` characters, ending in "…" when cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn apps(list: &AppsList, state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = layout::apps(area);
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
        at = put(buf, toolbar, at, "/ to filter by name", palette.dim);
        at += 4;
    }
    let order = match list.order {
        AppOrder::NewestFirst => "date created, newest first",
        AppOrder::OldestFirst => "date created, oldest first",
    };
    at = put(buf, toolbar, at, &format!("Sort: {order} (s)"), palette.dim);
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
        let text = if state.session.may_manage() {
            format!("Could not read the apps: {error}. Press R to try again.")
        } else {
            format!("{error}.\n\nSwitch to an owner where you may manage OAuth apps with o.")
        };
        Paragraph::new(text)
            .style(palette.error)
            .wrap(Wrap { trim: true })
            .render(placed.rows.inner(Margin::new(2, 0)), buf);
        return;
    }
    let columns = app_columns(placed.header);
    cells(
        buf,
        placed.header,
        &columns,
        &[
            "Name",
            "Client ID",
            "Grant type",
            "Date created",
            "Created by",
        ],
        palette.title,
    );
    if list.apps.is_empty() && !list.loading {
        let text = if list.filter.value().is_empty() {
            format!(
                "No OAuth apps for {} yet. Press n to create one.",
                state.owner_name()
            )
        } else {
            format!(
                "No app's name contains \"{}\". Press / then Esc to clear the filter.",
                list.filter.value()
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
        let date = app.created_at.to_short();
        cells(
            buf,
            line,
            &app_columns(line),
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

fn wizard(wizard: &Wizard, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = layout::wizard(area);
    widgets::steps(
        buf,
        placed.steps,
        &STEP_TITLES,
        wizard.step.number(),
        palette,
    );
    match &wizard.step {
        Step::Details => {
            details_form(&wizard.details, placed.form, buf, palette);
            let focused = match wizard.details.focus {
                DetailsFocus::Cancel => Some(0),
                DetailsFocus::Submit => Some(1),
                _ => None,
            };
            widgets::buttons(
                buf,
                placed.buttons,
                &layout::DETAILS_BUTTONS,
                focused,
                palette,
            );
        }
        Step::Scopes | Step::Creating => {
            scopes_form(&wizard.scopes, placed.form, buf, palette);
            let focused = match wizard.scopes.focus {
                ScopesFocus::Back => Some(0),
                ScopesFocus::Submit => Some(1),
                _ => None,
            };
            widgets::buttons(
                buf,
                placed.buttons,
                &layout::SCOPES_BUTTONS,
                focused,
                palette,
            );
        }
        Step::CopySecret(page) => secret(page, area, buf, palette),
    }
}

fn details_form(form: &DetailsForm, area: Rect, buf: &mut Buffer, palette: &Palette) {
    for (focus, rect) in layout::details_rows(form, area) {
        let focused = form.focus == focus;
        if focus == DetailsFocus::GrantType {
            widgets::label(buf, rect, "Grant type", focused, palette);
            let mut at = rect.x + LABEL_WIDTH;
            for grant in [GrantType::ClientCredentials, GrantType::AuthorizationCode] {
                let mark = if form.grant == grant {
                    "(•) "
                } else {
                    "( ) "
                };
                let style = if focused && form.grant == grant {
                    palette.focus
                } else {
                    Style::default()
                };
                at = put(buf, rect, at, &format!("{mark}{}   ", grant.label()), style);
            }
            if focused {
                put(buf, rect, at, "←/→ to choose", palette.dim);
            }
            if let Some(error) = &form.grant_error {
                widgets::error_line(buf, rect, error, palette);
            }
        } else if let Some(field) = form.field(focus) {
            let mut field = field.clone();
            if matches!(focus, DetailsFocus::Name | DetailsFocus::RedirectUris) {
                field.label = match focus {
                    DetailsFocus::Name => "Application name *",
                    _ => "Redirect URLs *",
                };
            }
            widgets::text_field(buf, rect, &field, focused, palette);
        }
    }
    if form.mode == FormMode::Create && form.owner_kind == OwnerKind::Account {
        let note = layout::details_rows(form, area)
            .last()
            .map_or(area.y, |(_, rect)| rect.bottom() + 1);
        if note < area.bottom() {
            put(
                buf,
                Rect::new(area.x, note, area.width, 1),
                area.x + 2,
                "Account apps use the Client credentials grant type.",
                palette.dim,
            );
        }
    }
}

fn scopes_form(form: &ScopesForm, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = layout::scopes(area, form.ttl.is_some());
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
        .saturating_sub(counter.chars().count() as u16 + 1);
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
            "Space selects · a selects a whole area · Enter opens an area · / searches",
            palette.dim,
        );
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

fn secret(page: &SecretPage, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = layout::secret(area, page);
    if let Some(steps) = placed.steps {
        widgets::steps(buf, steps, &STEP_TITLES, 3, palette);
    }
    Paragraph::new(
        "Copy these credentials now and store them somewhere secure. The client secret is shown only on this page and never again.",
    )
    .wrap(Wrap { trim: true })
    .render(placed.intro, buf);
    for (focus, rect) in &placed.items {
        let focused = page.focus == *focus;
        let (label, value) = match focus {
            SecretFocus::ClientId => ("Client ID", page.app.sid.to_string()),
            SecretFocus::Secret => ("Client secret", page.secret().to_owned()),
            SecretFocus::AuthorizationUrl => (
                "Authorization URL",
                page.authorization_url.clone().unwrap_or_default(),
            ),
            SecretFocus::GotIt | SecretFocus::Finish => continue,
        };
        widgets::label(buf, *rect, label, focused, palette);
        let button = layout::copy_button(*rect);
        let value_area = Rect::new(
            rect.x + LABEL_WIDTH,
            rect.y,
            button.x.saturating_sub(rect.x + LABEL_WIDTH + 1),
            rect.height,
        );
        Paragraph::new(value)
            .wrap(Wrap { trim: false })
            .style(palette.accent)
            .render(value_area, buf);
        let style = if focused {
            palette.focus.add_modifier(Modifier::REVERSED)
        } else {
            palette.accent
        };
        put(
            buf,
            button,
            button.x,
            if focused { "[»Copy«]" } else { "[ Copy ]" },
            style,
        );
    }
    let note = match page.purpose {
        SecretPurpose::Created => {
            "Use them with the token endpoint: POST /v2/token, grant_type=client_credentials."
                .to_owned()
        }
        SecretPurpose::Rotated {
            grace,
            previous_expires_at,
        } => match previous_expires_at {
            Some(end) if grace.0 > 0 => format!(
                "The previous secret keeps working until {} (grace period {grace}).",
                end.to_short()
            ),
            Some(_) => "The previous secret stopped working at once (grace period 0).".to_owned(),
            None => "No previous secret was active.".to_owned(),
        },
        SecretPurpose::Imported { index, of } => {
            format!("The import created this app ({index} of {of}); each new secret is shown once.")
        }
    };
    put(buf, placed.note, placed.note.x + 2, &note, palette.dim);
    widgets::checkbox(
        buf,
        placed.got_it,
        page.got_it,
        "Got it! I copied the credentials and stored them somewhere secure.",
        page.focus == SecretFocus::GotIt,
        palette,
    );
    widgets::buttons(
        buf,
        placed.finish,
        &[page.finish_label()],
        (page.focus == SecretFocus::Finish).then_some(0),
        palette,
    );
}

fn detail(detail: &Detail, issuer: &str, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = layout::detail(area);
    for (tab, rect) in layout::tab_titles(placed.tabs, &detail.tabs()) {
        let (text, style) = if tab == detail.tab {
            (
                format!("[{}]", tab.title()),
                palette.selected.add_modifier(Modifier::BOLD),
            )
        } else {
            (format!(" {} ", tab.title()), palette.dim)
        };
        put(buf, rect, rect.x, &text, style);
        if tab != Tab::AuditEvents && rect.right() < placed.tabs.right() {
            put(buf, placed.tabs, rect.right(), "│", palette.dim);
        }
    }
    let content = placed.content;
    match (&detail.edit, detail.tab) {
        (Some(DetailEdit::Details(form)), _) => details_form(form, content, buf, palette),
        (Some(DetailEdit::Access(form)), _) => scopes_form(form, content, buf, palette),
        (None, Tab::ApplicationDetails) => app_details(&detail.app, content, buf, palette),
        (None, Tab::AccessSettings) => access_settings(&detail.app, content, buf, palette),
        (None, Tab::Credentials) => credentials(detail, issuer, content, buf, palette),
        (None, Tab::AuthorizedApps) => {
            let table = layout::detail_authorized(area);
            authorized_table(&detail.authorized, &table, false, buf, palette);
        }
        (None, Tab::AuditEvents) => {
            let placed = layout::detail_audit(area);
            audit_toolbar(&detail.audit, placed.toolbar, buf, palette);
            audit_table(&detail.audit, &placed, false, buf, palette);
        }
    }
    let buttons = detail.buttons();
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

fn app_details(app: &OAuthApp, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let s = &app.settings;
    let mut rows = vec![
        ("Application name", s.name.clone()),
        ("Description", s.description.clone()),
        ("Grant type", app.grant_type.label().to_owned()),
        ("Date created", app.created_at.to_short()),
        ("Date updated", app.updated_at.to_short()),
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

fn access_settings(app: &OAuthApp, area: Rect, buf: &mut Buffer, palette: &Palette) {
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
            &format!(
                "… {} more lines; press e to see and edit them all",
                more + 1
            ),
            palette.dim,
        );
    }
}

fn credentials(detail: &Detail, issuer: &str, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let app = &detail.app;
    let mut rows = vec![("Client ID", app.sid.to_string())];
    if let Some(url) = app.authorization_url(issuer) {
        rows.push(("Authorization URL", url));
    }
    pairs(buf, area, &rows, palette);
    let mut y = area.y + rows.len() as u16 + 1;
    let line = |y: u16| Rect::new(area.x, y, area.width, 1);
    if y < area.bottom() {
        put(buf, line(y), area.x + 2, "Client secrets", palette.dim);
    }
    let mut secrets = app.secrets.clone();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.created_at));
    for record in &secrets {
        if y + 1 >= area.bottom() {
            break;
        }
        let state = match record.expires_at {
            None => "active".to_owned(),
            Some(end) => format!("works until {}", end.to_short()),
        };
        put(
            buf,
            line(y),
            area.x + LABEL_WIDTH,
            &format!("created {} · {state}", record.created_at.to_short()),
            Style::default(),
        );
        y += 1;
    }
    y += 1;
    if y < area.bottom() {
        put(
            buf,
            line(y),
            area.x + 2,
            "A secret is shown only when it is made. Lost it? Rotate the secret (r).",
            palette.dim,
        );
    }
}

fn audit_toolbar(log: &AuditLog, area: Rect, buf: &mut Buffer, palette: &Palette) {
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
        &format!("Type: {event_type} (t)   App: {app}   · {count} · newest first"),
        palette.dim,
    );
}

fn audit_table(
    log: &AuditLog,
    placed: &layout::AuditLayout,
    with_app: bool,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let header = placed.header;
    let widths: Vec<u16> = if with_app {
        vec![
            16,
            26,
            header.width.saturating_sub(2 + 16 + 26 + 12 + 3).max(6),
            12,
        ]
    } else {
        vec![16, 26, 12]
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
    let titles: Vec<&str> = if with_app {
        vec!["Date", "Event", "App", "By"]
    } else {
        vec!["Date", "Event", "By"]
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
            let date = event.at.to_short();
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
        event_details(log.selected_event(), placed.details, buf, palette);
    }
}

fn event_details(event: Option<&AuditEvent>, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let block = Block::default()
        .borders(Borders::LEFT)
        .border_style(palette.dim)
        .title(Line::styled(" Details ", palette.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(event) = event else {
        return;
    };
    let mut lines = vec![
        Line::from(event.event_type.name()),
        Line::from(format!("at   {}", event.at)),
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

fn dialog(dialog: &Dialog, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = layout::dialog(area, dialog);
    Clear.render(placed.outer, buf);
    let title = match dialog {
        Dialog::Confirm(confirm) => confirm.title,
        Dialog::Rotate(_) => "Rotate secret",
        Dialog::Delete(_) => "Delete OAuth app",
        Dialog::SignIn(_) => "Sign in again",
        Dialog::File(file) => match file.action {
            FileAction::Export(_) => "Export apps",
            FileAction::Import => "Import apps",
        },
        Dialog::ImportPlan(_) => "Import apps: the plan",
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(palette.accent)
        .title(Line::styled(format!(" {title} "), palette.title))
        .render(placed.outer, buf);
    let text_area = Rect::new(
        placed.inner.x,
        placed.inner.y,
        placed.inner.width,
        placed.inner.height.saturating_sub(2),
    );
    let focused = match dialog {
        Dialog::Confirm(confirm) => confirm_body(confirm, text_area, buf),
        Dialog::Rotate(rotate) => rotate_body(rotate, text_area, buf, palette),
        Dialog::Delete(delete) => delete_body(delete, text_area, buf, palette),
        Dialog::SignIn(sign_in) => sign_in_body(sign_in, text_area, buf, palette),
        Dialog::File(file) => file_body(file, text_area, buf, palette),
        Dialog::ImportPlan(plan) => import_plan_body(plan, text_area, buf, palette),
    };
    let labels = dialog.buttons();
    widgets::buttons(
        buf,
        Rect::new(
            placed.inner.x,
            placed.inner.bottom().saturating_sub(1),
            placed.inner.width,
            1,
        ),
        &labels,
        focused,
        palette,
    );
}

fn confirm_body(confirm: &Confirm, area: Rect, buf: &mut Buffer) -> Option<usize> {
    Paragraph::new(confirm.message.as_str())
        .wrap(Wrap { trim: true })
        .render(area, buf);
    Some(if confirm.yes_focused { 0 } else { 1 })
}

/// A dialog's question, wrapped over three lines, with its one field below when there is room
/// for it; `true` when the field was drawn.
fn prompt_with_field(
    message: &str,
    field: &TextField,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> bool {
    Paragraph::new(message).wrap(Wrap { trim: true }).render(
        Rect::new(area.x, area.y, area.width, 3.min(area.height)),
        buf,
    );
    if area.height <= 5 {
        return false;
    }
    let field_area = Rect::new(area.x, area.y + 4, area.width, 2);
    widgets::text_field(buf, field_area, field, focused, palette);
    true
}

fn rotate_body(
    rotate: &RotateDialog,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> Option<usize> {
    let mut field = rotate.grace.clone();
    let error = field.error.take();
    let message = format!(
        "Rotate the client secret of \"{}\"? A new secret is made and shown once. The old one keeps working for the grace period.",
        rotate.name
    );
    let focused = rotate.focus == RotateFocus::Grace;
    if prompt_with_field(&message, &field, focused, area, buf, palette) {
        let below = Rect::new(area.x, area.y + 5, area.width, 1);
        match error {
            Some(message) => {
                let at = put(buf, below, below.x + 2, "⚠ ", palette.error);
                put(buf, below, at, &message, palette.error);
            }
            None => {
                put(
                    buf,
                    below,
                    below.x + 2,
                    &RotateDialog::limits(),
                    palette.dim,
                );
            }
        }
    }
    match rotate.focus {
        RotateFocus::Grace => None,
        RotateFocus::Rotate => Some(0),
        RotateFocus::Cancel => Some(1),
    }
}

fn file_body(file: &FileDialog, area: Rect, buf: &mut Buffer, palette: &Palette) -> Option<usize> {
    let mut field = file.path.clone();
    let error = field.error.take();
    let message = match file.action {
        FileAction::Export(_) => {
            "Export the definitions of this owner's apps (no secrets) to a file, to keep or to import elsewhere."
        }
        FileAction::Import => {
            "Import apps from a file written by export. You see what would change before anything does."
        }
    };
    let focused = file.focus == FileFocus::Path;
    if prompt_with_field(message, &field, focused, area, buf, palette) {
        let below = Rect::new(area.x, area.y + 5, area.width, 1);
        match error {
            Some(message) => {
                let at = put(buf, below, below.x + 2, "⚠ ", palette.error);
                put(buf, below, at, &message, palette.error);
            }
            None => {
                let note =
                    "YAML if it ends .yaml or .yml, else JSON; from where the console started";
                put(buf, below, below.x + 2, note, palette.dim);
            }
        }
    }
    match file.focus {
        FileFocus::Path => None,
        FileFocus::Go => Some(0),
        FileFocus::Cancel => Some(1),
    }
}

fn import_plan_body(
    plan: &ImportPlanDialog,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> Option<usize> {
    let header = Rect::new(area.x, area.y, area.width, 2.min(area.height));
    Paragraph::new(format!("{}: {}", plan.path, plan.summary))
        .wrap(Wrap { trim: true })
        .style(palette.title)
        .render(header, buf);
    let rows = area.height.saturating_sub(2) as usize;
    for (index, line) in plan.lines.iter().skip(plan.offset).take(rows).enumerate() {
        let row = Rect::new(area.x, area.y + 2 + index as u16, area.width, 1);
        let style = if line.starts_with(' ') || line.starts_with("unchanged") {
            palette.dim
        } else {
            palette.accent
        };
        put(buf, row, row.x, line, style);
    }
    if plan.lines.len() > plan.offset + rows {
        let more = format!("… {} more (↓)", plan.lines.len() - plan.offset - rows);
        let row = Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1);
        put(
            buf,
            row,
            row.right().saturating_sub(more.chars().count() as u16),
            &more,
            palette.dim,
        );
    }
    Some(if plan.yes_focused { 0 } else { 1 })
}

fn delete_body(
    delete: &DeleteDialog,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> Option<usize> {
    let message = format!(
        "Delete \"{}\"? Its secrets and every token issued to it stop working at once. This cannot be undone. Type the app's name to confirm.",
        delete.name
    );
    let focused = delete.focus == DeleteFocus::Name;
    prompt_with_field(&message, &delete.typed, focused, area, buf, palette);
    match delete.focus {
        DeleteFocus::Name => None,
        DeleteFocus::Delete => Some(0),
        DeleteFocus::Cancel => Some(1),
    }
}

fn sign_in_body(
    sign_in: &SignInDialog,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) -> Option<usize> {
    let form = &sign_in.form;
    let message = format!(
        "Your session on the server has ended. Type the password of {} to carry on: what you typed stays as it is.",
        form.username()
    );
    let focused = form.focus == SignInFocus::Password;
    prompt_with_field(&message, &form.password, focused, area, buf, palette);
    if let Some(error) = &form.error
        && area.height > 7
    {
        failure(
            error,
            Rect::new(area.x, area.y + 6, area.width, 2),
            buf,
            palette,
        );
    }
    form.focused_button()
}

/// The console's first screen over a server without a live session.
fn sign_in_screen(
    form: &SignInForm,
    server: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let placed = layout::sign_in(area);
    let heading = match server {
        Some(url) => format!("Sign in to {url}"),
        None => "Sign in".to_owned(),
    };
    put(
        buf,
        placed.heading,
        placed.heading.x,
        &heading,
        palette.title,
    );
    Paragraph::new(
        "The console works over this server as the user you sign in as: you see and do what that user may. The session is kept for the next start, as `oauth-console login` keeps it.",
    )
    .style(palette.dim)
    .wrap(Wrap { trim: true })
    .render(placed.note, buf);
    for (focus, rect) in &placed.fields {
        if let Some(field) = form.field(*focus) {
            widgets::text_field(buf, *rect, field, form.focus == *focus, palette);
        }
    }
    widgets::buttons(
        buf,
        placed.buttons,
        &layout::SIGN_IN_BUTTONS,
        form.focused_button(),
        palette,
    );
    if let Some(error) = &form.error {
        failure(error, placed.error, buf, palette);
    }
}

/// Why an attempt failed and what to do, wrapped: a server's words can be long.
fn failure(text: &str, area: Rect, buf: &mut Buffer, palette: &Palette) {
    Paragraph::new(format!("✗ {text}"))
        .style(palette.error)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

fn owner_picker(state: &State, at: usize, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let outer = layout::owner_picker(area, state.session.owners.len());
    Clear.render(outer, buf);
    Block::default()
        .borders(Borders::ALL)
        .border_style(palette.accent)
        .title(Line::styled(" Switch owner ", palette.title))
        .render(outer, buf);
    let inner = outer.inner(Margin::new(1, 1));
    put(
        buf,
        inner,
        inner.x + 1,
        "Accounts, subaccounts and organizations you belong to:",
        palette.dim,
    );
    for (i, access) in state.session.owners.iter().enumerate() {
        let y = inner.y + 1 + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let line = Rect::new(inner.x, y, inner.width, 1);
        let style = if i == at {
            palette.selected
        } else {
            Style::default()
        };
        if i == at {
            buf.set_style(line, style);
        }
        let marker = if i == at { "›" } else { " " };
        let may = if access.role.may_manage_oauth_apps() {
            ""
        } else {
            " (may not manage apps)"
        };
        put(
            buf,
            line,
            line.x,
            &format!(
                "{marker} {:<12} {:<20} {}  {}{may}",
                access.owner.label(),
                clip(&access.owner.name, 20),
                access.owner.sid,
                access.role.name()
            ),
            style,
        );
    }
}

fn help(state: &State, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let screen_hints = hints_without_overlay(state);
    let mut lines: Vec<Line> = vec![Line::styled("Keys on this screen", palette.title)];
    for hint in &screen_hints {
        lines.push(Line::from(format!("  {:<16} {}", hint.keys, hint.does)));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Everywhere", palette.title));
    for (keys, does) in [
        ("Tab / Shift-Tab", "next / previous field or tab"),
        ("↑↓ ←→ / hjkl", "move; PgUp PgDn Home End too"),
        ("Enter", "open, press, go on"),
        ("Esc", "back, cancel, close"),
        ("Ctrl-S", "save or go on in a form"),
        (
            &state.keys.label(Action::SwitchOwner),
            "switch account / organization",
        ),
        (
            &format!("{} / Ctrl-C", state.keys.label(Action::Quit)),
            "quit (asks if input is unsaved)",
        ),
        ("mouse", "click tabs, rows, buttons; wheel scrolls"),
    ] {
        lines.push(Line::from(format!("  {keys:<16} {does}")));
    }
    let height = lines.len() as u16 + 2;
    let outer = layout::centered(area, 64, height);
    Clear.render(outer, buf);
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(palette.accent)
                .title(Line::styled(" Help · any key closes ", palette.title)),
        )
        .render(outer, buf);
}

/// The hints of the screen under the help overlay.
fn hints_without_overlay(state: &State) -> Vec<super::keys::Hint> {
    let mut hints = match &state.screen {
        Screen::Starting => Vec::new(),
        Screen::SignIn(form) => form.hints("quit"),
        Screen::Apps(list) => list.hints(&state.keys),
        Screen::Wizard(wizard) => wizard.hints(&state.keys),
        Screen::Detail(detail) => detail.hints(&state.keys),
        Screen::Audit(log) => log.hints(&state.keys),
        Screen::Authorized(list) => list.hints(&state.keys),
        Screen::TokenTool(tool) => tool.hints(),
        Screen::RotatedSecret(page) => page.hints(&state.keys),
    };
    hints.retain(|h| !matches!(h.action, Some(Action::Help | Action::Quit)));
    hints
}

/// Authorized applications: app (on the organization's screen), authorized by, scopes, date
/// authorized and last used.
fn authorized_table(
    list: &AuthorizedList,
    placed: &layout::TableLayout,
    with_app: bool,
    buf: &mut Buffer,
    palette: &Palette,
) {
    let header = placed.header;
    let fixed = 2 + 16 + 16 + 16 + 4;
    let widths: Vec<u16> = if with_app {
        let rest = header.width.saturating_sub(fixed + 1);
        vec![rest / 2, 16, rest - rest / 2, 16, 16]
    } else {
        vec![16, header.width.saturating_sub(fixed).max(8), 16, 16]
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
    let mut titles = vec!["Authorized by", "Scopes", "Date authorized", "Last used"];
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
            let date = authorization.created_at.to_short();
            let used = authorization.last_used_at.to_short();
            let mut texts: Vec<&str> = vec![&authorization.user.username, &scopes, &date, &used];
            if with_app {
                texts.insert(0, &authorization.app_name);
            }
            cells(buf, line, &columns, &texts, style);
        },
    );
}

/// What a scrolling list shows besides its rows, and where it stands: the audit events and the
/// authorized applications draw their bodies the same way.
struct ListBody<'a> {
    /// Replaces the rows when the list could not be read.
    error: Option<String>,
    /// Shown when nothing matched.
    empty: Option<&'a str>,
    offset: usize,
    selected: usize,
}

impl ListBody<'_> {
    /// Draws the visible `items` a line each from `offset`, marking the selected one, with
    /// `row` writing a line's cells.
    fn draw<T>(
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

fn token_tool(tool: &TokenTool, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = layout::token_tool(area);
    put(
        buf,
        placed.intro,
        placed.intro.x + 2,
        &format!(
            "POST {} · grant_type=client_credentials, the client ID and secret as HTTP Basic",
            tool.endpoint
        ),
        palette.dim,
    );
    for (focus, rect) in &placed.fields {
        let focused = tool.focus == *focus;
        let field = match focus {
            TokenFocus::ClientId => &tool.client_id,
            TokenFocus::Secret => &tool.secret,
            TokenFocus::Scope => &tool.scope,
            TokenFocus::Request => {
                let label = if tool.busy {
                    "Requesting…"
                } else {
                    "Request token"
                };
                let button = Rect::new(rect.x + 2, rect.y, rect.width.saturating_sub(2), 1);
                widgets::buttons(buf, button, &[label], focused.then_some(0), palette);
                continue;
            }
        };
        widgets::text_field(buf, *rect, field, focused, palette);
    }
    let result = placed.result;
    let mut lines: Vec<Line> = Vec::new();
    let row = |label: &str, value: String| Line::from(format!("  {label:<22}{value}"));
    match &tool.outcome {
        None => lines.push(Line::styled(
            "  Type the app's client secret and press Enter: the token's claims show here.",
            palette.dim,
        )),
        Some(TokenOutcome::Issued(token)) => {
            let claims = &token.claims;
            let left = describe_left(claims.exp, tool.now);
            let expired = claims.exp <= tool.now.unix_seconds();
            lines.push(Line::styled("Access token", palette.title));
            lines.push(row(
                "header",
                format!(
                    "alg {} · kid {}",
                    token.header.alg,
                    token.header.kid.as_deref().unwrap_or("—")
                ),
            ));
            lines.push(row("iss", claims.iss.clone()));
            lines.push(row("sub", claims.sub.clone()));
            lines.push(row("aud", claims.aud.clone()));
            lines.push(row("client_id", claims.client_id.clone()));
            lines.push(row("scope", claims.scope.clone()));
            lines.push(row("iat", describe_unix(claims.iat)));
            lines.push(row("exp", describe_unix(claims.exp)));
            lines.push(row("jti", claims.jti.clone()));
            lines.push(Line::styled(
                format!("  {:<22}{left}", "time left"),
                if expired { palette.error } else { palette.done },
            ));
        }
        Some(TokenOutcome::Failed(error)) => match error {
            crate::backend::TokenError::Refused {
                status,
                error,
                description,
            } => {
                lines.push(Line::styled(
                    format!("Refused (HTTP {status})"),
                    palette.error,
                ));
                lines.push(row("error", error.clone()));
                lines.push(row("error_description", description.clone()));
            }
            other => {
                lines.push(Line::styled("No token", palette.error));
                lines.push(Line::from(format!("  {other}")));
            }
        },
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(result.inner(Margin::new(1, 0)), buf);
}

/// Unix seconds as the console writes times.
fn describe_unix(seconds: i64) -> String {
    let at = crate::model::Timestamp(seconds.saturating_mul(1000));
    format!("{seconds} ({at})")
}
