//! `update(state, msg) -> effects`: the one place the model changes. Synchronous and free of I/O:
//! a key goes to the open dialog, else to the screen's component, and what neither takes is a
//! global key; a backend result goes to the screen that asked for it. Navigation, confirmations
//! and the status line are settled here.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::effect::{Effect, FileFailure, Msg};
use super::keys::{self, Action, Hint, hint};
use super::layout::{self, Target};
use super::screens::apps::AppsList;
use super::screens::audit::AuditLog;
use super::screens::authorized::AuthorizedList;
use super::screens::detail::{Detail, DetailEdit, Tab};
use super::screens::dialogs::{
    Confirm, ConfirmAction, Dialog, DialogOutcome, ImportPlanDialog, SignInDialog,
};
use super::screens::forms::DetailsFocus;
use super::screens::scopes::ScopesFocus;
use super::screens::secret::{SecretFocus, SecretPage, SecretPurpose};
use super::screens::sign_in::{SignInForm, SignInOutcome};
use super::screens::token::TokenTool;
use super::screens::wizard::{Step, Wizard};
use super::screens::{Ctx, Nav, describe_failure};
use super::state::{Screen, State, Status};
use crate::service::ServiceError;

/// The first effects: who is signed in, and their owners.
pub fn init() -> Vec<Effect> {
    vec![Effect::LoadSession]
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let session_ended = ends_session(&msg);
    let effects = apply(state, msg);
    if session_ended {
        ask_to_sign_in_again(state);
    }
    effects
}

/// Whether a backend answered that the session is over (a server's, after an hour).
fn ends_session(msg: &Msg) -> bool {
    fn ended<T>(result: &crate::backend::Result<T>) -> bool {
        matches!(result, Err(ServiceError::NotSignedIn(_)))
    }
    fn ended_file<T>(result: &Result<T, FileFailure>) -> bool {
        matches!(
            result,
            Err(FileFailure::Backend(ServiceError::NotSignedIn(_)))
        )
    }
    match msg {
        Msg::SessionLoaded(result) => ended(result),
        Msg::AppsLoaded { result, .. } => ended(result),
        Msg::AuditLoaded { result, .. } => ended(result),
        Msg::AppLoaded(result) | Msg::AppUpdated(result) | Msg::AppDeleted(result) => ended(result),
        Msg::AppCreated(result) => ended(result),
        Msg::SecretRotated(result) => ended(result),
        Msg::SignedIn(result) => ended(result),
        Msg::AuthorizedLoaded { result, .. } => ended(result),
        Msg::AuthorizationRevoked(result) => ended(result),
        Msg::AppsExported(result) => ended_file(result),
        Msg::ImportPlanned(result) => ended_file(result),
        Msg::AppsImported(result) => ended_file(result),
        Msg::TokenAnswered { .. } | Msg::Tick { .. } => false,
        Msg::Key(_)
        | Msg::Mouse(_)
        | Msg::Paste(_)
        | Msg::Resize(..)
        | Msg::Copied { .. }
        | Msg::FilterSettled { .. } => false,
    }
}

/// Opens the sign-in dialog over whatever is on screen, keeping it (and any open dialog) as it
/// is; the status line already says what failed. Before anyone has signed in there is nothing to
/// keep: the start-up sign-in screen asks instead (see `session_loaded`).
fn ask_to_sign_in_again(state: &mut State) {
    let Some(user) = &state.session.user else {
        return;
    };
    if matches!(state.dialog, Some(Dialog::SignIn(_))) {
        return;
    }
    let interrupted = state.dialog.take();
    state.dialog = Some(Dialog::SignIn(SignInDialog::new(
        &user.username,
        interrupted,
    )));
}

fn apply(state: &mut State, msg: Msg) -> Vec<Effect> {
    let area = state.area;
    let target = match &msg {
        Msg::Mouse(mouse) if mouse.kind == MouseEventKind::Down(MouseButton::Left) => {
            layout::target_at(state, mouse.column, mouse.row)
        }
        _ => None,
    };
    let mut ctx = Ctx::new(&state.session, &state.keys, area, &mut state.last_request);
    let mut keep_status = false;
    match msg {
        Msg::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return Vec::new();
            }
            on_key(
                &mut state.screen,
                &mut state.dialog,
                &mut state.help,
                &mut state.owner_picker,
                &mut state.quit,
                key,
                &mut ctx,
            );
        }
        Msg::Mouse(mouse) => {
            keep_status = true;
            on_mouse(
                &mut state.screen,
                &mut state.dialog,
                &mut state.help,
                &mut state.owner_picker,
                &mut state.quit,
                mouse,
                target,
                &mut ctx,
            );
        }
        Msg::Paste(text) => {
            keep_status = true;
            paste(&mut state.screen, state.dialog.as_mut(), &text, &mut ctx);
        }
        Msg::Resize(width, height) => {
            keep_status = true;
            let area = Rect::new(0, 0, width, height);
            state.area = area;
            ctx.area = area;
            if let Screen::Apps(list) = &mut state.screen {
                list.keep_in_view(layout::apps_rows_height(area));
            }
        }
        Msg::SessionLoaded(result) => {
            drop(ctx);
            return session_loaded(state, result);
        }
        Msg::AppsLoaded {
            request,
            append,
            result,
        } => {
            keep_status = true;
            if let Screen::Apps(list) = &mut state.screen {
                list.on_loaded(request, append, result, &mut ctx);
            }
        }
        Msg::AuditLoaded {
            request,
            append,
            result,
        } => {
            keep_status = true;
            match &mut state.screen {
                Screen::Audit(log) => log.on_loaded(request, append, result),
                Screen::Detail(detail) => detail.audit.on_loaded(request, append, result),
                _ => {}
            }
        }
        Msg::AppLoaded(result) => {
            keep_status = true;
            if let Screen::Detail(detail) = &mut state.screen {
                match result {
                    Ok(app) if app.sid == detail.app.sid => {
                        detail.replace_app(app);
                        let tab = detail.tab;
                        detail.show(tab, &mut ctx);
                    }
                    Ok(_) => {}
                    Err(error) => ctx.failed("reload the app", &error),
                }
            }
        }
        Msg::AppCreated(result) => {
            if let Screen::Wizard(wizard) = &mut state.screen {
                wizard.on_created(result, &mut ctx);
            }
        }
        Msg::AppUpdated(result) => {
            if let Screen::Detail(detail) = &mut state.screen {
                detail.on_updated(result, &mut ctx);
            }
        }
        Msg::SecretRotated(result) => {
            if let Some(Dialog::Rotate(rotate)) = &mut state.dialog {
                rotate.busy = false;
            }
            match result {
                Ok(rotated) => {
                    state.dialog = None;
                    ctx.done(format!(
                        "Rotated the secret of {}. Copy the new one now: it is shown only once",
                        rotated.app.settings.name
                    ));
                    let page = SecretPage::new(
                        rotated.app,
                        rotated.secret,
                        &ctx.session.issuer,
                        SecretPurpose::Rotated {
                            grace: rotated.grace_period,
                            previous_expires_at: rotated.previous_expires_at,
                        },
                    );
                    ctx.go(Nav::RotatedSecret(Box::new(page)));
                }
                Err(error) => {
                    show_dialog_failure(&mut state.dialog, "rotate the secret", &error, &mut ctx)
                }
            }
        }
        Msg::AppDeleted(result) => match result {
            Ok(app) => {
                state.dialog = None;
                ctx.done(format!(
                    "Deleted {} ({}); its secrets and tokens stopped working",
                    app.settings.name, app.sid
                ));
                ctx.go(Nav::Apps);
            }
            Err(error) => {
                if let Some(Dialog::Delete(delete)) = &mut state.dialog {
                    delete.busy = false;
                }
                show_dialog_failure(&mut state.dialog, "delete the app", &error, &mut ctx);
            }
        },
        Msg::AuthorizedLoaded {
            request,
            append,
            result,
        } => {
            keep_status = true;
            match &mut state.screen {
                Screen::Authorized(list) => list.on_loaded(request, append, result),
                Screen::Detail(detail) => detail.authorized.on_loaded(request, append, result),
                _ => {}
            }
        }
        Msg::AuthorizationRevoked(result) => match result {
            Ok(revoked) => {
                ctx.done(format!(
                    "Revoked the access {} gave to {}; its tokens stopped working",
                    revoked.user.username, revoked.app_name
                ));
                match &mut state.screen {
                    Screen::Authorized(list) => list.load(&mut ctx, false),
                    Screen::Detail(detail) => {
                        detail.authorized.load(&mut ctx, false);
                        detail.audit.events.loaded = false;
                    }
                    _ => {}
                }
            }
            Err(error) => ctx.failed("revoke the authorization", &error),
        },
        Msg::TokenAnswered { result, now } => {
            if let Screen::TokenTool(tool) = &mut state.screen {
                tool.on_answered(result, now, &mut ctx);
            }
        }
        Msg::Tick { request, now } => {
            keep_status = true;
            if let Screen::TokenTool(tool) = &mut state.screen {
                tool.on_tick(request, now, &mut ctx);
            }
        }
        Msg::FilterSettled { request } => {
            keep_status = true;
            if let Screen::Apps(list) = &mut state.screen {
                list.on_filter_settled(request, &mut ctx);
            }
        }
        Msg::SignedIn(result) => {
            if let Screen::SignIn(form) = &mut state.screen {
                if form.on_answer(result) {
                    let server = ctx.session.server.as_deref().unwrap_or("the server");
                    ctx.done(format!("Signed in to {server} as {}", form.username()));
                    ctx.effect(Effect::LoadSession);
                    state.screen = Screen::Starting;
                }
            } else if let Some(Dialog::SignIn(sign_in)) = &mut state.dialog
                && sign_in.form.on_answer(result)
            {
                ctx.done(format!(
                    "Signed in again as {}. Nothing you typed was lost: do again what failed",
                    sign_in.form.username()
                ));
                state.dialog = state.dialog.take().and_then(Dialog::closed);
            }
        }
        Msg::AppsExported(result) => {
            if let Some(Dialog::File(file)) = &mut state.dialog {
                file.busy = false;
            }
            match result {
                Ok(exported) => {
                    state.dialog = None;
                    ctx.done(format!(
                        "Exported {} of {} to {} (no secrets)",
                        plural(exported.apps, "app"),
                        state.session.owner().map_or("", |o| o.owner.name.as_str()),
                        exported.path
                    ));
                }
                Err(failure) => show_file_failure(&mut state.dialog, "export", failure, &mut ctx),
            }
        }
        Msg::ImportPlanned(result) => {
            if let Some(Dialog::File(file)) = &mut state.dialog {
                file.busy = false;
            }
            match result {
                Ok(planned) if !planned.plan.changes_anything() => {
                    state.dialog = None;
                    ctx.info(format!(
                        "Nothing to import: the apps already match {} ({} unchanged)",
                        planned.path,
                        plural(planned.plan.items.len(), "app")
                    ));
                }
                Ok(planned) => {
                    state.dialog = Some(Dialog::ImportPlan(ImportPlanDialog::new(
                        planned.path,
                        planned.definitions,
                        &planned.plan,
                    )));
                }
                Err(failure) => show_file_failure(&mut state.dialog, "import", failure, &mut ctx),
            }
        }
        Msg::AppsImported(result) => {
            if let Some(Dialog::ImportPlan(plan)) = &mut state.dialog {
                plan.busy = false;
            }
            match result {
                Ok(imported) => {
                    state.dialog = None;
                    let count = |wanted: fn(&crate::backend::ImportAction) -> bool| {
                        imported.outcome.count(wanted)
                    };
                    use crate::backend::ImportAction;
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
                    match SecretPage::imported(imported.created, &ctx.session.issuer) {
                        Some(page) => ctx.go(Nav::RotatedSecret(Box::new(page))),
                        None => ctx.go(Nav::Apps),
                    }
                }
                Err(failure) => show_file_failure(&mut state.dialog, "import", failure, &mut ctx),
            }
        }
        Msg::Copied { what, result } => match result {
            Ok(via) => ctx.done(format!("Copied the {what} {}", via.describe())),
            Err(why) => ctx.error(format!("Could not copy the {what}: {why}")),
        },
    }
    let Ctx {
        effects,
        nav,
        dialog,
        status,
        switch_owner,
        ..
    } = ctx;
    let mut effects = effects;
    if let Some(index) = switch_owner
        && index < state.session.owners.len()
    {
        state.session.current = index;
    }
    if status.is_some() || !keep_status {
        state.status = status;
    }
    if let Some(dialog) = dialog {
        state.dialog = Some(dialog);
    }
    if let Some(nav) = nav {
        effects.extend(navigate(state, nav));
    }
    effects
}

/// A failure while a dialog is open: on the dialog's field when it names one, else the status
/// line (and the dialog closes if the app is gone).
fn show_dialog_failure(
    dialog: &mut Option<Dialog>,
    doing: &str,
    error: &ServiceError,
    ctx: &mut Ctx,
) {
    if let (Some(Dialog::Rotate(rotate)), ServiceError::Invalid(errors)) = (dialog.as_mut(), error)
    {
        rotate.grace.error = Some(errors.to_string());
        return;
    }
    if matches!(error, ServiceError::NotFound { .. }) {
        *dialog = None;
    }
    ctx.error(describe_failure(doing, error));
}

/// An export or import that failed: a file problem on the dialog's field when the file dialog is
/// open, else on the status line with what to do.
fn show_file_failure(
    dialog: &mut Option<Dialog>,
    doing: &str,
    failure: FileFailure,
    ctx: &mut Ctx,
) {
    match failure {
        FileFailure::File(why) => match dialog {
            Some(Dialog::File(file)) => file.path.error = Some(why),
            _ => ctx.error(format!("Could not {doing}: {why}")),
        },
        // Entries that break a rule: the file is the person's to correct, not a form.
        FileFailure::Backend(ServiceError::Invalid(errors)) => {
            let file = match dialog {
                Some(Dialog::File(file)) => file.path.value().trim().to_owned(),
                _ => "the file".to_owned(),
            };
            ctx.error(format!(
                "Nothing was imported: {errors}; correct {file} and import it again"
            ));
        }
        FileFailure::Backend(error) => {
            if matches!(dialog, Some(Dialog::ImportPlan(_))) {
                *dialog = None;
            }
            ctx.error(describe_failure(&format!("{doing} the apps"), &error));
        }
    }
}

fn plural(count: usize, what: &str) -> String {
    if count == 1 {
        format!("1 {what}")
    } else {
        format!("{count} {what}s")
    }
}

fn session_loaded(
    state: &mut State,
    result: crate::backend::Result<super::effect::LoadedSession>,
) -> Vec<Effect> {
    match result {
        Ok(loaded) => {
            state.session.current = loaded
                .owners
                .iter()
                .position(|access| access.role.may_manage_oauth_apps())
                .unwrap_or(0);
            state.session.user = Some(loaded.user);
            state.session.owners = loaded.owners;
            state.session.issuer = loaded.issuer;
            if state.session.owners.is_empty() {
                state.status = Some(Status::error(
                    "You belong to no account or organization; ask an administrator to add you to one",
                ));
                return Vec::new();
            }
            navigate(state, Nav::Apps)
        }
        // No session yet (or the saved one is over): the console opens on its sign-in screen.
        Err(ServiceError::NotSignedIn(_)) if state.session.user.is_none() => {
            state.screen = Screen::SignIn(SignInForm::new());
            Vec::new()
        }
        Err(error) => {
            state.status = Some(Status::error(describe_failure(
                "read who is signed in",
                &error,
            )));
            Vec::new()
        }
    }
}

/// Leaves the current screen for another, asking for what the new one shows.
fn navigate(state: &mut State, nav: Nav) -> Vec<Effect> {
    let Some(owner) = state.session.owner().cloned() else {
        return Vec::new();
    };
    let mut ctx = Ctx::new(
        &state.session,
        &state.keys,
        state.area,
        &mut state.last_request,
    );
    let screen = match nav {
        Nav::Apps => {
            let mut list = AppsList::new(owner.owner.sid.clone());
            match &state.screen {
                Screen::Apps(old) if old.owner == owner.owner.sid => {
                    list.order = old.order;
                    list.filter = old.filter.clone();
                }
                Screen::Detail(detail) => list.reselect = Some(detail.app.sid.clone()),
                _ => {}
            }
            list.load(&mut ctx, false);
            Screen::Apps(list)
        }
        Nav::App(app, tab) => Screen::Detail(Box::new(Detail::new(*app, tab, &mut ctx))),
        Nav::NewApp => Screen::Wizard(Box::new(Wizard::new(owner))),
        Nav::Audit => {
            let mut log = AuditLog::new(owner.owner.sid.clone());
            log.load(&mut ctx, false);
            Screen::Audit(log)
        }
        Nav::RotatedSecret(page) => Screen::RotatedSecret(page),
        Nav::TokenTool { app, from_detail } => Screen::TokenTool(Box::new(TokenTool::new(
            app.map(|app| *app),
            from_detail,
            state.session.token_endpoint.clone(),
        ))),
        Nav::Authorized => {
            let mut list = AuthorizedList::new(owner.owner.sid.clone(), None);
            list.load(&mut ctx, false);
            Screen::Authorized(list)
        }
    };
    let effects = ctx.effects;
    state.screen = screen;
    effects
}

/// Whether the focused part of the screen takes letters as text.
fn is_typing(screen: &Screen, dialog: Option<&Dialog>) -> bool {
    if let Some(dialog) = dialog {
        return dialog.is_typing();
    }
    match screen {
        Screen::Apps(list) => list.filtering,
        Screen::Wizard(wizard) => wizard.is_typing(),
        Screen::Detail(detail) => detail.is_typing(),
        Screen::TokenTool(tool) => tool.is_typing(),
        Screen::SignIn(form) => form.is_typing(),
        Screen::Starting | Screen::Audit(_) | Screen::RotatedSecret(_) | Screen::Authorized(_) => {
            false
        }
    }
}

fn holds_unsaved_input(screen: &Screen, dialog: Option<&Dialog>) -> bool {
    let dialog = dialog.is_some_and(Dialog::holds_input);
    let screen = match screen {
        Screen::Starting
        | Screen::SignIn(_)
        | Screen::Apps(_)
        | Screen::Audit(_)
        | Screen::Authorized(_)
        | Screen::TokenTool(_) => false,
        Screen::Wizard(wizard) => wizard.holds_input(),
        Screen::Detail(detail) => detail.holds_input(),
        Screen::RotatedSecret(page) => !page.got_it,
    };
    dialog || screen
}

fn request_quit(screen: &Screen, dialog: &mut Option<Dialog>, quit: &mut bool) {
    if holds_unsaved_input(screen, dialog.as_ref()) {
        *dialog = Some(Dialog::Confirm(Confirm::new(ConfirmAction::Quit)));
    } else {
        *quit = true;
    }
}

#[allow(clippy::too_many_arguments)]
fn on_key(
    screen: &mut Screen,
    dialog: &mut Option<Dialog>,
    help: &mut bool,
    owner_picker: &mut Option<usize>,
    quit: &mut bool,
    key: KeyEvent,
    ctx: &mut Ctx,
) {
    if keys::is_ctrl(&key, 'c') {
        request_quit(screen, dialog, quit);
        return;
    }
    if *help {
        *help = false;
        return;
    }
    if let Some(open) = dialog {
        match open.handle_key(&key, ctx) {
            DialogOutcome::Stay => {}
            DialogOutcome::Close => *dialog = dialog.take().and_then(Dialog::closed),
            DialogOutcome::Confirmed(action) => {
                *dialog = None;
                confirmed(action, screen, quit, ctx);
            }
        }
        return;
    }
    if let Some(at) = owner_picker {
        let owners = ctx.session.owners.len();
        if let Some(to) = keys::moved(&key, *at, owners, owners) {
            *at = to;
        } else if keys::is_enter(&key) {
            let chosen = *at;
            *owner_picker = None;
            switch_owner(screen, chosen, ctx);
        } else if keys::is_esc(&key)
            || ctx.keys.is(Action::SwitchOwner, &key)
            || ctx.keys.is(Action::Quit, &key)
        {
            *owner_picker = None;
        }
        return;
    }
    let typing = is_typing(screen, dialog.as_ref());
    let taken = match screen {
        Screen::Starting => false,
        Screen::SignIn(form) => {
            // Nothing is behind the start-up screen: cancelling it closes the console.
            if form.handle_key(&key, ctx) == SignInOutcome::Cancel {
                *quit = true;
            }
            true
        }
        Screen::Apps(list) => list.handle_key(&key, ctx),
        Screen::Wizard(wizard) => wizard.handle_key(&key, ctx),
        Screen::Detail(detail) => detail.handle_key(&key, ctx),
        Screen::Audit(log) => {
            let height = layout::audit_rows_height(ctx.area);
            log.handle_key(&key, height, ctx)
        }
        Screen::TokenTool(tool) => tool.handle_key(&key, ctx),
        Screen::Authorized(list) => {
            let height = layout::authorized_rows_height(ctx.area);
            list.handle_key(&key, height, ctx)
        }
        Screen::RotatedSecret(page) => {
            if page.handle_key(&key, ctx) {
                leave_secret(page, ctx);
            }
            true
        }
    };
    if taken || typing {
        return;
    }
    if ctx.keys.is(Action::Help, &key) {
        *help = true;
    } else if ctx.keys.is(Action::Quit, &key) {
        request_quit(screen, dialog, quit);
    } else if ctx.keys.is(Action::SwitchOwner, &key) {
        if ctx.session.owners.is_empty() {
            ctx.info("No owners to switch between");
        } else {
            *owner_picker = Some(ctx.session.current);
        }
    } else if keys::is_esc(&key) {
        match screen {
            Screen::Audit(_) | Screen::Authorized(_) => ctx.go(Nav::Apps),
            Screen::Apps(_) => ctx.info("Press q to quit"),
            _ => {}
        }
    } else if key.code != KeyCode::Null {
        ctx.info(format!(
            "{} does nothing here; press ? for the keys of this screen",
            describe_key(&key)
        ));
    }
}

/// Leaves a Copy secret page: for the next app an import created, back to the list after the
/// last one, or to a rotated app's credentials.
fn leave_secret(page: &mut SecretPage, ctx: &mut Ctx) {
    match page.purpose {
        SecretPurpose::Imported { .. } => match page.next_imported(&ctx.session.issuer) {
            Some(next) => ctx.go(Nav::RotatedSecret(Box::new(next))),
            None => ctx.go(Nav::Apps),
        },
        SecretPurpose::Created | SecretPurpose::Rotated { .. } => {
            ctx.done(format!(
                "The new secret of {} is in use",
                page.app.settings.name
            ));
            let app = page.app.clone();
            ctx.go(Nav::App(Box::new(app), Tab::Credentials));
        }
    }
}

fn describe_key(key: &KeyEvent) -> String {
    match key.code {
        KeyCode::Char(c) if c.is_control() => "That key".to_owned(),
        KeyCode::Char(c) => format!("'{c}'"),
        other => format!("{other}"),
    }
}

/// Switching owner goes back to the apps list, where the new owner's apps are.
fn switch_owner(screen: &mut Screen, chosen: usize, ctx: &mut Ctx) {
    if holds_unsaved_input(screen, None) {
        ctx.error("Finish or cancel the form first; switching owner would lose it");
        return;
    }
    ctx.switch_owner = Some(chosen);
    ctx.go(Nav::Apps);
}

fn confirmed(action: ConfirmAction, screen: &mut Screen, quit: &mut bool, ctx: &mut Ctx) {
    match action {
        ConfirmAction::Quit => *quit = true,
        ConfirmAction::DiscardWizard => {
            ctx.info("Discarded the new app; nothing was created");
            ctx.go(Nav::Apps);
        }
        ConfirmAction::RevokeAuthorization(sid) => {
            ctx.effect(super::effect::Effect::RevokeAuthorization(sid));
        }
        ConfirmAction::LeaveSecret => match screen {
            Screen::RotatedSecret(page) => leave_secret(page, ctx),
            _ => ctx.go(Nav::Apps),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn on_mouse(
    screen: &mut Screen,
    dialog: &mut Option<Dialog>,
    help: &mut bool,
    owner_picker: &mut Option<usize>,
    quit: &mut bool,
    mouse: MouseEvent,
    target: Option<Target>,
    ctx: &mut Ctx,
) {
    let scroll = match mouse.kind {
        MouseEventKind::ScrollDown => Some(KeyCode::Down),
        MouseEventKind::ScrollUp => Some(KeyCode::Up),
        _ => None,
    };
    if let Some(code) = scroll {
        if dialog.is_none() && !*help {
            on_key(
                screen,
                dialog,
                help,
                owner_picker,
                quit,
                KeyEvent::from(code),
                ctx,
            );
        }
        return;
    }
    let Some(target) = target else {
        return;
    };
    if let Some(open) = dialog {
        if let Target::Button(index) = target {
            match open.click_button(index, ctx) {
                DialogOutcome::Stay => {}
                DialogOutcome::Close => *dialog = dialog.take().and_then(Dialog::closed),
                DialogOutcome::Confirmed(action) => {
                    *dialog = None;
                    confirmed(action, screen, quit, ctx);
                }
            }
        }
        return;
    }
    if let Screen::SignIn(form) = screen {
        let outcome = match target {
            Target::SignInField(focus) => {
                form.focus = focus;
                SignInOutcome::Stay
            }
            Target::Button(index) => form.click_button(index, ctx),
            Target::Help => {
                *help = false;
                SignInOutcome::Stay
            }
            _ => SignInOutcome::Stay,
        };
        *quit |= outcome == SignInOutcome::Cancel;
        return;
    }
    match target {
        Target::Help => *help = false,
        Target::Owner => *owner_picker = Some(ctx.session.current),
        Target::OwnerChoice(index) => {
            *owner_picker = None;
            switch_owner(screen, index, ctx);
        }
        other => click_screen(screen, other, ctx),
    }
}

fn click_screen(screen: &mut Screen, target: Target, ctx: &mut Ctx) {
    let press = |code: KeyCode| KeyEvent::from(code);
    match (screen, target) {
        (Screen::Apps(list), Target::Row(row)) => list.click_row(row, ctx),
        (Screen::Audit(log), Target::Row(row)) => {
            let height = layout::audit_rows_height(ctx.area);
            log.click_row(row, height, ctx);
        }
        (Screen::Authorized(list), Target::Row(row)) => {
            let height = layout::authorized_rows_height(ctx.area);
            list.click_row(row, height, ctx);
        }
        (Screen::TokenTool(tool), Target::TokenField(focus)) => {
            tool.focus = focus;
            if focus == super::screens::token::TokenFocus::Request {
                tool.request(ctx);
            }
        }
        (Screen::Wizard(wizard), target) => match (&mut wizard.step, target) {
            (Step::Details, Target::DetailsField(focus)) => wizard.details.focus = focus,
            (Step::Details, Target::Button(0)) => {
                wizard.details.focus = DetailsFocus::Cancel;
                wizard.handle_key(&press(KeyCode::Enter), ctx);
            }
            (Step::Details, Target::Button(_)) => {
                wizard.details.focus = DetailsFocus::Submit;
                wizard.handle_key(&press(KeyCode::Enter), ctx);
            }
            (Step::Scopes, Target::ScopesField(focus)) => wizard.scopes.focus = focus,
            (Step::Scopes, Target::Row(row)) => {
                let height = layout::scope_rows_height(ctx.area, wizard.scopes.ttl.is_some());
                let index = wizard.scopes.offset + row;
                wizard.scopes.click_row(index, height);
            }
            (Step::Scopes, Target::Button(0)) => wizard.step = Step::Details,
            (Step::Scopes, Target::Button(_)) => wizard.submit(ctx),
            (Step::CopySecret(page), target) => {
                let finished = click_secret(page, target, ctx);
                if finished {
                    wizard.finish(ctx);
                }
            }
            _ => {}
        },
        (Screen::RotatedSecret(page), target) => {
            let finished = click_secret(page, target, ctx);
            if finished && matches!(page.purpose, SecretPurpose::Imported { .. }) {
                leave_secret(page, ctx);
            } else if finished {
                let app = page.app.clone();
                ctx.go(Nav::App(Box::new(app), Tab::Credentials));
            }
        }
        (Screen::Detail(detail), target) => match target {
            Target::Tab(tab) => detail.show(tab, ctx),
            Target::Button(index) => detail.click_button(index, ctx),
            Target::DetailsField(focus) => {
                if let Some(DetailEdit::Details(form)) = &mut detail.edit {
                    form.focus = focus;
                }
            }
            Target::ScopesField(focus) => {
                if let Some(DetailEdit::Access(form)) = &mut detail.edit {
                    form.focus = focus;
                }
            }
            Target::Row(row) => match &mut detail.edit {
                Some(DetailEdit::Access(form)) => {
                    let height = layout::detail_scope_rows_height(ctx.area, form.ttl.is_some());
                    let index = form.offset + row;
                    form.click_row(index, height);
                }
                Some(DetailEdit::Details(_)) => {}
                None if detail.tab == Tab::AuthorizedApps => {
                    let height = layout::detail_authorized_rows_height(ctx.area);
                    detail.authorized.click_row(row, height, ctx);
                }
                None => {
                    let height = layout::detail_audit_rows_height(ctx.area);
                    detail.audit.click_row(row, height, ctx);
                }
            },
            _ => {}
        },
        _ => {}
    }
}

/// A click on the Copy secret page; `true` when it finished the page.
fn click_secret(page: &mut SecretPage, target: Target, ctx: &mut Ctx) -> bool {
    match target {
        Target::Copy(focus) => page.activate(focus, ctx),
        Target::Secret(focus @ (SecretFocus::GotIt | SecretFocus::Finish)) => {
            page.activate(focus, ctx)
        }
        Target::Secret(focus) => {
            page.focus = focus;
            false
        }
        _ => false,
    }
}

fn paste(screen: &mut Screen, dialog: Option<&mut Dialog>, text: &str, ctx: &mut Ctx) {
    if let Some(dialog) = dialog {
        match dialog {
            Dialog::Rotate(rotate) => rotate.grace.paste(text),
            Dialog::Delete(delete) => delete.typed.paste(text),
            Dialog::File(file) => file.path.paste(text),
            Dialog::ImportPlan(_) => {}
            Dialog::SignIn(sign_in) => sign_in.form.paste(text),
            Dialog::Confirm(_) => {}
        }
        return;
    }
    match screen {
        Screen::SignIn(form) => form.paste(text),
        Screen::Apps(list) if list.filtering => list.paste_filter(text, ctx),
        Screen::TokenTool(tool) => {
            if let Some(field) = tool.focused_field_mut() {
                field.paste(text);
            }
        }
        Screen::Wizard(wizard) => match wizard.step {
            Step::Details => {
                if let Some(field) = wizard.details.focused_field_mut() {
                    field.paste(text);
                }
            }
            Step::Scopes => match wizard.scopes.focus {
                ScopesFocus::TokenTtl => {
                    if let Some(field) = wizard.scopes.ttl.as_mut() {
                        field.paste(text);
                    }
                }
                ScopesFocus::Search => wizard.scopes.search.paste(text),
                _ => {}
            },
            _ => {}
        },
        Screen::Detail(detail) => {
            if let Some(DetailEdit::Details(form)) = &mut detail.edit
                && let Some(field) = form.focused_field_mut()
            {
                field.paste(text);
            }
        }
        _ => {}
    }
}

/// The keys of what has the focus now, then the global ones: the footer and the help overlay.
pub fn hints(state: &State) -> Vec<Hint> {
    if state.help {
        return vec![hint("any key", "close help")];
    }
    if let Some(dialog) = &state.dialog {
        return dialog.hints(&state.keys);
    }
    if state.owner_picker.is_some() {
        return vec![
            hint("↑↓", "choose"),
            hint("Enter", "switch"),
            hint("Esc", "close"),
        ];
    }
    let mut hints = match &state.screen {
        Screen::Starting => Vec::new(),
        // Before signing in there are no owners to switch and no help beyond these.
        Screen::SignIn(form) => return form.hints("quit"),
        Screen::Apps(list) => list.hints(&state.keys),
        Screen::Wizard(wizard) => wizard.hints(&state.keys),
        Screen::Detail(detail) => detail.hints(&state.keys),
        Screen::Audit(log) => {
            let mut hints = log.hints(&state.keys);
            hints.push(hint("Esc", "back"));
            hints
        }
        Screen::Authorized(list) => {
            let mut hints = list.hints(&state.keys);
            hints.push(hint("Esc", "back"));
            hints
        }
        Screen::TokenTool(tool) => tool.hints(),
        Screen::RotatedSecret(page) => page.hints(&state.keys),
    };
    if !is_typing(&state.screen, None) {
        hints.extend([
            state.keys.hint(Action::SwitchOwner),
            state.keys.hint(Action::Help),
            state.keys.hint(Action::Quit),
        ]);
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Sid, SidKind};
    use crate::tui::state::Theme;

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::from(KeyCode::Char(c)))
    }

    fn settles(effects: &[Effect]) -> Vec<u64> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Settle { request } => Some(*request),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_filter_is_read_once_typing_pauses_not_once_per_key() {
        let mut state = State::new(
            "http://localhost".into(),
            Theme { color: false },
            Rect::new(0, 0, 110, 30),
        );
        let mut list = AppsList::new(Sid::new(SidKind::Account, [1; 16]));
        list.filtering = true;
        state.screen = Screen::Apps(list);
        let first = settles(&update(&mut state, key('a')));
        let second = settles(&update(&mut state, key('b')));
        assert_eq!((first.len(), second.len()), (1, 1));
        let stale = update(&mut state, Msg::FilterSettled { request: first[0] });
        assert!(stale.is_empty(), "a pause after an older key reads nothing");
        let settled = update(&mut state, Msg::FilterSettled { request: second[0] });
        match settled.as_slice() {
            [Effect::LoadApps { list, append, .. }] => {
                assert_eq!(list.name_contains.as_deref(), Some("ab"));
                assert!(!append);
            }
            _ => panic!("expected one read of the list"),
        }
    }
}
