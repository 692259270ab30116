//! An app's detail view, tabbed as in the Console: Application details, Access settings,
//! Credentials, Authorized applications (authorization-code apps), and the app's Audit events. Edit, Save and Cancel on the first two; Rotate
//! secret and Delete from anywhere. A save carries the version it was based on, so that one over
//! someone else's change is refused rather than overwriting it.

use ratatui::crossterm::event::KeyEvent;

use super::audit::AuditLog;
use super::authorized::AuthorizedList;
use super::dialogs::{DeleteDialog, Dialog, RotateDialog};
use super::forms::{DetailsForm, FormOutcome};
use super::scopes::ScopesForm;
use super::{Ctx, Nav};
use crate::backend::Result;
use crate::model::{GrantType, OAuthApp, OwnerKind};
use crate::service::{AppUpdate, ServiceError};
use crate::tui::effect::Effect;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    ApplicationDetails,
    AccessSettings,
    Credentials,
    AuthorizedApps,
    AuditEvents,
}

impl Tab {
    /// Every tab, in the order drawn; [`Tab::of`] leaves out what an app does not have.
    pub const ALL: [Tab; 5] = [
        Tab::ApplicationDetails,
        Tab::AccessSettings,
        Tab::Credentials,
        Tab::AuthorizedApps,
        Tab::AuditEvents,
    ];

    /// The tabs of `app`: Authorized applications only for the authorization-code grant, the
    /// only one people approve.
    pub fn of(app: &OAuthApp) -> Vec<Tab> {
        Tab::ALL
            .into_iter()
            .filter(|tab| {
                *tab != Tab::AuthorizedApps || app.grant_type == GrantType::AuthorizationCode
            })
            .collect()
    }

    pub fn title(self) -> &'static str {
        match self {
            Tab::ApplicationDetails => "Application details",
            Tab::AccessSettings => "Access settings",
            Tab::Credentials => "Credentials",
            Tab::AuthorizedApps => "Authorized applications",
            Tab::AuditEvents => "Audit events",
        }
    }
}

/// What a button under a tab does when pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailButton {
    Save,
    CancelEdit,
    Edit,
    Rotate,
    CopyClientId,
    Delete,
    Revoke,
}

pub enum DetailEdit {
    Details(Box<DetailsForm>),
    Access(Box<ScopesForm>),
}

pub struct Detail {
    pub app: OAuthApp,
    pub tab: Tab,
    pub edit: Option<DetailEdit>,
    /// Set while a save runs.
    pub saving: bool,
    pub audit: AuditLog,
    /// This app's authorizations, on the Authorized applications tab.
    pub authorized: AuthorizedList,
}

impl Detail {
    pub fn new(app: OAuthApp, tab: Tab, ctx: &mut Ctx) -> Detail {
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

    pub fn on_updated(&mut self, result: Result<OAuthApp>, ctx: &mut Ctx) {
        self.saving = false;
        match result {
            Ok(app) => {
                ctx.done(format!("Saved changes to {}", app.settings.name));
                self.replace_app(app);
                self.edit = None;
            }
            Err(ServiceError::Invalid(errors)) => {
                self.show_errors(&errors);
                ctx.error(format!("Not saved: {errors}"));
            }
            Err(ServiceError::Conflict(message)) => {
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
    pub fn replace_app(&mut self, app: OAuthApp) {
        self.app = app;
        self.audit.events.loaded = false;
        self.authorized.rows.loaded = false;
    }

    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> bool {
        if let Some(edit) = &mut self.edit {
            let outcome = match edit {
                DetailEdit::Details(form) => form.handle_key(key, ctx.keys),
                DetailEdit::Access(form) => {
                    let height = layout::detail_scope_rows_height(ctx.area, form.ttl.is_some());
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
            let height = layout::detail_audit_rows_height(ctx.area);
            if self.audit.handle_key(key, height, ctx) {
                return true;
            }
        }
        if self.tab == Tab::AuthorizedApps {
            let height = layout::detail_authorized_rows_height(ctx.area);
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
        } else if ctx.keys.is(Action::DeleteThisApp, key) {
            self.ask_delete(ctx);
        } else if ctx.keys.is(Action::CopyClientId, key) {
            self.copy_client_id(ctx);
        } else if ctx.keys.is(Action::TokenTool, key) {
            ctx.go(Nav::TokenTool {
                app: Some(Box::new(self.app.clone())),
                from_detail: true,
            });
        } else if ctx.keys.is(Action::Reload, key) {
            ctx.effect(Effect::LoadApp(self.app.sid.clone()));
        } else if keys::is_esc(key) {
            ctx.go(Nav::Apps);
        } else {
            return false;
        }
        true
    }

    /// The buttons under the current tab, as (label, what pressing it does).
    pub fn buttons(&self) -> Vec<(&'static str, DetailButton)> {
        use DetailButton::*;
        match (&self.edit, self.tab) {
            (Some(_), _) => vec![("Save", Save), ("Cancel", CancelEdit)],
            (None, Tab::ApplicationDetails) => vec![("Edit application details", Edit)],
            (None, Tab::AccessSettings) => vec![("Edit access settings", Edit)],
            (None, Tab::Credentials) => vec![
                ("Rotate secret", Rotate),
                ("Copy client ID", CopyClientId),
                ("Delete app", Delete),
            ],
            (None, Tab::AuthorizedApps) => vec![("Revoke", Revoke)],
            (None, Tab::AuditEvents) => Vec::new(),
        }
    }

    /// A click on button `index` of [`Detail::buttons`]: what the button names, not a key that
    /// may mean something else where it lands.
    pub fn click_button(&mut self, index: usize, ctx: &mut Ctx) {
        let Some((_, button)) = self.buttons().get(index).copied() else {
            return;
        };
        match button {
            DetailButton::Save => self.save(ctx),
            DetailButton::CancelEdit => self.cancel_edit(ctx),
            DetailButton::Edit => self.start_edit(ctx),
            DetailButton::Rotate => self.ask_rotate(ctx),
            DetailButton::CopyClientId => self.copy_client_id(ctx),
            DetailButton::Delete => self.ask_delete(ctx),
            DetailButton::Revoke => self.authorized.ask_revoke(ctx),
        }
    }

    fn cancel_edit(&mut self, ctx: &mut Ctx) {
        self.edit = None;
        ctx.info("Edit cancelled; nothing was saved");
    }

    fn ask_rotate(&self, ctx: &mut Ctx) {
        ctx.dialog = Some(Dialog::Rotate(RotateDialog::new(&self.app)));
    }

    fn ask_delete(&self, ctx: &mut Ctx) {
        ctx.dialog = Some(Dialog::Delete(DeleteDialog::new(&self.app)));
    }

    fn copy_client_id(&self, ctx: &mut Ctx) {
        ctx.effect(Effect::Copy {
            what: "client ID",
            text: self.app.sid.to_string(),
        });
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
                hints.extend([
                    keys.hint(Action::Edit),
                    keys.hint(Action::RotateSecret),
                    keys.hint(Action::DeleteThisApp),
                    keys.hint(Action::TokenTool),
                    keys.hint(Action::CopyClientId),
                    hint("Esc", "back"),
                ]);
                hints
            }
        }
    }
}
