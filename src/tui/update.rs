//! `update(state, msg) -> effects`: the one place the model changes, and a dispatcher that knows
//! no screen's insides. An input goes to the top layer (help, signing in again, a dialog, the `:`
//! command line, the screen) and what the screen does not consume is a key of the console's own
//! (help, quit, switch owner, the command line); a click goes to the component drawn there, which hit-tests it against its own layout;
//! a backend's answer goes to the layer that asked, top first. What a component asks for through
//! [`Ctx`] (effects, a dialog, a screen, the status line) is applied here afterwards.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use super::component::{Component, ConfirmAction, Ctx, Nav};
use super::effect::{Effect, FileFailure, Msg};
use super::keys::{self, Action};
use super::layout;
use super::router::{navigate, session_loaded};
use super::screens::command_line::{Command, CommandLine};
use super::screens::dialogs::{Confirm, SignInDialog};
use super::screens::owner_picker::OwnerPicker;
use super::state::{Screen, State};
use crate::backend::BackendError;

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
        matches!(result, Err(BackendError::NotSignedIn(_)))
    }
    fn ended_file<T>(result: &Result<T, FileFailure>) -> bool {
        matches!(
            result,
            Err(FileFailure::Backend(BackendError::NotSignedIn(_)))
        )
    }
    match msg {
        Msg::SessionLoaded(result) => ended(result),
        Msg::AppsLoaded { result, .. } => ended(result),
        Msg::AuditLoaded { result, .. } => ended(result),
        Msg::AppLoaded(result) | Msg::AppUpdated(result) | Msg::AppDeleted(result) => ended(result),
        Msg::AppCreated(result) => ended(result),
        Msg::SecretRotated(result) => ended(result),
        Msg::GraceEnded(result) => ended(result),
        Msg::SignedIn(result) => ended(result),
        Msg::AuthorizedLoaded { result, .. } => ended(result),
        Msg::AuthorizationRevoked(result) => ended(result),
        Msg::AppsExported(result) => ended_file(result),
        Msg::ImportPlanned(result) => ended_file(result),
        Msg::AppsImported(result) => ended_file(result),
        Msg::TokenAnswered { .. } | Msg::IntrospectionAnswered(_) | Msg::Tick { .. } => false,
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
    if state.sign_in.is_none() {
        state.sign_in = Some(SignInDialog::new(&user.username));
    }
}

/// The layers that take input, from the top: help, signing in again, a dialog, the command line,
/// the screen.
struct Layers<'a> {
    help: &'a mut bool,
    sign_in: &'a mut Option<SignInDialog>,
    dialog: &'a mut Option<Box<dyn Component>>,
    command_line: &'a mut Option<CommandLine>,
    command_history: &'a mut Vec<String>,
    screen: &'a mut Screen,
}

impl Layers<'_> {
    /// After the sign-in dialog took an input: closed if it closed itself.
    fn after_sign_in(&mut self, ctx: &mut Ctx) {
        if std::mem::take(&mut ctx.close) {
            *self.sign_in = None;
        }
    }

    /// After a dialog took an input: closed if it closed itself, and a yes carried out.
    fn after_dialog(&mut self, ctx: &mut Ctx) {
        if std::mem::take(&mut ctx.close) {
            *self.dialog = None;
        }
        match ctx.confirmed.take() {
            Some(ConfirmAction::Quit) => ctx.quit = true,
            Some(action) => self.screen.component_mut().confirmed(&action, ctx),
            None => {}
        }
    }

    /// Quits, unless something typed or a secret not confirmed would be lost: then asks.
    fn request_quit(&mut self, ctx: &mut Ctx) {
        let holds = self.screen.component().holds_input()
            || self
                .dialog
                .as_ref()
                .is_some_and(|dialog| dialog.holds_input());
        if holds {
            *self.dialog = Some(Box::new(Confirm::new(ConfirmAction::Quit)));
        } else {
            ctx.quit = true;
        }
    }

    /// After the command line took a key: closed if it closed itself, and its command run.
    fn after_command_line(&mut self, ctx: &mut Ctx) {
        let ran = self.command_line.as_mut().and_then(CommandLine::take_ran);
        if std::mem::take(&mut ctx.close) {
            *self.command_line = None;
        }
        if let Some((command, typed)) = ran {
            if self.command_history.last() != Some(&typed) {
                self.command_history.push(typed);
            }
            self.run(command, ctx);
        }
    }

    /// A command of the `:` line, carried out as the console's own keys are: quitting asks
    /// first when input would be lost, and so does leaving a form for another screen.
    fn run(&mut self, command: Command, ctx: &mut Ctx) {
        let go = |nav: Nav, layers: &mut Layers, ctx: &mut Ctx| {
            if layers.screen.component().holds_input() {
                ctx.error("Finish or cancel the form first; leaving it would lose what was typed");
            } else {
                ctx.go(nav);
            }
        };
        match command {
            Command::Apps => go(Nav::apps(), self, ctx),
            Command::Audit => go(Nav::Audit, self, ctx),
            Command::Authorized => go(Nav::Authorized, self, ctx),
            Command::Owner(index) => ctx.switch_owner = Some(index),
            Command::PickOwner => *self.dialog = Some(Box::new(OwnerPicker::new(ctx.session))),
            Command::Quit => self.request_quit(ctx),
            Command::Help => *self.help = true,
        }
    }

    fn key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if keys::is_ctrl(&key, 'c') {
            self.request_quit(ctx);
            return;
        }
        if *self.help {
            *self.help = false;
            return;
        }
        if let Some(sign_in) = self.sign_in.as_mut() {
            sign_in.key(&key, ctx);
            self.after_sign_in(ctx);
            return;
        }
        if let Some(dialog) = self.dialog.as_mut() {
            dialog.key(&key, ctx);
            self.after_dialog(ctx);
            return;
        }
        if let Some(line) = self.command_line.as_mut() {
            line.key(&key, ctx);
            self.after_command_line(ctx);
            return;
        }
        let screen = self.screen.component_mut();
        let typing = screen.is_typing();
        if screen.key(&key, ctx).is_consumed() || typing || !screen.takes_global_keys() {
            return;
        }
        if ctx.keys.is(Action::Help, &key) {
            *self.help = true;
        } else if ctx.keys.is(Action::Quit, &key) {
            self.request_quit(ctx);
        } else if ctx.keys.is(Action::CommandLine, &key) {
            *self.command_line = Some(CommandLine::new(self.command_history.clone()));
        } else if ctx.keys.is(Action::SwitchOwner, &key) {
            if ctx.session.owners.is_empty() {
                ctx.info("No owners to switch between");
            } else {
                *self.dialog = Some(Box::new(OwnerPicker::new(ctx.session)));
            }
        } else if keys::is_esc(&key) || key.code == KeyCode::Null {
            // Nothing to go back to here.
        } else if let Some(does) = ctx.keys.unbound_change(&key) {
            ctx.info(format!(
                "Read-only: {} ({does}) is off, as no change can be made here",
                describe_key(&key)
            ));
        } else {
            ctx.info(format!(
                "{} does nothing here; press {} for the keys of this screen",
                describe_key(&key),
                ctx.keys.label(Action::Help)
            ));
        }
    }

    fn mouse(&mut self, mouse: MouseEvent, ctx: &mut Ctx) {
        let at = Position::new(mouse.column, mouse.row);
        let over = *self.help
            || self.sign_in.is_some()
            || self.dialog.is_some()
            || self.command_line.is_some();
        match mouse.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp if !over => {
                let down = mouse.kind == MouseEventKind::ScrollDown;
                self.screen.component_mut().scroll(down, ctx);
                return;
            }
            MouseEventKind::Down(MouseButton::Left) => {}
            _ => return,
        }
        if *self.help {
            *self.help = false;
        } else if let Some(sign_in) = self.sign_in.as_mut() {
            sign_in.click(at, ctx);
            self.after_sign_in(ctx);
        } else if let Some(dialog) = self.dialog.as_mut() {
            dialog.click(at, ctx);
            self.after_dialog(ctx);
        } else if let Some(line) = self.command_line.as_mut() {
            line.click(at, ctx);
            self.after_command_line(ctx);
        } else {
            let screen = self.screen.component_mut();
            // The owner in the header opens the switcher, once someone is signed in.
            if screen.takes_global_keys() && layout::hit(layout::chrome(ctx.area).header, at) {
                *self.dialog = Some(Box::new(OwnerPicker::new(ctx.session)));
            } else {
                screen.click(at, ctx);
            }
        }
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        if let Some(sign_in) = self.sign_in.as_mut() {
            sign_in.paste(text, ctx);
        } else if let Some(dialog) = self.dialog.as_mut() {
            dialog.paste(text, ctx);
        } else if let Some(line) = self.command_line.as_mut() {
            line.paste(text, ctx);
        } else {
            self.screen.component_mut().paste(text, ctx);
        }
    }

    /// A backend's answer, to the layer that asked: the top one that takes it.
    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) {
        let mut left = Some(msg);
        if let Some(sign_in) = self.sign_in.as_mut()
            && let Some(msg) = left.take()
        {
            left = sign_in.answer(msg, ctx);
            self.after_sign_in(ctx);
        }
        if let Some(dialog) = self.dialog.as_mut()
            && let Some(msg) = left.take()
        {
            left = dialog.answer(msg, ctx);
            self.after_dialog(ctx);
        }
        // What no layer takes was asked for by a screen since left (a page of a list closed
        // meanwhile): nobody shows it any more.
        if let Some(msg) = left {
            let _unclaimed = self.screen.component_mut().answer(msg, ctx);
        }
    }
}

fn apply(state: &mut State, msg: Msg) -> Vec<Effect> {
    // Answers that only fill in what is shown leave the status line as it was.
    let keep_status = matches!(
        msg,
        Msg::Mouse(_)
            | Msg::Paste(_)
            | Msg::Resize(..)
            | Msg::AppsLoaded { .. }
            | Msg::AuditLoaded { .. }
            | Msg::AppLoaded(_)
            | Msg::AuthorizedLoaded { .. }
            | Msg::Tick { .. }
            | Msg::FilterSettled { .. }
    );
    if let Msg::Resize(width, height) = msg {
        state.area = Rect::new(0, 0, width, height);
    }
    let msg = match msg {
        Msg::SessionLoaded(result) => return session_loaded(state, result),
        other => other,
    };
    let mut ctx = Ctx::new(
        &state.session,
        &state.keys,
        state.area,
        &mut state.last_request,
    );
    let mut layers = Layers {
        help: &mut state.help,
        sign_in: &mut state.sign_in,
        dialog: &mut state.dialog,
        command_line: &mut state.command_line,
        command_history: &mut state.command_history,
        screen: &mut state.screen,
    };
    match msg {
        Msg::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return Vec::new();
            }
            layers.key(key, &mut ctx);
        }
        // A terminal too small shows no screen, so nothing on it can be clicked.
        Msg::Mouse(_) if layout::too_small(ctx.area) => {}
        Msg::Mouse(mouse) => layers.mouse(mouse, &mut ctx),
        Msg::Paste(text) => layers.paste(&text, &mut ctx),
        Msg::Copied { what, result } => match result {
            Ok(via) => ctx.done(format!("Copied the {what} {}", via.describe())),
            Err(why) => ctx.error(format!("Could not copy the {what}: {why}")),
        },
        other => layers.answer(other, &mut ctx),
    }
    let Ctx {
        effects,
        nav,
        open,
        status,
        switch_owner,
        quit,
        ..
    } = ctx;
    let mut effects = effects;
    let mut nav = nav;
    let mut status = status;
    state.quit |= quit;
    if let Some(index) = switch_owner
        && index < state.session.owners.len()
    {
        if state.screen.component().holds_input() {
            status = Some(super::state::Status::error(
                "Finish or cancel the form first; switching owner would lose it",
            ));
        } else {
            state.session.current = index;
            nav = Some(Nav::apps());
        }
    }
    if status.is_some() || !keep_status {
        state.status = status;
    }
    if let Some(dialog) = open {
        state.dialog = Some(dialog);
    }
    if let Some(nav) = nav {
        effects.extend(navigate(state, nav));
    }
    effects
}

fn describe_key(key: &KeyEvent) -> String {
    match key.code {
        KeyCode::Char(c) if c.is_control() => "That key".to_owned(),
        KeyCode::Char(c) => format!("'{c}'"),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Sid, SidKind};
    use crate::tui::screens::apps::AppsList;
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
            Theme::NoColor,
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
