//! The Copy secret page, after creating an app (the wizard's last step) and after rotating its
//! secret: client ID, client secret and, for authorization-code apps, the Authorization URL, each
//! with a Copy button. The secret is shown here once. The model refuses Finish (or Done) until
//! "Got it!" is checked, and leaving without it asks first.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::dialogs::Confirm;
use crate::backend::CreatedApp;
use crate::model::{AppView, ClientSecret, GrantType};
use crate::tui::component::{
    Component, ConfirmAction, Ctx, DrawCtx, EventState, Nav, NewSecret, SecretPurpose, Tab,
};
use crate::tui::effect::Effect;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{LABEL_WIDTH, body_inner, hit, indented, line, rows};
use crate::tui::session::Session;
use crate::tui::widgets::{self, Palette, put};

/// The create wizard's three steps, as the Console names them; the page is its third.
pub const STEP_TITLES: [&str; 3] = ["Application details", "Scopes & permissions", "Copy secret"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFocus {
    ClientId,
    Secret,
    AuthorizationUrl,
    GotIt,
    Finish,
}

pub struct SecretPage {
    pub app: AppView,
    secret: ClientSecret,
    pub authorization_url: Option<String>,
    pub got_it: bool,
    pub focus: SecretFocus,
    pub purpose: SecretPurpose,
    /// After an import: the apps it created whose pages come after this one.
    pub then: Vec<CreatedApp>,
}

/// Why Finish or Done was refused.
pub const GOT_IT_FIRST: &str =
    "Check \"Got it!\" first (g): the client secret is never shown again once you leave this page";

impl SecretPage {
    pub fn new(
        app: AppView,
        secret: ClientSecret,
        issuer: &str,
        purpose: SecretPurpose,
    ) -> SecretPage {
        SecretPage {
            authorization_url: app.authorization_url(issuer),
            app,
            secret,
            got_it: false,
            focus: SecretFocus::Secret,
            purpose,
            then: Vec::new(),
        }
    }

    /// The page of a new secret, as a screen of its own.
    pub fn of(new: NewSecret, issuer: &str) -> SecretPage {
        let mut page = SecretPage::new(new.app, new.secret, issuer, new.purpose);
        page.then = new.then;
        page
    }

    /// The page after this one, for the next app an import created.
    fn next_imported(&mut self) -> Option<NewSecret> {
        let SecretPurpose::Imported { index, of } = self.purpose else {
            return None;
        };
        if self.then.is_empty() {
            return None;
        }
        let next = self.then.remove(0);
        Some(NewSecret {
            app: next.app,
            secret: next.secret,
            purpose: SecretPurpose::Imported {
                index: index + 1,
                of,
            },
            then: std::mem::take(&mut self.then),
        })
    }

    /// Leaves the page as a screen of its own: for the next app an import created, back to the
    /// list after the last one, or to a rotated app's credentials.
    fn leave(&mut self, ctx: &mut Ctx) {
        match self.purpose {
            SecretPurpose::Imported { .. } => match self.next_imported() {
                Some(next) => ctx.go(Nav::Secret(Box::new(next))),
                None => ctx.go(Nav::apps()),
            },
            SecretPurpose::Created | SecretPurpose::Rotated { .. } => {
                ctx.done(format!(
                    "The new secret of {} is in use",
                    self.app.settings.name
                ));
                ctx.go(Nav::App(Box::new(self.app.clone()), Tab::Credentials));
            }
        }
    }

    /// A click at `at` on the page drawn in `area`: a Copy button copies, "Got it!" ticks,
    /// Finish finishes, a value takes the focus. `Some(true)` when the page is finished, `None`
    /// when nothing of the page is there.
    pub fn click(&mut self, area: Rect, at: Position, ctx: &mut Ctx) -> Option<bool> {
        let placed = secret_layout(area, self);
        for (focus, rect) in &placed.items {
            if hit(copy_button(*rect), at) {
                return Some(self.activate(*focus, ctx));
            }
            if hit(*rect, at) {
                self.focus = *focus;
                return Some(false);
            }
        }
        if hit(placed.got_it, at) {
            return Some(self.activate(SecretFocus::GotIt, ctx));
        }
        let finish = crate::tui::layout::buttons(placed.finish, &[self.finish_label()]);
        if finish.first().is_some_and(|button| hit(*button, at)) {
            return Some(self.activate(SecretFocus::Finish, ctx));
        }
        None
    }

    /// The secret, for the one page that shows it.
    pub fn secret(&self) -> &str {
        self.secret.expose()
    }

    /// Finish (or Done) is allowed only once "Got it!" is checked.
    pub fn finish(&self) -> Result<(), &'static str> {
        if self.got_it {
            Ok(())
        } else {
            Err(GOT_IT_FIRST)
        }
    }

    pub fn finish_label(&self) -> &'static str {
        match self.purpose {
            SecretPurpose::Created => "Finish",
            SecretPurpose::Rotated { .. } => "Done",
            SecretPurpose::Imported { index, of } if index < of => "Next",
            SecretPurpose::Imported { .. } => "Done",
        }
    }

    fn focus_order(&self) -> Vec<SecretFocus> {
        let mut order = vec![SecretFocus::ClientId, SecretFocus::Secret];
        if self.authorization_url.is_some() {
            order.push(SecretFocus::AuthorizationUrl);
        }
        order.extend([SecretFocus::GotIt, SecretFocus::Finish]);
        order
    }

    fn copy(&self, focus: SecretFocus, ctx: &mut Ctx) {
        let (what, text) = match focus {
            SecretFocus::ClientId => ("client ID", self.app.sid.to_string()),
            SecretFocus::Secret => ("client secret", self.secret().to_owned()),
            SecretFocus::AuthorizationUrl => match &self.authorization_url {
                Some(url) => ("authorization URL", url.clone()),
                None => return,
            },
            SecretFocus::GotIt | SecretFocus::Finish => return,
        };
        ctx.effect(Effect::Copy { what, text });
    }

    /// Presses the item `focus`: copies, ticks, or finishes. `true` when the page is done.
    pub fn activate(&mut self, focus: SecretFocus, ctx: &mut Ctx) -> bool {
        self.focus = focus;
        match focus {
            SecretFocus::GotIt => {
                self.got_it = !self.got_it;
                false
            }
            SecretFocus::Finish => match self.finish() {
                Ok(()) => true,
                Err(why) => {
                    ctx.error(why);
                    false
                }
            },
            copy => {
                self.copy(copy, ctx);
                false
            }
        }
    }

    /// Handles a key; `true` when the page is finished and may close.
    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> bool {
        let order = self.focus_order();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        if keys::is_next_field(key) || keys::is_down(key) {
            self.focus = order[(at + 1).min(order.len() - 1)];
            if keys::is_next_field(key) && at + 1 == order.len() {
                self.focus = order[0];
            }
            return false;
        }
        if keys::is_prev_field(key) || keys::is_up(key) {
            self.focus = order[at.saturating_sub(1)];
            // Shift-Tab wraps round as Tab does; the arrows stop at the ends.
            if keys::is_prev_field(key) && at == 0 {
                self.focus = order[order.len() - 1];
            }
            return false;
        }
        if keys::is_esc(key) {
            match self.finish() {
                Ok(()) => return true,
                Err(_) => {
                    ctx.open(Confirm::new(ConfirmAction::LeaveSecret));
                    return false;
                }
            }
        }
        if ctx.keys.is(Action::Copy, key) {
            self.copy(self.focus, ctx);
            return false;
        }
        if ctx.keys.is(Action::GotIt, key) {
            self.got_it = !self.got_it;
            // Checked, the next thing to press is Finish (Done).
            self.focus = if self.got_it {
                SecretFocus::Finish
            } else {
                SecretFocus::GotIt
            };
            return false;
        }
        if keys::is_activate(key) {
            return self.activate(self.focus, ctx);
        }
        false
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("↑↓/Tab", "move"),
            hint("Enter", "copy / tick / finish"),
            keys.hint(Action::GotIt),
            hint("Esc", "leave"),
        ]
    }
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

pub fn secret_layout(area: Rect, page: &SecretPage) -> SecretLayout {
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

/// What the page shows in the secret's place while presenting.
const SECRET_WHILE_PRESENTING: &str = "(hidden while presenting; Copy still copies it)";

/// Draws the page, with times in the session's zone; `--present` masks the secret on screen,
/// while Copy copies it.
pub fn draw_page(
    page: &SecretPage,
    area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
    session: &Session,
) {
    let placed = secret_layout(area, page);
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
            SecretFocus::Secret if session.present => {
                ("Client secret", SECRET_WHILE_PRESENTING.to_owned())
            }
            SecretFocus::Secret => ("Client secret", page.secret().to_owned()),
            SecretFocus::AuthorizationUrl => (
                "Authorization URL",
                page.authorization_url.clone().unwrap_or_default(),
            ),
            SecretFocus::GotIt | SecretFocus::Finish => continue,
        };
        widgets::label(buf, *rect, label, focused, palette);
        let button = copy_button(*rect);
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
            palette.focused_button
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
        // Each grant's own request: an authorization-code app cannot ask for client credentials.
        SecretPurpose::Created => match page.app.grant_type {
            GrantType::ClientCredentials => {
                "Use them with the token endpoint: POST /v2/token, grant_type=client_credentials."
            }
            GrantType::AuthorizationCode => {
                "Exchange the code for tokens: POST /v2/token, grant_type=authorization_code."
            }
        }
        .to_owned(),
        SecretPurpose::Rotated {
            grace,
            previous_expires_at,
        } => match previous_expires_at {
            Some(end) if grace.0 > 0 => format!(
                "The previous secret keeps working until {} (grace period {grace}).",
                session.zone.minute(end)
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

/// The page as a screen of its own: after a rotation or an import. (The create wizard shows it
/// as its last step and finishes it itself.)
impl Component for SecretPage {
    fn title(&self, _cx: &DrawCtx) -> String {
        format!(" New client secret · {} ", self.app.settings.name)
    }

    fn crumbs(&self) -> Vec<String> {
        vec![
            self.app.settings.name.clone(),
            "New client secret".to_owned(),
        ]
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if self.handle_key(key, ctx) {
            self.leave(ctx);
        }
        EventState::Consumed
    }

    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        match self.click(ctx.area, at, ctx) {
            Some(true) => {
                self.leave(ctx);
                EventState::Consumed
            }
            Some(false) => EventState::Consumed,
            None => EventState::NotConsumed,
        }
    }

    fn confirmed(&mut self, action: &ConfirmAction, ctx: &mut Ctx) {
        if *action == ConfirmAction::LeaveSecret {
            self.leave(ctx);
        }
    }

    fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        SecretPage::hints(self, keys)
    }

    fn holds_input(&self) -> bool {
        !self.got_it
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        draw_page(self, area, buf, &cx.palette, cx.session);
    }
}
