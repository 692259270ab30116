//! Dialogs as data (gitui's confirm popup): a yes/no confirmation that carries the action it
//! confirms, the Rotate secret dialog with its grace period, and the Delete dialog that asks for
//! the app's name, and signing in again when a server's session ended. A dialog takes every key
//! while it is open.

use ratatui::crossterm::event::KeyEvent;

use super::Ctx;
use super::sign_in::{SignInForm, SignInOutcome};
use crate::backend::{AppDefinitions, ImportAction, ImportOutcome};
use crate::model::{Authorization, DEFAULT_GRACE_PERIOD, MAX_GRACE_PERIOD, OAuthApp, Seconds, Sid};
use crate::tui::effect::Effect;
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};

pub enum Dialog {
    Confirm(Confirm),
    Rotate(RotateDialog),
    Delete(DeleteDialog),
    SignIn(SignInDialog),
    /// Asks for the file to export to or import from.
    File(FileDialog),
    /// An import's dry run, to confirm.
    ImportPlan(ImportPlanDialog),
}

/// What a confirmation confirms; the top-level update carries it out on "yes".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmAction {
    /// Quit although a form holds unsaved input.
    Quit,
    /// Leave a Copy secret page without "Got it!": the secret is never shown again.
    LeaveSecret,
    /// Close the create wizard and drop what was typed.
    DiscardWizard,
    /// End an authorization: its refresh and access tokens stop working.
    RevokeAuthorization(Sid),
}

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

/// What a key did to a dialog.
pub enum DialogOutcome {
    Stay,
    Close,
    Confirmed(ConfirmAction),
}

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

/// A server's session ended (it lasts an hour, or was signed out): the password, to carry on.
/// Whatever the screen held stays as it was, and a dialog that was open comes back after.
pub struct SignInDialog {
    pub form: SignInForm,
    pub interrupted: Option<Box<Dialog>>,
}

impl SignInDialog {
    pub fn new(username: &str, interrupted: Option<Dialog>) -> SignInDialog {
        SignInDialog {
            form: SignInForm::again(username),
            interrupted: interrupted.map(Box::new),
        }
    }
}

impl Dialog {
    pub fn holds_input(&self) -> bool {
        match self {
            Dialog::Confirm(_) => false,
            Dialog::Rotate(rotate) => rotate.grace.is_changed(),
            Dialog::Delete(delete) => delete.typed.is_changed(),
            Dialog::File(_) | Dialog::ImportPlan(_) => false,
            Dialog::SignIn(sign_in) => sign_in
                .interrupted
                .as_deref()
                .is_some_and(Dialog::holds_input),
        }
    }

    /// Whether keys type into a field now (so `q` and `?` are letters).
    pub fn is_typing(&self) -> bool {
        match self {
            Dialog::Confirm(_) => false,
            Dialog::Rotate(rotate) => rotate.focus == RotateFocus::Grace,
            Dialog::Delete(delete) => delete.focus == DeleteFocus::Name,
            Dialog::File(file) => file.focus == FileFocus::Path,
            Dialog::ImportPlan(_) => false,
            Dialog::SignIn(sign_in) => sign_in.form.is_typing(),
        }
    }

    /// What is open once this dialog closes: the dialog a sign-in interrupted, else nothing.
    pub fn closed(self) -> Option<Dialog> {
        match self {
            Dialog::SignIn(sign_in) => sign_in.interrupted.map(|dialog| *dialog),
            _ => None,
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> DialogOutcome {
        if keys::is_esc(key) {
            return DialogOutcome::Close;
        }
        match self {
            Dialog::Confirm(confirm) => {
                if ctx.keys.is(Action::Yes, key) {
                    return DialogOutcome::Confirmed(confirm.action.clone());
                }
                if ctx.keys.is(Action::No, key) {
                    return DialogOutcome::Close;
                }
                if keys::is_left(key)
                    || keys::is_right(key)
                    || keys::is_next_field(key)
                    || keys::is_prev_field(key)
                {
                    confirm.yes_focused = !confirm.yes_focused;
                } else if keys::is_activate(key) {
                    return if confirm.yes_focused {
                        DialogOutcome::Confirmed(confirm.action.clone())
                    } else {
                        DialogOutcome::Close
                    };
                }
                DialogOutcome::Stay
            }
            Dialog::Rotate(rotate) => {
                use RotateFocus::*;
                let order = [Grace, Rotate, Cancel];
                if let Some(next) = cycle(&order, rotate.focus, key) {
                    rotate.focus = next;
                    return DialogOutcome::Stay;
                }
                match rotate.focus {
                    Grace if keys::is_enter(key) => rotate.confirm(ctx),
                    Grace => {
                        rotate.grace.handle_key(key);
                    }
                    Rotate if keys::is_activate(key) => rotate.confirm(ctx),
                    Cancel if keys::is_activate(key) => return DialogOutcome::Close,
                    Rotate | Cancel => {
                        if keys::is_left(key) || keys::is_right(key) {
                            rotate.focus = if rotate.focus == Rotate {
                                Cancel
                            } else {
                                Rotate
                            };
                        }
                    }
                }
                DialogOutcome::Stay
            }
            Dialog::Delete(delete) => {
                use DeleteFocus::*;
                let order = [Name, Delete, Cancel];
                if let Some(next) = cycle(&order, delete.focus, key) {
                    delete.focus = next;
                    return DialogOutcome::Stay;
                }
                match delete.focus {
                    Name if keys::is_enter(key) => delete.confirm(ctx),
                    Name => {
                        delete.typed.handle_key(key);
                    }
                    Delete if keys::is_activate(key) => delete.confirm(ctx),
                    Cancel if keys::is_activate(key) => return DialogOutcome::Close,
                    Delete | Cancel => {
                        if keys::is_left(key) || keys::is_right(key) {
                            delete.focus = if delete.focus == Delete {
                                Cancel
                            } else {
                                Delete
                            };
                        }
                    }
                }
                DialogOutcome::Stay
            }
            Dialog::File(file) => {
                use FileFocus::*;
                let order = [Path, Go, Cancel];
                if let Some(next) = cycle(&order, file.focus, key) {
                    file.focus = next;
                    return DialogOutcome::Stay;
                }
                match file.focus {
                    Path if keys::is_enter(key) => file.confirm(ctx),
                    Path => {
                        file.path.handle_key(key);
                    }
                    Go if keys::is_activate(key) => file.confirm(ctx),
                    Cancel if keys::is_activate(key) => return DialogOutcome::Close,
                    Go | Cancel => {
                        if keys::is_left(key) || keys::is_right(key) {
                            file.focus = if file.focus == Go { Cancel } else { Go };
                        }
                    }
                }
                DialogOutcome::Stay
            }
            Dialog::ImportPlan(plan) => {
                let last = plan.lines.len().saturating_sub(ImportPlanDialog::ROWS);
                if ctx.keys.is(Action::Yes, key) {
                    plan.confirm(ctx);
                } else if ctx.keys.is(Action::No, key) {
                    return DialogOutcome::Close;
                } else if keys::is_up(key) {
                    plan.offset = plan.offset.saturating_sub(1);
                } else if keys::is_down(key) {
                    plan.offset = (plan.offset + 1).min(last);
                } else if keys::is_left(key)
                    || keys::is_right(key)
                    || keys::is_next_field(key)
                    || keys::is_prev_field(key)
                {
                    plan.yes_focused = !plan.yes_focused;
                } else if keys::is_activate(key) {
                    if !plan.yes_focused {
                        return DialogOutcome::Close;
                    }
                    plan.confirm(ctx);
                }
                DialogOutcome::Stay
            }
            Dialog::SignIn(sign_in) => match sign_in.form.handle_key(key, ctx) {
                SignInOutcome::Stay => DialogOutcome::Stay,
                SignInOutcome::Cancel => DialogOutcome::Close,
            },
        }
    }

    /// Presses button `index` of the dialog's button row (a mouse click).
    pub fn click_button(&mut self, index: usize, ctx: &mut Ctx) -> DialogOutcome {
        match self {
            Dialog::Confirm(confirm) => {
                if index == 0 {
                    DialogOutcome::Confirmed(confirm.action.clone())
                } else {
                    DialogOutcome::Close
                }
            }
            Dialog::Rotate(rotate) => {
                if index == 0 {
                    rotate.confirm(ctx);
                    DialogOutcome::Stay
                } else {
                    DialogOutcome::Close
                }
            }
            Dialog::Delete(delete) => {
                if index == 0 {
                    delete.confirm(ctx);
                    DialogOutcome::Stay
                } else {
                    DialogOutcome::Close
                }
            }
            Dialog::File(file) => {
                if index == 0 {
                    file.confirm(ctx);
                    DialogOutcome::Stay
                } else {
                    DialogOutcome::Close
                }
            }
            Dialog::ImportPlan(plan) => {
                if index == 0 {
                    plan.confirm(ctx);
                    DialogOutcome::Stay
                } else {
                    DialogOutcome::Close
                }
            }
            Dialog::SignIn(sign_in) => match sign_in.form.click_button(index, ctx) {
                SignInOutcome::Stay => DialogOutcome::Stay,
                SignInOutcome::Cancel => DialogOutcome::Close,
            },
        }
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        let no = || Hint {
            keys: format!("{}/Esc", keys.label(Action::No)).into(),
            does: "no",
            action: Some(Action::No),
        };
        match self {
            Dialog::Confirm(_) => vec![
                keys.hint(Action::Yes),
                no(),
                hint("←/→", "choose"),
                hint("Enter", "press"),
            ],
            Dialog::Rotate(_) => vec![
                hint("Tab", "next"),
                hint("Enter", "rotate"),
                hint("Esc", "cancel"),
            ],
            Dialog::Delete(_) => vec![
                hint("type", "the app's name"),
                hint("Enter", "delete"),
                hint("Esc", "cancel"),
            ],
            Dialog::File(file) => vec![
                hint("type", "the file"),
                hint(
                    "Enter",
                    match file.action {
                        FileAction::Export(_) => "export",
                        FileAction::Import => "review",
                    },
                ),
                hint("Tab", "next"),
                hint("Esc", "cancel"),
            ],
            Dialog::ImportPlan(_) => vec![
                hint("↑↓", "scroll"),
                keys.hint_as(Action::Yes, "import"),
                Hint {
                    does: "cancel",
                    ..no()
                },
                hint("←/→", "choose"),
                hint("Enter", "press"),
            ],
            Dialog::SignIn(sign_in) => sign_in.form.hints("not now"),
        }
    }

    /// Labels of the dialog's buttons, the confirming one first.
    pub fn buttons(&self) -> [&'static str; 2] {
        match self {
            Dialog::Confirm(confirm) => [confirm.yes, confirm.no],
            Dialog::Rotate(_) => ["Yes, rotate secret", "Cancel"],
            Dialog::Delete(_) => ["Delete", "Cancel"],
            Dialog::SignIn(_) => ["Sign in", "Not now"],
            Dialog::File(file) => match file.action {
                FileAction::Export(_) => ["Export", "Cancel"],
                FileAction::Import => ["Review import", "Cancel"],
            },
            Dialog::ImportPlan(_) => ["Import", "Cancel"],
        }
    }
}

/// Tab and Shift-Tab through `order`.
pub(super) fn cycle<T: Copy + PartialEq>(order: &[T], at: T, key: &KeyEvent) -> Option<T> {
    let index = order.iter().position(|f| *f == at)?;
    if keys::is_next_field(key) {
        Some(order[(index + 1) % order.len()])
    } else if keys::is_prev_field(key) {
        Some(order[(index + order.len() - 1) % order.len()])
    } else {
        None
    }
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
