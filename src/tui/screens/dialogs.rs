//! Dialogs, each a component over the screen that takes every key while it is open: a yes/no
//! confirmation carrying the action it confirms (gitui's confirm popup), Rotate secret with its
//! grace period, Delete asking for the app's name, the file of an export or import, an import's
//! plan to confirm, and signing in again when a server's session ended. Each takes its backend
//! call's answer itself, and stays open while the call runs, so that the answer finds it.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Margin, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::sign_in::{SignInFocus, SignInForm, SignInOutcome, cycle};
use crate::backend::{AppDefinitions, ImportAction, ImportOutcome};
use crate::model::{Authorization, DEFAULT_GRACE_PERIOD, MAX_GRACE_PERIOD, OAuthApp, Seconds, Sid};
use crate::service::ServiceError;
use crate::tui::component::{
    Component, ConfirmAction, Ctx, DrawCtx, EventState, Nav, NewSecret, SecretPurpose,
    describe_failure,
};
use crate::tui::effect::{Effect, FileFailure, Msg};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{self, button_at, centered, last_line};
use crate::tui::widgets::{self, Palette, failure, put};

/// A dialog's box in the middle of the terminal, its text area, and its row of buttons.
struct DialogLayout {
    outer: Rect,
    inner: Rect,
    buttons: Vec<Rect>,
}

fn dialog_layout(area: Rect, height: u16, labels: &[&str]) -> DialogLayout {
    let outer = centered(area, 84, height);
    let inner = outer.inner(Margin::new(2, 1));
    let buttons = layout::buttons(last_line(inner), labels);
    DialogLayout {
        outer,
        inner,
        buttons,
    }
}

/// Draws a dialog's box titled `title`, its body by `body` (which answers the focused button),
/// and its buttons.
fn draw_dialog(
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
    title: &str,
    height: u16,
    labels: &[&str],
    body: impl FnOnce(Rect, &mut Buffer) -> Option<usize>,
) {
    let placed = dialog_layout(area, height, labels);
    Clear.render(placed.outer, buf);
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
    let focused = body(text_area, buf);
    widgets::buttons(
        buf,
        Rect::new(
            placed.inner.x,
            placed.inner.bottom().saturating_sub(1),
            placed.inner.width,
            1,
        ),
        labels,
        focused,
        palette,
    );
}

/// The button of a dialog `height` rows tall with `labels` at `at`.
fn clicked(area: Rect, height: u16, labels: &[&str], at: Position) -> Option<usize> {
    button_at(&dialog_layout(area, height, labels).buttons, at)
}

/// Closes the dialog unless its call is still running: then its answer has to find it.
fn close_unless_busy(busy: bool, ctx: &mut Ctx) {
    if busy {
        ctx.info("Waiting for the answer; the dialog closes once it has come");
    } else {
        ctx.close = true;
    }
}

/// Moves between a text field and a dialog's two buttons: Tab and Shift-Tab cycle, ←/→ swap
/// the buttons. `true` when the key moved the focus.
fn move_focus<T: Copy + PartialEq>(order: &[T; 3], focus: &mut T, key: &KeyEvent) -> bool {
    if let Some(next) = cycle(order, *focus, key) {
        *focus = next;
        return true;
    }
    if *focus != order[0] && (keys::is_left(key) || keys::is_right(key)) {
        *focus = if *focus == order[1] {
            order[2]
        } else {
            order[1]
        };
        return true;
    }
    false
}

// ---- Confirmation ----

pub struct Confirm {
    pub title: &'static str,
    pub message: String,
    pub yes: &'static str,
    pub no: &'static str,
    pub action: ConfirmAction,
    /// "No" is focused first, so that a stray Enter loses nothing.
    pub yes_focused: bool,
}

impl Confirm {
    pub fn new(action: ConfirmAction) -> Confirm {
        let (title, message, yes, no) = match &action {
            ConfirmAction::Quit => (
                "Quit?",
                "A form holds input that is not saved, or a secret you have not confirmed copying. Quit and lose it?",
                "Quit",
                "Stay",
            ),
            ConfirmAction::LeaveSecret => (
                "Leave without the secret?",
                "You have not checked \"Got it!\". The client secret is never shown again: if you have not copied it, you will have to rotate it. Leave anyway?",
                "Leave",
                "Stay",
            ),
            ConfirmAction::DiscardWizard => (
                "Discard this app?",
                "The app is not created yet. Close the wizard and discard what you typed?",
                "Discard",
                "Keep editing",
            ),
            ConfirmAction::RevokeAuthorization(_) => (
                "Revoke access?",
                "Revoke this authorization? Its refresh and access tokens stop working at once.",
                "Revoke",
                "Cancel",
            ),
        };
        Confirm {
            title,
            message: message.to_owned(),
            yes,
            no,
            action,
            yes_focused: false,
        }
    }

    /// Asks before revoking `authorization`, naming the app and who authorized it.
    pub fn revoke(authorization: &Authorization) -> Confirm {
        Confirm {
            message: format!(
                "Revoke the access {} gave to \"{}\" on {}? Its refresh and access tokens stop working at once; the app must ask {} to approve again.",
                authorization.user.username,
                authorization.app_name,
                authorization.created_at.to_short(),
                authorization.user.username,
            ),
            ..Confirm::new(ConfirmAction::RevokeAuthorization(
                authorization.sid.clone(),
            ))
        }
    }
}

impl Component for Confirm {
    fn title(&self, _cx: &DrawCtx) -> String {
        self.title.to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if ctx.keys.is(Action::Yes, key) {
            self.answer_yes(ctx);
        } else if ctx.keys.is(Action::No, key) || keys::is_esc(key) {
            ctx.close = true;
        } else if keys::is_left(key)
            || keys::is_right(key)
            || keys::is_next_field(key)
            || keys::is_prev_field(key)
        {
            self.yes_focused = !self.yes_focused;
        } else if keys::is_activate(key) {
            if self.yes_focused {
                self.answer_yes(ctx);
            } else {
                ctx.close = true;
            }
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match clicked(ctx.area, Self::HEIGHT, &[self.yes, self.no], at) {
            Some(0) => self.answer_yes(ctx),
            Some(_) => ctx.close = true,
            None => {}
        }
        EventState::Consumed
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        vec![
            keys.hint(Action::Yes),
            no_hint(keys, "no"),
            hint("←/→", "choose"),
            hint("Enter", "press"),
        ]
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let title = self.title;
        draw_dialog(
            area,
            buf,
            &cx.palette,
            title,
            Self::HEIGHT,
            &[self.yes, self.no],
            |text, buf| {
                Paragraph::new(self.message.as_str())
                    .wrap(Wrap { trim: true })
                    .render(text, buf);
                Some(if self.yes_focused { 0 } else { 1 })
            },
        );
    }
}

impl Confirm {
    const HEIGHT: u16 = 8;

    fn answer_yes(&self, ctx: &mut Ctx) {
        ctx.close = true;
        ctx.confirmed = Some(self.action.clone());
    }
}

/// `n/Esc` (with `n` as bound): what says no.
fn no_hint(keys: &KeyMap, does: &'static str) -> Hint {
    Hint {
        keys: format!("{}/Esc", keys.label(Action::No)).into(),
        does,
        action: Some(Action::No),
    }
}

/// A failed call while a dialog is open: on the status line, and the dialog closes if the app is
/// gone.
fn show_failure(doing: &str, error: &ServiceError, ctx: &mut Ctx) {
    if matches!(error, ServiceError::NotFound { .. }) {
        ctx.close = true;
    }
    ctx.error(describe_failure(doing, error));
}

// ---- Rotate secret ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotateFocus {
    Grace,
    Rotate,
    Cancel,
}

pub struct RotateDialog {
    pub app: Sid,
    pub name: String,
    /// Whole days, or a duration such as `12h`.
    pub grace: TextField,
    pub focus: RotateFocus,
    /// Set while the rotation runs, so that a second Enter does not rotate twice.
    pub busy: bool,
}

impl RotateDialog {
    pub fn new(app: &OAuthApp) -> RotateDialog {
        let days = DEFAULT_GRACE_PERIOD.0 / Seconds::DAY.0;
        RotateDialog {
            app: app.sid.clone(),
            name: app.settings.name.clone(),
            grace: TextField::new("Grace period (days)", None).with_value(&days.to_string()),
            focus: RotateFocus::Grace,
            busy: false,
        }
    }

    /// The grace period typed: whole days, or a duration (`12h`); the model's rule decides
    /// whether it is allowed.
    pub fn grace_period(&self) -> Result<Seconds, String> {
        let text = self.grace.value().trim();
        let grace = match text.parse::<u32>() {
            Ok(days) => days
                .checked_mul(Seconds::DAY.0)
                .map(Seconds)
                .unwrap_or(Seconds(u32::MAX)),
            Err(_) => text.parse::<Seconds>().map_err(|e| e.to_string())?,
        };
        crate::model::validate_grace_period(grace).map_err(|e| e.message)?;
        Ok(grace)
    }

    fn confirm(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        match self.grace_period() {
            Ok(grace) => {
                self.busy = true;
                ctx.effect(Effect::RotateSecret {
                    app: self.app.clone(),
                    grace,
                });
            }
            Err(message) => {
                self.grace.error = Some(message);
                self.focus = RotateFocus::Grace;
            }
        }
    }

    /// The limits, for the line under the field.
    pub fn limits() -> String {
        format!(
            "0 to {MAX_GRACE_PERIOD}; the old secret keeps working this long, 0 ends it at once"
        )
    }
}

impl Component for RotateDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Rotate secret".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        use RotateFocus::*;
        if keys::is_esc(key) {
            close_unless_busy(self.busy, ctx);
        } else if move_focus(&[Grace, Rotate, Cancel], &mut self.focus, key) {
        } else {
            match self.focus {
                Grace if keys::is_enter(key) => self.confirm(ctx),
                Grace => {
                    self.grace.handle_key(key);
                }
                Rotate if keys::is_activate(key) => self.confirm(ctx),
                Cancel if keys::is_activate(key) => close_unless_busy(self.busy, ctx),
                Rotate | Cancel => {}
            }
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match clicked(ctx.area, FIELD_HEIGHT, &ROTATE_BUTTONS, at) {
            Some(0) => self.confirm(ctx),
            Some(_) => close_unless_busy(self.busy, ctx),
            None => {}
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.grace.paste(text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        let Msg::SecretRotated(result) = msg else {
            return Some(msg);
        };
        self.busy = false;
        match result {
            Ok(rotated) => {
                ctx.close = true;
                ctx.done(format!(
                    "Rotated the secret of {}. Copy the new one now: it is shown only once",
                    rotated.app.settings.name
                ));
                ctx.go(Nav::Secret(Box::new(NewSecret {
                    app: rotated.app,
                    secret: rotated.secret,
                    purpose: SecretPurpose::Rotated {
                        grace: rotated.grace_period,
                        previous_expires_at: rotated.previous_expires_at,
                    },
                    then: Vec::new(),
                })));
            }
            // The model's refusal of the grace period goes at the field.
            Err(ServiceError::Invalid(errors)) => self.grace.error = Some(errors.to_string()),
            Err(error) => show_failure("rotate the secret", &error, ctx),
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("Tab", "next"),
            hint("Enter", "rotate"),
            hint("Esc", "cancel"),
        ]
    }

    fn is_typing(&self) -> bool {
        self.focus == RotateFocus::Grace
    }

    fn holds_input(&self) -> bool {
        self.grace.is_changed()
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        draw_dialog(
            area,
            buf,
            palette,
            "Rotate secret",
            FIELD_HEIGHT,
            &ROTATE_BUTTONS,
            |text, buf| rotate_body(self, text, buf, palette),
        );
    }
}

/// The dialogs with a text field: the question, the field, a line under it, the buttons.
const FIELD_HEIGHT: u16 = 10;
const ROTATE_BUTTONS: [&str; 2] = ["Yes, rotate secret", "Cancel"];
const DELETE_BUTTONS: [&str; 2] = ["Delete", "Cancel"];

// ---- Delete app ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteFocus {
    Name,
    Delete,
    Cancel,
}

pub struct DeleteDialog {
    pub app: Sid,
    pub name: String,
    pub version: u64,
    pub typed: TextField,
    pub focus: DeleteFocus,
    pub busy: bool,
}

impl DeleteDialog {
    pub fn new(app: &OAuthApp) -> DeleteDialog {
        DeleteDialog {
            app: app.sid.clone(),
            name: app.settings.name.clone(),
            version: app.version,
            typed: TextField::new("App name", None),
            focus: DeleteFocus::Name,
            busy: false,
        }
    }

    fn confirm(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        if self.typed.value().trim() != self.name {
            self.typed.error = Some(format!(
                "type the app's name exactly as shown, \"{}\", to delete it",
                self.name
            ));
            self.focus = DeleteFocus::Name;
            return;
        }
        self.busy = true;
        ctx.effect(Effect::DeleteApp {
            app: self.app.clone(),
            version: self.version,
        });
    }
}

impl Component for DeleteDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Delete OAuth app".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        use DeleteFocus::*;
        if keys::is_esc(key) {
            close_unless_busy(self.busy, ctx);
        } else if move_focus(&[Name, Delete, Cancel], &mut self.focus, key) {
        } else {
            match self.focus {
                Name if keys::is_enter(key) => self.confirm(ctx),
                Name => {
                    self.typed.handle_key(key);
                }
                Delete if keys::is_activate(key) => self.confirm(ctx),
                Cancel if keys::is_activate(key) => close_unless_busy(self.busy, ctx),
                Delete | Cancel => {}
            }
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match clicked(ctx.area, FIELD_HEIGHT, &DELETE_BUTTONS, at) {
            Some(0) => self.confirm(ctx),
            Some(_) => close_unless_busy(self.busy, ctx),
            None => {}
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.typed.paste(text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        let Msg::AppDeleted(result) = msg else {
            return Some(msg);
        };
        self.busy = false;
        match result {
            Ok(app) => {
                ctx.close = true;
                ctx.done(format!(
                    "Deleted {} ({}); its secrets and tokens stopped working",
                    app.settings.name, app.sid
                ));
                ctx.go(Nav::apps());
            }
            Err(error) => show_failure("delete the app", &error, ctx),
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("type", "the app's name"),
            hint("Enter", "delete"),
            hint("Esc", "cancel"),
        ]
    }

    fn is_typing(&self) -> bool {
        self.focus == DeleteFocus::Name
    }

    fn holds_input(&self) -> bool {
        self.typed.is_changed()
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        draw_dialog(
            area,
            buf,
            palette,
            "Delete OAuth app",
            FIELD_HEIGHT,
            &DELETE_BUTTONS,
            |text, buf| delete_body(self, text, buf, palette),
        );
    }
}

// ---- Export and import: the file ----

/// The file an export or an import starts with: in the directory the console was started in.
pub const DEFAULT_APPS_FILE: &str = "oauth-apps.yaml";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    /// The definitions of this owner's apps.
    Export(Sid),
    Import,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFocus {
    Path,
    Go,
    Cancel,
}

pub struct FileDialog {
    pub action: FileAction,
    pub path: TextField,
    pub focus: FileFocus,
    pub busy: bool,
}

impl FileDialog {
    pub fn new(action: FileAction) -> FileDialog {
        FileDialog {
            action,
            path: TextField::new("File", None).with_value(DEFAULT_APPS_FILE),
            focus: FileFocus::Path,
            busy: false,
        }
    }

    fn confirm(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        let path = self.path.value().trim().to_owned();
        if path.is_empty() {
            self.path.error =
                Some("type a file name: .yaml or .yml for YAML, anything else for JSON".to_owned());
            self.focus = FileFocus::Path;
            return;
        }
        self.busy = true;
        ctx.effect(match &self.action {
            FileAction::Export(owner) => Effect::ExportApps {
                owner: owner.clone(),
                path,
            },
            FileAction::Import => Effect::PlanImport { path },
        });
    }
}

impl FileDialog {
    fn labels(&self) -> [&'static str; 2] {
        match self.action {
            FileAction::Export(_) => ["Export", "Cancel"],
            FileAction::Import => ["Review import", "Cancel"],
        }
    }

    /// An export or import that failed: a file problem at the field, entries that break a rule
    /// or a backend's refusal on the status line.
    fn failed(&mut self, doing: &str, failure: FileFailure, ctx: &mut Ctx) {
        match failure {
            FileFailure::File(why) => self.path.error = Some(why),
            // Entries that break a rule: the file is the person's to correct, not a form.
            FileFailure::Backend(ServiceError::Invalid(errors)) => ctx.error(format!(
                "Nothing was imported: {errors}; correct {} and import it again",
                self.path.value().trim()
            )),
            FileFailure::Backend(error) => ctx.failed(&format!("{doing} the apps"), &error),
        }
    }
}

impl Component for FileDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        match self.action {
            FileAction::Export(_) => "Export apps",
            FileAction::Import => "Import apps",
        }
        .to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        use FileFocus::*;
        if keys::is_esc(key) {
            close_unless_busy(self.busy, ctx);
        } else if move_focus(&[Path, Go, Cancel], &mut self.focus, key) {
        } else {
            match self.focus {
                Path if keys::is_enter(key) => self.confirm(ctx),
                Path => {
                    self.path.handle_key(key);
                }
                Go if keys::is_activate(key) => self.confirm(ctx),
                Cancel if keys::is_activate(key) => close_unless_busy(self.busy, ctx),
                Go | Cancel => {}
            }
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match clicked(ctx.area, FIELD_HEIGHT, &self.labels(), at) {
            Some(0) => self.confirm(ctx),
            Some(_) => close_unless_busy(self.busy, ctx),
            None => {}
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.path.paste(text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::AppsExported(result) => {
                self.busy = false;
                match result {
                    Ok(exported) => {
                        ctx.close = true;
                        ctx.done(format!(
                            "Exported {} of {} to {} (no secrets)",
                            plural(exported.apps, "app"),
                            ctx.session.owner().map_or("", |o| o.owner.name.as_str()),
                            exported.path
                        ));
                    }
                    Err(failure) => self.failed("export", failure, ctx),
                }
            }
            Msg::ImportPlanned(result) => {
                self.busy = false;
                match result {
                    Ok(planned) if !planned.plan.changes_anything() => {
                        ctx.close = true;
                        ctx.info(format!(
                            "Nothing to import: the apps already match {} ({} unchanged)",
                            planned.path,
                            plural(planned.plan.items.len(), "app")
                        ));
                    }
                    Ok(planned) => {
                        ctx.close = true;
                        ctx.open(ImportPlanDialog::new(
                            planned.path,
                            planned.definitions,
                            &planned.plan,
                        ));
                    }
                    Err(failure) => self.failed("import", failure, ctx),
                }
            }
            other => return Some(other),
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("type", "the file"),
            hint(
                "Enter",
                match self.action {
                    FileAction::Export(_) => "export",
                    FileAction::Import => "review",
                },
            ),
            hint("Tab", "next"),
            hint("Esc", "cancel"),
        ]
    }

    fn is_typing(&self) -> bool {
        self.focus == FileFocus::Path
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        let title = self.title(cx);
        draw_dialog(
            area,
            buf,
            palette,
            &title,
            FIELD_HEIGHT,
            &self.labels(),
            |text, buf| file_body(self, text, buf, palette),
        );
    }
}

fn plural(count: usize, what: &str) -> String {
    if count == 1 {
        format!("1 {what}")
    } else {
        format!("{count} {what}s")
    }
}

// ---- Import: the plan ----

/// What an import would do, line by line, before it does it.
pub struct ImportPlanDialog {
    pub path: String,
    pub definitions: AppDefinitions,
    pub lines: Vec<String>,
    pub summary: String,
    /// The first line shown, when the plan is longer than the dialog.
    pub offset: usize,
    /// "Cancel" is focused first, so that a stray Enter changes nothing.
    pub yes_focused: bool,
    pub busy: bool,
}

impl ImportPlanDialog {
    pub fn new(path: String, definitions: AppDefinitions, plan: &ImportOutcome) -> Self {
        let mut lines = Vec::new();
        for item in &plan.items {
            let action = match &item.action {
                ImportAction::Create => "create",
                ImportAction::Update(_) => "update",
                ImportAction::Unchanged => "unchanged",
                ImportAction::Delete => "delete",
                ImportAction::Kept => "keep",
            };
            lines.push(format!("{action:<10} {}  {}", item.client_id, item.name));
            if let ImportAction::Update(changes) = &item.action {
                for change in changes {
                    let shown = |value: &str| {
                        if value.is_empty() {
                            "(not set)".to_owned()
                        } else {
                            format!("{value:?}")
                        }
                    };
                    lines.push(format!(
                        "           {}: {} -> {}",
                        change.field,
                        shown(&change.before),
                        shown(&change.after)
                    ));
                }
            }
        }
        let count = |wanted: fn(&ImportAction) -> bool| plan.count(wanted);
        let mut summary = format!(
            "{} to create, {} to update, {} unchanged.",
            count(|a| matches!(a, ImportAction::Create)),
            count(|a| matches!(a, ImportAction::Update(_))),
            count(|a| matches!(a, ImportAction::Unchanged)),
        );
        let kept = count(|a| matches!(a, ImportAction::Kept));
        if kept > 0 {
            summary.push_str(&format!(" {kept} not in the file stay as they are."));
        }
        ImportPlanDialog {
            path,
            definitions,
            lines,
            summary,
            offset: 0,
            yes_focused: false,
            busy: false,
        }
    }

    /// The plan's lines a dialog this many rows tall shows at most.
    pub const ROWS: usize = 12;

    fn confirm(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        self.busy = true;
        ctx.effect(Effect::ApplyImport {
            path: self.path.clone(),
            definitions: self.definitions.clone(),
        });
    }
}

impl ImportPlanDialog {
    const BUTTONS: [&str; 2] = ["Import", "Cancel"];

    fn height(&self) -> u16 {
        // The summary, a blank line, the plan's lines (scrolled past a dozen), the buttons.
        self.lines.len().min(ImportPlanDialog::ROWS) as u16 + 6
    }
}

impl Component for ImportPlanDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Import apps: the plan".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        let last = self.lines.len().saturating_sub(ImportPlanDialog::ROWS);
        if keys::is_esc(key) || ctx.keys.is(Action::No, key) {
            close_unless_busy(self.busy, ctx);
        } else if ctx.keys.is(Action::Yes, key) {
            self.confirm(ctx);
        } else if keys::is_up(key) {
            self.offset = self.offset.saturating_sub(1);
        } else if keys::is_down(key) {
            self.offset = (self.offset + 1).min(last);
        } else if keys::is_left(key)
            || keys::is_right(key)
            || keys::is_next_field(key)
            || keys::is_prev_field(key)
        {
            self.yes_focused = !self.yes_focused;
        } else if keys::is_activate(key) {
            if self.yes_focused {
                self.confirm(ctx);
            } else {
                close_unless_busy(self.busy, ctx);
            }
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match clicked(ctx.area, self.height(), &Self::BUTTONS, at) {
            Some(0) => self.confirm(ctx),
            Some(_) => close_unless_busy(self.busy, ctx),
            None => {}
        }
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        let Msg::AppsImported(result) = msg else {
            return Some(msg);
        };
        self.busy = false;
        match result {
            Ok(imported) => {
                ctx.close = true;
                let count = |wanted: fn(&ImportAction) -> bool| imported.outcome.count(wanted);
                let said = format!(
                    "Imported {}: {} created, {} updated, {} unchanged",
                    imported.path,
                    count(|a| matches!(a, ImportAction::Create)),
                    count(|a| matches!(a, ImportAction::Update(_))),
                    count(|a| matches!(a, ImportAction::Unchanged)),
                );
                if imported.unshown.is_empty() {
                    ctx.done(said);
                } else {
                    let ids: Vec<String> =
                        imported.unshown.iter().map(ToString::to_string).collect();
                    ctx.error(format!(
                        "{said}; the secrets of {} could not be shown: rotate them",
                        ids.join(", ")
                    ));
                }
                match NewSecret::imported(imported.created) {
                    Some(first) => ctx.go(Nav::Secret(Box::new(first))),
                    None => ctx.go(Nav::apps()),
                }
            }
            Err(FileFailure::File(why)) => ctx.error(format!("Could not import: {why}")),
            Err(FileFailure::Backend(ServiceError::Invalid(errors))) => ctx.error(format!(
                "Nothing was imported: {errors}; correct the file and import it again"
            )),
            Err(FileFailure::Backend(error)) => {
                ctx.close = true;
                ctx.failed("import the apps", &error);
            }
        }
        None
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("↑↓", "scroll"),
            keys.hint_as(Action::Yes, "import"),
            no_hint(keys, "cancel"),
            hint("←/→", "choose"),
            hint("Enter", "press"),
        ]
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        draw_dialog(
            area,
            buf,
            palette,
            "Import apps: the plan",
            self.height(),
            &Self::BUTTONS,
            |text, buf| import_plan_body(self, text, buf, palette),
        );
    }
}

// ---- Signing in again ----

/// A server's session ended (it lasts an hour, or was signed out): the password, to carry on.
/// It opens over whatever is on screen, dialogs included, which stay as they were beneath it.
pub struct SignInDialog {
    pub form: SignInForm,
}

impl SignInDialog {
    pub fn new(username: &str) -> SignInDialog {
        SignInDialog {
            form: SignInForm::again(username),
        }
    }

    const BUTTONS: [&str; 2] = ["Sign in", "Not now"];

    fn height(&self) -> u16 {
        // Two lines more to say why signing in failed (a server that does not answer, say).
        if self.form.error.is_some() {
            12
        } else {
            FIELD_HEIGHT
        }
    }
}

impl Component for SignInDialog {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Sign in again".to_owned()
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if self.form.handle_key(key, ctx) == SignInOutcome::Cancel {
            ctx.close = true;
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        if let Some(index) = clicked(ctx.area, self.height(), &Self::BUTTONS, at)
            && self.form.click_button(index, ctx) == SignInOutcome::Cancel
        {
            ctx.close = true;
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.form.paste(text);
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        let Msg::SignedIn(result) = msg else {
            return Some(msg);
        };
        if self.form.on_answer(result) {
            ctx.done(format!(
                "Signed in again as {}. Nothing you typed was lost: do again what failed",
                self.form.username()
            ));
            ctx.close = true;
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        self.form.hints("not now")
    }

    fn is_typing(&self) -> bool {
        self.form.is_typing()
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let palette = &cx.palette;
        draw_dialog(
            area,
            buf,
            palette,
            "Sign in again",
            self.height(),
            &Self::BUTTONS,
            |text, buf| sign_in_body(self, text, buf, palette),
        );
    }
}

// ---- Drawing the bodies ----

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

#[cfg(test)]
mod tests {
    use super::*;

    fn rotate_with(text: &str) -> Result<Seconds, String> {
        let mut dialog = RotateDialog {
            app: Sid::new(crate::model::SidKind::OAuthApp, [0; 16]),
            name: "demo".into(),
            grace: TextField::new("Grace period (days)", None),
            focus: RotateFocus::Grace,
            busy: false,
        };
        dialog.grace.paste(text);
        dialog.grace_period()
    }

    #[test]
    fn grace_periods_are_days_or_durations_within_the_models_limit() {
        assert_eq!(rotate_with("1"), Ok(Seconds::DAY));
        assert_eq!(rotate_with("0"), Ok(Seconds(0)));
        assert_eq!(rotate_with("12h"), Ok(Seconds(43_200)));
        assert!(
            rotate_with("31")
                .unwrap_err()
                .contains("between 0 and 30 days")
        );
        assert!(
            rotate_with("4294967295")
                .unwrap_err()
                .contains("between 0 and 30 days")
        );
        assert!(
            rotate_with("soon")
                .unwrap_err()
                .contains("like 90s, 15m, 1h or 30d")
        );
    }
}
