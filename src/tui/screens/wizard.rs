//! The create wizard: Application details → Scopes & permissions → Copy secret. Each step checks
//! its fields with the model's rules before the next; the service checks everything again when
//! the app is created, and its refusals land at the fields they name.

use ratatui::crossterm::event::KeyEvent;

use super::dialogs::{Confirm, ConfirmAction, Dialog};
use super::forms::{DetailsForm, FormOutcome};
use super::scopes::ScopesForm;
use super::secret::{SecretPage, SecretPurpose};
use super::{Ctx, Nav};
use crate::backend::Result;
use crate::model::{self, AppSettings, ValidationErrors};
use crate::service::{CreatedApp, NewApp, OwnerAccess, ServiceError};
use crate::tui::effect::Effect;
use crate::tui::keys::{Hint, KeyMap, hint};
use crate::tui::layout;

pub enum Step {
    Details,
    Scopes,
    /// The app is being created; keys wait.
    Creating,
    CopySecret(Box<SecretPage>),
}

impl Step {
    /// 1, 2 or 3, for the step indicator.
    pub fn number(&self) -> usize {
        match self {
            Step::Details => 1,
            Step::Scopes | Step::Creating => 2,
            Step::CopySecret(_) => 3,
        }
    }
}

/// The three steps' titles, as the Console names them.
pub const STEP_TITLES: [&str; 3] = ["Application details", "Scopes & permissions", "Copy secret"];

pub struct Wizard {
    pub owner: OwnerAccess,
    pub details: DetailsForm,
    pub scopes: ScopesForm,
    pub step: Step,
}

impl Wizard {
    pub fn new(owner: OwnerAccess) -> Wizard {
        let kind = owner.owner.kind();
        let details = DetailsForm::new(kind);
        let scopes = ScopesForm::new(kind, details.grant);
        Wizard {
            owner,
            details,
            scopes,
            step: Step::Details,
        }
    }

    pub fn holds_input(&self) -> bool {
        match &self.step {
            Step::CopySecret(page) => !page.got_it,
            _ => self.details.holds_input() || self.scopes.holds_input(),
        }
    }

    pub fn is_typing(&self) -> bool {
        match self.step {
            Step::Details => self.details.is_typing(),
            Step::Scopes => self.scopes.is_typing(),
            Step::Creating | Step::CopySecret(_) => false,
        }
    }

    fn settings(&mut self) -> Option<AppSettings> {
        let base = self.details.apply_to(AppSettings::default());
        self.scopes.apply_to(base)
    }

    /// Checks the first step's fields with the model's rules; scopes are the next step's.
    fn details_step_errors(&mut self) -> bool {
        let settings = self.details.apply_to(AppSettings::default());
        match settings.validate(self.owner.owner.kind(), self.details.grant) {
            Ok(_) => {
                self.details.show_errors(&ValidationErrors(Vec::new()));
                false
            }
            Err(errors) => self.details.show_errors(&errors),
        }
    }

    /// Puts the model's or the service's refusal at its fields, on the step that has them.
    fn show_errors(&mut self, errors: &ValidationErrors, ctx: &mut Ctx) {
        if self.details.show_errors(errors) {
            self.step = Step::Details;
        } else {
            self.scopes.show_errors(errors);
            self.step = Step::Scopes;
        }
        ctx.error(format!("Correct the marked fields: {errors}"));
    }

    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> bool {
        if let Step::CopySecret(page) = &mut self.step {
            if page.handle_key(key, ctx) {
                self.finish(ctx);
            }
            return true;
        }
        match self.step {
            Step::Details => match self.details.handle_key(key, ctx.keys) {
                FormOutcome::Submit => {
                    if self.details_step_errors() {
                        ctx.error("Correct the marked fields to continue");
                    } else {
                        self.scopes.grant = self.details.grant;
                        self.step = Step::Scopes;
                    }
                    true
                }
                FormOutcome::Cancel => {
                    if self.holds_input() {
                        ctx.dialog =
                            Some(Dialog::Confirm(Confirm::new(ConfirmAction::DiscardWizard)));
                    } else {
                        ctx.go(Nav::Apps);
                    }
                    true
                }
                FormOutcome::Handled => true,
                FormOutcome::Ignored => false,
            },
            Step::Scopes => {
                let height = layout::scope_rows_height(ctx.area, self.scopes.ttl.is_some());
                match self.scopes.handle_key(key, height, ctx.keys) {
                    FormOutcome::Submit => {
                        self.submit(ctx);
                        true
                    }
                    FormOutcome::Cancel => {
                        self.step = Step::Details;
                        true
                    }
                    FormOutcome::Handled => true,
                    FormOutcome::Ignored => false,
                }
            }
            Step::Creating | Step::CopySecret(_) => true,
        }
    }

    /// Checks every field with the model's rules and, if they pass, creates the app.
    pub fn submit(&mut self, ctx: &mut Ctx) {
        let Some(settings) = self.settings() else {
            ctx.error("Correct the token expiration to continue");
            return;
        };
        let kind = self.owner.owner.kind();
        if let Err(errors) = settings.clone().validate(kind, self.details.grant) {
            self.show_errors(&errors, ctx);
            return;
        }
        let owner = self.owner.owner.sid.as_str();
        let for_role =
            model::scopes::check_scopes_for_role(self.owner.role, &settings.scopes, owner);
        if let Err(error) = for_role {
            self.show_errors(&ValidationErrors(vec![error]), ctx);
            return;
        }
        self.step = Step::Creating;
        ctx.info("Creating the app…");
        ctx.effect(Effect::CreateApp(NewApp {
            owner: self.owner.owner.sid.clone(),
            grant_type: self.details.grant,
            settings,
            region: None,
        }));
    }

    pub fn finish(&mut self, ctx: &mut Ctx) {
        if let Step::CopySecret(page) = &self.step {
            ctx.done(format!(
                "Created {} ({})",
                page.app.settings.name, page.app.sid
            ));
        }
        ctx.go(Nav::Apps);
    }

    pub fn on_created(&mut self, result: Result<CreatedApp>, ctx: &mut Ctx) {
        match result {
            Ok(created) => {
                ctx.done(format!(
                    "Created {}. Copy its secret now: it is shown only once",
                    created.app.settings.name
                ));
                self.step = Step::CopySecret(Box::new(SecretPage::new(
                    created.app,
                    created.secret,
                    &ctx.session.issuer,
                    SecretPurpose::Created,
                )));
            }
            Err(ServiceError::Invalid(errors)) => self.show_errors(&errors, ctx),
            Err(error) => {
                self.step = Step::Scopes;
                ctx.failed("create the app", &error);
            }
        }
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        match &self.step {
            Step::Details => self.details.hints(keys),
            Step::Scopes => self.scopes.hints(keys),
            Step::Creating => vec![hint("…", "creating the app")],
            Step::CopySecret(page) => page.hints(keys),
        }
    }
}
