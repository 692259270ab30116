//! Where a [`Nav`] leads: the one place that turns a component's wish to go somewhere into the
//! screen it names, asking for what that screen shows. Screens name where to go as data, so they
//! never import the screens they lead to.

use super::component::{Ctx, Nav, describe_failure};
use super::effect::{Effect, LoadedSession};
use super::screens::{
    apps::AppsList, audit::AuditLog, authorized::AuthorizedList, detail::Detail,
    secret::SecretPage, sign_in::SignInForm, starting::Starting, token::TokenTool, wizard::Wizard,
};
use super::state::{Screen, State, Status};
use crate::backend::BackendError;

/// Leaves the current screen for the one `nav` names.
pub fn navigate(state: &mut State, nav: Nav) -> Vec<Effect> {
    if let Nav::Starting = nav {
        state.screen = Screen::Starting(Starting);
        return Vec::new();
    }
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
        Nav::Starting => Screen::Starting(Starting),
        Nav::Apps { reselect } => {
            let previous = state.screen.apps_list();
            let mut list = AppsList::reopened(owner.owner.sid.clone(), previous, reselect);
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
        Nav::Secret(new) => {
            Screen::RotatedSecret(Box::new(SecretPage::of(*new, &ctx.session.issuer)))
        }
        Nav::TokenTool { app, from_detail } => Screen::TokenTool(Box::new(TokenTool::new(
            app.map(|app| *app),
            from_detail,
            ctx.session.token_endpoint.clone(),
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

/// Who is signed in: their first owner where they may manage apps, and its list; or, before
/// anyone signed in to a server, the sign-in screen.
pub fn session_loaded(
    state: &mut State,
    result: crate::backend::Result<LoadedSession>,
) -> Vec<Effect> {
    match result {
        Ok(loaded) => {
            state.session.current = loaded
                .owners
                .iter()
                .position(|access| access.role.may_manage_oauth_apps())
                .unwrap_or(0);
            // What the user may change decides which keys and buttons there are.
            state.keys = std::mem::take(&mut state.keys).reading_only(loaded.user.read_only);
            state.session.user = Some(loaded.user);
            state.session.owners = loaded.owners;
            state.session.issuer = loaded.issuer;
            if state.session.owners.is_empty() {
                state.status = Some(Status::error(
                    "You belong to no account or organization; ask an administrator to add you to one",
                ));
                return Vec::new();
            }
            navigate(state, Nav::apps())
        }
        // No session yet (or the saved one is over): the console opens on its sign-in screen.
        Err(BackendError::NotSignedIn(_)) if state.session.user.is_none() => {
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
