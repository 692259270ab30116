//! The create wizard: Application details → Scopes & permissions → Copy secret. Each step checks
//! its fields with the model's rules before the next; the service checks everything again when
//! the app is created, and its refusals land at the fields they name.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};

use super::dialogs::Confirm;
use super::forms::{DetailsFocus, DetailsForm, FormOutcome};
use super::scopes::{ScopesFocus, ScopesForm};
use super::secret::{STEP_TITLES, SecretPage, draw_page};
use crate::backend::Result;
use crate::backend::{BackendError, CreatedApp};
use crate::model::{self, AppSettings, NewApp, OwnerAccess, ValidationErrors};
use crate::tui::component::{
    Component, ConfirmAction, Ctx, DrawCtx, EventState, Nav, SecretPurpose,
};
use crate::tui::effect::{Effect, Msg};
use crate::tui::keys::{Hint, KeyMap, hint};
use crate::tui::layout::{self, body_inner, button_at, indented, last_line, line, rows};
use crate::tui::session::Session;
use crate::tui::widgets::{self, Palette};

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
                    self.next_step(ctx);
                    true
                }
                FormOutcome::Cancel => {
                    self.cancel(ctx);
                    true
                }
                FormOutcome::Handled => true,
                FormOutcome::Ignored => false,
            },
            Step::Scopes => {
                let height = self.scopes.rows_height(wizard_layout(ctx.area).form);
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

    /// From the first step to the second, once its fields pass the model's rules.
    fn next_step(&mut self, ctx: &mut Ctx) {
        if self.details_step_errors() {
            ctx.error("Correct the marked fields to continue");
        } else {
            self.scopes.grant = self.details.grant;
            self.step = Step::Scopes;
        }
    }

    /// Closes the wizard, asking first when something was typed.
    fn cancel(&mut self, ctx: &mut Ctx) {
        if self.holds_input() {
            ctx.open(Confirm::new(ConfirmAction::DiscardWizard));
        } else {
            ctx.go(Nav::apps());
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
        ctx.go(Nav::apps());
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
            Err(BackendError::Invalid(errors)) => self.show_errors(&errors, ctx),
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

/// The wizard: its step indicator, the form, and a row of buttons.
pub struct WizardLayout {
    pub steps: Rect,
    pub form: Rect,
    pub buttons: Rect,
}

pub fn wizard_layout(area: Rect) -> WizardLayout {
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

fn draw_wizard(
    wizard: &Wizard,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
    session: &Session,
) {
    let placed = wizard_layout(area);
    widgets::steps(
        buf,
        placed.steps,
        &STEP_TITLES,
        wizard.step.number(),
        palette,
    );
    match &wizard.step {
        Step::Details => {
            wizard.details.draw(placed.form, buf, palette);
            let focused = match wizard.details.focus {
                DetailsFocus::Cancel => Some(0),
                DetailsFocus::Submit => Some(1),
                _ => None,
            };
            widgets::buttons(buf, placed.buttons, &DETAILS_BUTTONS, focused, palette);
        }
        Step::Scopes | Step::Creating => {
            wizard.scopes.draw(placed.form, buf, palette);
            let focused = match wizard.scopes.focus {
                ScopesFocus::Back => Some(0),
                ScopesFocus::Submit => Some(1),
                _ => None,
            };
            widgets::buttons(buf, placed.buttons, &SCOPES_BUTTONS, focused, palette);
        }
        Step::CopySecret(page) => draw_page(page, area, buf, palette, session),
    }
}

impl Component for Wizard {
    fn title(&self, cx: &DrawCtx) -> String {
        format!(" Create an OAuth app · {} ", cx.owner_name())
    }

    fn crumbs(&self) -> Vec<String> {
        vec!["New app".to_owned()]
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        self.handle_key(key, ctx).into()
    }

    /// Buttons are pressed as what they are: Cancel asks as Esc does, Next goes on as Ctrl-S does.
    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        let placed = wizard_layout(ctx.area);
        match &mut self.step {
            Step::Details => {
                match button_at(&layout::buttons(placed.buttons, &DETAILS_BUTTONS), at) {
                    Some(0) => {
                        self.details.focus = DetailsFocus::Cancel;
                        self.cancel(ctx);
                    }
                    Some(_) => {
                        self.details.focus = DetailsFocus::Submit;
                        self.next_step(ctx);
                    }
                    None => match self.details.field_at(placed.form, at) {
                        Some(focus) => self.details.focus = focus,
                        None => return EventState::NotConsumed,
                    },
                }
            }
            Step::Scopes => {
                match button_at(&layout::buttons(placed.buttons, &SCOPES_BUTTONS), at) {
                    Some(0) => self.step = Step::Details,
                    Some(_) => self.submit(ctx),
                    None => return self.scopes.click(placed.form, at).into(),
                }
            }
            Step::Creating => {}
            Step::CopySecret(page) => match page.click(ctx.area, at, ctx) {
                Some(true) => self.finish(ctx),
                Some(false) => {}
                None => return EventState::NotConsumed,
            },
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        match self.step {
            Step::Details => {
                if let Some(field) = self.details.focused_field_mut() {
                    field.paste(text);
                }
            }
            Step::Scopes => return self.scopes.paste(text).into(),
            Step::Creating | Step::CopySecret(_) => return EventState::NotConsumed,
        }
        EventState::Consumed
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::AppCreated(result) => {
                self.on_created(result, ctx);
                None
            }
            other => Some(other),
        }
    }

    fn confirmed(&mut self, action: &ConfirmAction, ctx: &mut Ctx) {
        match action {
            ConfirmAction::DiscardWizard => {
                ctx.info("Discarded the new app; nothing was created");
                ctx.go(Nav::apps());
            }
            ConfirmAction::LeaveSecret => ctx.go(Nav::apps()),
            ConfirmAction::Quit
            | ConfirmAction::DiscardEdit
            | ConfirmAction::RevokeAuthorization(_)
            | ConfirmAction::EndGrace { .. } => {}
        }
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        Wizard::hints(self, keys)
    }

    fn is_typing(&self) -> bool {
        Wizard::is_typing(self)
    }

    fn holds_input(&self) -> bool {
        Wizard::holds_input(self)
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        draw_wizard(self, area, buf, &cx.palette, cx.session);
    }
}
