//! Where each part of a frame goes, as pure functions of the terminal's size and the model. The
//! view draws into these rectangles, and the update uses the same ones to scroll by what is shown
//! and to tell what a mouse click hit, so that the two cannot disagree.

use ratatui::layout::{Constraint, Layout, Margin, Rect};
use unicode_width::UnicodeWidthStr;

use super::screens::detail::{Detail, DetailEdit, Tab};
use super::screens::dialogs::{Dialog, ImportPlanDialog};
use super::screens::forms::{DetailsFocus, DetailsForm};
use super::screens::scopes::{ScopesFocus, ScopesForm};
use super::screens::secret::{SecretFocus, SecretPage, SecretPurpose};
use super::screens::sign_in::SignInFocus;
use super::screens::token::TokenFocus;
use super::screens::wizard::Step;
use super::state::{Screen, State};

/// The header, the screen's body, the status line and the footer of keys.
pub struct Chrome {
    pub header: Rect,
    pub body: Rect,
    pub status: Rect,
    pub footer: Rect,
}

pub fn chrome(area: Rect) -> Chrome {
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Chrome {
        header,
        body,
        status,
        footer,
    }
}

/// Inside the body's border.
pub fn body_inner(area: Rect) -> Rect {
    chrome(area).body.inner(Margin::new(1, 1))
}

fn rows(area: Rect, from: u16, to_bottom: u16) -> Rect {
    let y = area.y.saturating_add(from).min(area.bottom());
    let height = area.height.saturating_sub(from).saturating_sub(to_bottom);
    Rect::new(area.x, y, area.width, height)
}

fn line(area: Rect, at: u16) -> Rect {
    if at < area.height {
        Rect::new(area.x, area.y + at, area.width, 1)
    } else {
        Rect::new(area.x, area.bottom(), area.width, 0)
    }
}

fn last_line(area: Rect) -> Rect {
    line(area, area.height.saturating_sub(1))
}

/// Two cells in from the left, where labels start.
fn indented(area: Rect) -> Rect {
    let by = 2.min(area.width);
    Rect::new(area.x + by, area.y, area.width - by, area.height)
}

/// The apps list: a toolbar line, the table's header, then its rows.
pub struct AppsLayout {
    pub toolbar: Rect,
    pub header: Rect,
    pub rows: Rect,
}

pub fn apps(area: Rect) -> AppsLayout {
    let inner = body_inner(area);
    AppsLayout {
        toolbar: line(inner, 0),
        header: line(inner, 1),
        rows: rows(inner, 2, 0),
    }
}

pub fn apps_rows_height(area: Rect) -> usize {
    usize::from(apps(area).rows.height)
}

/// The wizard: its step indicator, the form, and a row of buttons.
pub struct WizardLayout {
    pub steps: Rect,
    pub form: Rect,
    pub buttons: Rect,
}

pub fn wizard(area: Rect) -> WizardLayout {
    let inner = body_inner(area);
    WizardLayout {
        steps: line(inner, 0),
        form: rows(inner, 2, 2),
        buttons: indented(last_line(inner)),
    }
}

/// The wizard's buttons on its first step and on its second, Back/Cancel first.
pub const DETAILS_BUTTONS: [&str; 2] = ["Cancel", "Next"];
pub const SCOPES_BUTTONS: [&str; 2] = ["Back", "Next"];

/// Column where field values start, after their labels.
pub const LABEL_WIDTH: u16 = 24;

/// Each field of the details form with its line (and the line under it when it has an error).
pub fn details_rows(form: &DetailsForm, area: Rect) -> Vec<(DetailsFocus, Rect)> {
    let mut at = 0;
    let mut placed = Vec::new();
    for focus in form.focus_order() {
        let has_error = match focus {
            DetailsFocus::GrantType => form.grant_error.is_some(),
            DetailsFocus::Submit | DetailsFocus::Cancel => continue,
            other => form.field(other).is_some_and(|f| f.error.is_some()),
        };
        let height = if has_error { 2 } else { 1 };
        if at + height > area.height {
            break;
        }
        placed.push((focus, Rect::new(area.x, area.y + at, area.width, height)));
        at += height + 1;
    }
    placed
}

/// The Scopes & permissions form: token expiration (account apps), search, the grouped list and
/// the line for the model's refusal.
pub struct ScopesLayout {
    pub ttl: Option<Rect>,
    pub search: Rect,
    pub list: Rect,
    pub error: Rect,
}

pub fn scopes(area: Rect, has_ttl: bool) -> ScopesLayout {
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

pub fn scope_rows_height(area: Rect, has_ttl: bool) -> usize {
    usize::from(scopes(wizard(area).form, has_ttl).list.height)
}

/// The detail view: tabs, the tab's content, and its buttons.
pub struct DetailLayout {
    pub tabs: Rect,
    pub content: Rect,
    pub buttons: Rect,
}

pub fn detail(area: Rect) -> DetailLayout {
    let inner = body_inner(area);
    DetailLayout {
        tabs: line(inner, 0),
        content: rows(inner, 2, 2),
        buttons: indented(last_line(inner)),
    }
}

pub fn detail_scope_rows_height(area: Rect, has_ttl: bool) -> usize {
    usize::from(scopes(detail(area).content, has_ttl).list.height)
}

/// The tabs' titles as drawn: " title " separated by "│".
pub fn tab_titles(area: Rect, tabs: &[Tab]) -> Vec<(Tab, Rect)> {
    let mut x = area.x;
    let mut placed = Vec::new();
    for &tab in tabs {
        let width = tab.title().width() as u16 + 2;
        if x + width > area.right() {
            break;
        }
        placed.push((tab, Rect::new(x, area.y, width, 1)));
        x += width + 1;
    }
    placed
}

/// A list of events beside the selected one's details.
pub struct AuditLayout {
    pub toolbar: Rect,
    pub header: Rect,
    pub rows: Rect,
    pub details: Rect,
}

fn audit_in(inner: Rect, toolbar: bool) -> AuditLayout {
    let top = u16::from(toolbar);
    let below = rows(inner, top, 0);
    let details_width = (below.width / 3).max(40).min(below.width);
    let [list, details] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(details_width)]).areas(below);
    AuditLayout {
        toolbar: line(inner, 0),
        header: line(list, 0),
        rows: rows(list, 1, 0),
        details,
    }
}

pub fn audit(area: Rect) -> AuditLayout {
    audit_in(body_inner(area), true)
}

pub fn audit_rows_height(area: Rect) -> usize {
    usize::from(audit(area).rows.height)
}

pub fn detail_audit(area: Rect) -> AuditLayout {
    audit_in(detail(area).content, true)
}

pub fn detail_audit_rows_height(area: Rect) -> usize {
    usize::from(detail_audit(area).rows.height)
}

/// A table of authorizations: its header line, then its rows.
pub struct TableLayout {
    pub header: Rect,
    pub rows: Rect,
}

fn table_in(area: Rect) -> TableLayout {
    TableLayout {
        header: line(area, 0),
        rows: rows(area, 1, 0),
    }
}

/// The Authorized applications screen: a line that says what it is, then the table.
pub fn authorized(area: Rect) -> (Rect, TableLayout) {
    let inner = body_inner(area);
    (line(inner, 0), table_in(rows(inner, 2, 0)))
}

pub fn authorized_rows_height(area: Rect) -> usize {
    usize::from(authorized(area).1.rows.height)
}

/// An app's Authorized applications tab.
pub fn detail_authorized(area: Rect) -> TableLayout {
    table_in(detail(area).content)
}

pub fn detail_authorized_rows_height(area: Rect) -> usize {
    usize::from(detail_authorized(area).rows.height)
}

/// The token tool: where it asks, its three fields and button, then what came back.
pub struct TokenLayout {
    pub intro: Rect,
    pub fields: Vec<(TokenFocus, Rect)>,
    pub result: Rect,
}

pub fn token_tool(area: Rect) -> TokenLayout {
    let inner = body_inner(area);
    let mut fields = Vec::new();
    let mut at = 2;
    for focus in TokenFocus::ORDER {
        let rect = rows(inner, at, 0);
        fields.push((
            focus,
            Rect::new(rect.x, rect.y, rect.width, 2.min(rect.height)),
        ));
        at += 2;
    }
    TokenLayout {
        intro: line(inner, 0),
        fields,
        result: rows(inner, at + 1, 0),
    }
}

/// The start-up sign-in screen: a heading naming the server, a note on what signing in does, the
/// username and password fields, the buttons, and why the last attempt failed.
pub struct SignInLayout {
    pub heading: Rect,
    pub note: Rect,
    pub fields: [(SignInFocus, Rect); 2],
    pub buttons: Rect,
    pub error: Rect,
}

pub const SIGN_IN_BUTTONS: [&str; 2] = ["Sign in", "Quit"];

pub fn sign_in(area: Rect) -> SignInLayout {
    let inner = body_inner(area);
    let field = |at: u16| {
        let rest = rows(inner, at, 0);
        Rect::new(rest.x, rest.y, rest.width, 2.min(rest.height))
    };
    let note = rows(inner, 2, 0);
    SignInLayout {
        heading: indented(line(inner, 1)),
        note: indented(Rect::new(note.x, note.y, note.width, 2.min(note.height))),
        fields: [
            (SignInFocus::Username, field(5)),
            (SignInFocus::Password, field(7)),
        ],
        buttons: indented(line(inner, 10)),
        error: indented(rows(inner, 12, 0)),
    }
}

/// Buttons drawn as "[ label ]", two cells apart, from the left of `area`.
pub fn buttons(area: Rect, labels: &[&str]) -> Vec<Rect> {
    let mut x = area.x;
    let mut placed = Vec::new();
    for label in labels {
        let width = label.width() as u16 + 4;
        let width = width.min(area.right().saturating_sub(x));
        placed.push(Rect::new(x, area.y, width, area.height.min(1)));
        x = x.saturating_add(width + 2).min(area.right());
    }
    placed
}

/// The Copy secret page: each item's line, with its Copy button at the right for the values.
pub struct SecretLayout {
    pub steps: Option<Rect>,
    pub intro: Rect,
    pub items: Vec<(SecretFocus, Rect)>,
    pub note: Rect,
    pub got_it: Rect,
    pub finish: Rect,
}

/// How many lines the authorization URL is given.
pub const URL_LINES: u16 = 3;

pub fn secret(area: Rect, page: &SecretPage) -> SecretLayout {
    let inner = body_inner(area);
    let created = page.purpose == SecretPurpose::Created;
    let mut at = 0;
    let steps = created.then(|| line(inner, 0));
    if created {
        at += 2;
    }
    let intro = indented(Rect::new(
        inner.x,
        inner.y + at.min(inner.height),
        inner.width,
        2.min(inner.height.saturating_sub(at)),
    ));
    at += 3;
    let mut items = Vec::new();
    for focus in [
        SecretFocus::ClientId,
        SecretFocus::Secret,
        SecretFocus::AuthorizationUrl,
    ] {
        if focus == SecretFocus::AuthorizationUrl && page.authorization_url.is_none() {
            continue;
        }
        let height = if focus == SecretFocus::AuthorizationUrl {
            URL_LINES
        } else {
            1
        };
        let rect = rows(inner, at, 0);
        items.push((
            focus,
            Rect::new(rect.x, rect.y, rect.width, height.min(rect.height)),
        ));
        at += height + 1;
    }
    let note = line(inner, at);
    at += 2;
    let got_it = line(inner, at);
    at += 2;
    let finish = indented(line(inner, at));
    SecretLayout {
        steps,
        intro,
        items,
        note,
        got_it,
        finish,
    }
}

/// The Copy button of a value's line.
pub fn copy_button(item: Rect) -> Rect {
    let width = 10.min(item.width);
    Rect::new(item.right() - width, item.y, width, 1.min(item.height))
}

/// A box of `width` × `height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// A dialog's box, its text area, and its row of buttons.
pub struct DialogLayout {
    pub outer: Rect,
    pub inner: Rect,
    pub buttons: Vec<Rect>,
}

pub fn dialog(area: Rect, dialog: &Dialog) -> DialogLayout {
    let height = match dialog {
        Dialog::Confirm(_) => 8,
        // Two lines more to say why signing in failed (a server that does not answer, say).
        Dialog::SignIn(sign_in) if sign_in.form.error.is_some() => 12,
        Dialog::Rotate(_) | Dialog::Delete(_) | Dialog::SignIn(_) | Dialog::File(_) => 10,
        // The summary, a blank line, the plan's lines (scrolled past a dozen), the buttons.
        Dialog::ImportPlan(plan) => plan.lines.len().min(ImportPlanDialog::ROWS) as u16 + 6,
    };
    let outer = centered(area, 84, height);
    let inner = outer.inner(Margin::new(2, 1));
    let buttons = buttons(last_line(inner), &dialog.buttons());
    DialogLayout {
        outer,
        inner,
        buttons,
    }
}

pub fn owner_picker(area: Rect, owners: usize) -> Rect {
    centered(area, 96, owners as u16 + 4)
}

/// What a mouse click landed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The owner in the header: opens the switcher.
    Owner,
    OwnerChoice(usize),
    Tab(Tab),
    /// A row of the list shown, counted from the first one drawn.
    Row(usize),
    DetailsField(DetailsFocus),
    ScopesField(ScopesFocus),
    /// A button of the screen's (or dialog's) button row, from the left.
    Button(usize),
    Secret(SecretFocus),
    /// The Copy button beside a value.
    Copy(SecretFocus),
    /// A field or the button of the token tool.
    TokenField(TokenFocus),
    /// A field of the sign-in screen.
    SignInField(SignInFocus),
    /// Anywhere while the help overlay is open.
    Help,
}

fn hit(rect: Rect, col: u16, row: u16) -> bool {
    rect.contains(ratatui::layout::Position::new(col, row))
}

/// What is drawn at (`col`, `row`).
pub fn target_at(state: &State, col: u16, row: u16) -> Option<Target> {
    let area = state.area;
    if state.help {
        return Some(Target::Help);
    }
    if let Some(dialog) = &state.dialog {
        let placed = self::dialog(area, dialog);
        return placed
            .buttons
            .iter()
            .position(|b| hit(*b, col, row))
            .map(Target::Button);
    }
    if state.owner_picker.is_some() {
        let inner = owner_picker(area, state.session.owners.len()).inner(Margin::new(1, 1));
        let list = rows(inner, 1, 0);
        return (hit(list, col, row) && usize::from(row - list.y) < state.session.owners.len())
            .then(|| Target::OwnerChoice(usize::from(row - list.y)));
    }
    if hit(chrome(area).header, col, row) {
        return Some(Target::Owner);
    }
    match &state.screen {
        Screen::Starting => None,
        Screen::SignIn(_) => {
            let placed = sign_in(area);
            if let Some((focus, _)) = placed.fields.iter().find(|(_, r)| hit(*r, col, row)) {
                return Some(Target::SignInField(*focus));
            }
            buttons(placed.buttons, &SIGN_IN_BUTTONS)
                .iter()
                .position(|b| hit(*b, col, row))
                .map(Target::Button)
        }
        Screen::Apps(_) => {
            let placed = apps(area);
            hit(placed.rows, col, row).then(|| Target::Row(usize::from(row - placed.rows.y)))
        }
        Screen::Audit(_) => {
            let placed = audit(area);
            hit(placed.rows, col, row).then(|| Target::Row(usize::from(row - placed.rows.y)))
        }
        Screen::Authorized(_) => {
            let (_, table) = authorized(area);
            hit(table.rows, col, row).then(|| Target::Row(usize::from(row - table.rows.y)))
        }
        Screen::TokenTool(_) => token_tool(area)
            .fields
            .into_iter()
            .find(|(_, rect)| hit(*rect, col, row))
            .map(|(focus, _)| Target::TokenField(focus)),
        Screen::Wizard(wizard) => {
            let placed = self::wizard(area);
            match &wizard.step {
                Step::Details => {
                    if let Some(i) = buttons(placed.buttons, &DETAILS_BUTTONS)
                        .iter()
                        .position(|b| hit(*b, col, row))
                    {
                        return Some(Target::Button(i));
                    }
                    details_rows(&wizard.details, placed.form)
                        .into_iter()
                        .find(|(_, rect)| hit(*rect, col, row))
                        .map(|(focus, _)| Target::DetailsField(focus))
                }
                Step::Scopes | Step::Creating => {
                    if let Some(i) = buttons(placed.buttons, &SCOPES_BUTTONS)
                        .iter()
                        .position(|b| hit(*b, col, row))
                    {
                        return Some(Target::Button(i));
                    }
                    scopes_target(&wizard.scopes, placed.form, col, row)
                }
                Step::CopySecret(page) => secret_target(area, page, col, row),
            }
        }
        Screen::RotatedSecret(page) => secret_target(area, page, col, row),
        Screen::Detail(detail) => detail_target(area, detail, col, row),
    }
}

fn scopes_target(form: &ScopesForm, area: Rect, col: u16, row: u16) -> Option<Target> {
    let placed = scopes(area, form.ttl.is_some());
    if placed.ttl.is_some_and(|r| hit(r, col, row)) {
        return Some(Target::ScopesField(ScopesFocus::TokenTtl));
    }
    if hit(placed.search, col, row) {
        return Some(Target::ScopesField(ScopesFocus::Search));
    }
    hit(placed.list, col, row).then(|| Target::Row(usize::from(row - placed.list.y)))
}

fn secret_target(area: Rect, page: &SecretPage, col: u16, row: u16) -> Option<Target> {
    let placed = secret(area, page);
    for (focus, rect) in &placed.items {
        if hit(copy_button(*rect), col, row) {
            return Some(Target::Copy(*focus));
        }
        if hit(*rect, col, row) {
            return Some(Target::Secret(*focus));
        }
    }
    if hit(placed.got_it, col, row) {
        return Some(Target::Secret(SecretFocus::GotIt));
    }
    buttons(placed.finish, &[page.finish_label()])
        .first()
        .filter(|b| hit(**b, col, row))
        .map(|_| Target::Secret(SecretFocus::Finish))
}

fn detail_target(area: Rect, detail: &Detail, col: u16, row: u16) -> Option<Target> {
    let placed = self::detail(area);
    if let Some((tab, _)) = tab_titles(placed.tabs, &detail.tabs())
        .into_iter()
        .find(|(_, rect)| hit(*rect, col, row))
    {
        return Some(Target::Tab(tab));
    }
    let labels: Vec<&str> = detail.buttons().iter().map(|(label, _)| *label).collect();
    if let Some(i) = buttons(placed.buttons, &labels)
        .iter()
        .position(|b| hit(*b, col, row))
    {
        return Some(Target::Button(i));
    }
    match &detail.edit {
        Some(DetailEdit::Details(form)) => details_rows(form, placed.content)
            .into_iter()
            .find(|(_, rect)| hit(*rect, col, row))
            .map(|(focus, _)| Target::DetailsField(focus)),
        Some(DetailEdit::Access(form)) => scopes_target(form, placed.content, col, row),
        None if detail.tab == Tab::AuthorizedApps => {
            let table = detail_authorized(area);
            hit(table.rows, col, row).then(|| Target::Row(usize::from(row - table.rows.y)))
        }
        None if detail.tab == Tab::AuditEvents => {
            let audit = detail_audit(area);
            hit(audit.rows, col, row).then(|| Target::Row(usize::from(row - audit.rows.y)))
        }
        None => None,
    }
}
