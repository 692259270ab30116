//! The token tool: asks the authorization server for a token with a client ID and secret (the
//! client-credentials grant, as an app's developer would), then shows the token's decoded header
//! and claims and the time it has left, counting down; or the server's RFC 6749 refusal.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Margin, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::backend::{IssuedToken, TokenError, TokenRequest};
use crate::model::{AppView, Timestamp};
use crate::tui::component::{Component, Ctx, DrawCtx, EventState, Nav, Tab};
use crate::tui::effect::{Effect, Msg};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{body_inner, hit, line, rows};
use crate::tui::widgets::{self, Palette, put};
use crate::tui::zone::Zone;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFocus {
    ClientId,
    Secret,
    Scope,
    Request,
}

impl TokenFocus {
    pub const ORDER: [TokenFocus; 4] = [
        TokenFocus::ClientId,
        TokenFocus::Secret,
        TokenFocus::Scope,
        TokenFocus::Request,
    ];
}

/// What the last request brought back.
pub enum TokenOutcome {
    Issued(Box<IssuedToken>),
    Failed(TokenError),
}

pub struct TokenTool {
    /// The app whose client ID was filled in.
    pub app: Option<Box<AppView>>,
    /// Whether Esc goes back to that app's detail view (else to the list).
    pub from_detail: bool,
    /// Where requests go, for the title.
    pub endpoint: String,
    pub client_id: TextField,
    pub secret: TextField,
    pub scope: TextField,
    pub focus: TokenFocus,
    /// Set while a request runs.
    pub busy: bool,
    pub outcome: Option<TokenOutcome>,
    /// The time the countdown is drawn against: when the token arrived, then each tick.
    pub now: Timestamp,
    /// The tick that may advance the countdown; older ones (from an earlier token) are dropped.
    tick: u64,
}

impl TokenTool {
    pub fn new(app: Option<AppView>, from_detail: bool, endpoint: String) -> TokenTool {
        let client_id = TextField::new("Client ID", None).with_placeholder("OQ…");
        let (client_id, focus) = match &app {
            Some(app) => (client_id.with_value(app.sid.as_str()), TokenFocus::Secret),
            None => (client_id, TokenFocus::ClientId),
        };
        TokenTool {
            app: app.map(Box::new),
            from_detail,
            endpoint,
            client_id,
            secret: TextField::new("Client secret", None).masked(),
            scope: TextField::new("Scope (optional)", None)
                .with_placeholder("space-separated; empty asks for all of the app's"),
            focus,
            busy: false,
            outcome: None,
            now: Timestamp(0),
            tick: 0,
        }
    }

    /// The tick the countdown waits for.
    pub fn pending_tick(&self) -> u64 {
        self.tick
    }

    pub fn focused_field_mut(&mut self) -> Option<&mut TextField> {
        match self.focus {
            TokenFocus::ClientId => Some(&mut self.client_id),
            TokenFocus::Secret => Some(&mut self.secret),
            TokenFocus::Scope => Some(&mut self.scope),
            TokenFocus::Request => None,
        }
    }

    pub fn is_typing(&self) -> bool {
        self.focus != TokenFocus::Request
    }

    /// Sends the request, once the client ID and secret are there.
    pub fn request(&mut self, ctx: &mut Ctx) {
        if self.busy {
            return;
        }
        let client_id = self.client_id.value().trim().to_owned();
        if client_id.is_empty() {
            self.client_id.error = Some("type the app's client ID (OQ…)".to_owned());
            self.focus = TokenFocus::ClientId;
            return;
        }
        if self.secret.value().is_empty() {
            self.secret.error = Some(
                "type the client secret shown when the app was created or its secret rotated"
                    .to_owned(),
            );
            self.focus = TokenFocus::Secret;
            return;
        }
        let scope = self.scope.value().trim();
        self.busy = true;
        ctx.info(format!("Asking {} for a token…", self.endpoint));
        ctx.effect(Effect::RequestToken(TokenRequest {
            client_id,
            client_secret: self.secret.value().to_owned(),
            scope: (!scope.is_empty()).then(|| scope.to_owned()),
        }));
    }

    pub fn on_answered(
        &mut self,
        result: Result<IssuedToken, TokenError>,
        now: Timestamp,
        ctx: &mut Ctx,
    ) {
        self.busy = false;
        self.now = now;
        match result {
            Ok(token) => {
                ctx.done(format!(
                    "The server issued a token for {}; it expires in {}",
                    token.claims.client_id,
                    describe_left(token.claims.exp, now)
                ));
                self.outcome = Some(TokenOutcome::Issued(Box::new(token)));
                self.tick = ctx.request();
                ctx.effect(Effect::Tick { request: self.tick });
            }
            Err(error) => {
                ctx.error(match &error {
                    TokenError::Refused { .. } => format!("The server refused: {error}"),
                    _ => format!("Could not get a token: {error}"),
                });
                self.outcome = Some(TokenOutcome::Failed(error));
            }
        }
    }

    /// A second has passed: count down, and keep ticking until the token has expired.
    pub fn on_tick(&mut self, request: u64, now: Timestamp, ctx: &mut Ctx) {
        if request != self.tick {
            return;
        }
        self.now = now;
        if let Some(TokenOutcome::Issued(token)) = &self.outcome
            && token.claims.exp > now.unix_seconds()
        {
            self.tick = ctx.request();
            ctx.effect(Effect::Tick { request: self.tick });
        }
    }

    fn back(&self, ctx: &mut Ctx) {
        match &self.app {
            Some(app) if self.from_detail => {
                ctx.go(Nav::App(app.clone(), Tab::Credentials));
            }
            _ => ctx.go(Nav::apps()),
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> bool {
        if keys::is_esc(key) {
            self.back(ctx);
            return true;
        }
        let order = TokenFocus::ORDER;
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        // Arrows move between fields; j and k are letters of a secret here.
        if keys::is_next_field(key) || key.code == KeyCode::Down {
            self.focus = order[(at + 1) % order.len()];
            return true;
        }
        if keys::is_prev_field(key) || key.code == KeyCode::Up {
            self.focus = order[(at + order.len() - 1) % order.len()];
            return true;
        }
        if keys::is_enter(key) || ctx.keys.is(Action::Save, key) {
            self.request(ctx);
            return true;
        }
        if self.focus == TokenFocus::Request && keys::is_activate(key) {
            self.request(ctx);
            return true;
        }
        match self.focused_field_mut() {
            Some(field) => field.handle_key(key),
            None => false,
        }
    }

    pub fn hints(&self) -> Vec<Hint> {
        let mut hints = vec![
            hint("Tab", "next field"),
            hint("Enter", "request token"),
            hint("Esc", "back"),
        ];
        if self.is_typing() {
            hints.insert(0, hint("type", "the value"));
        }
        hints
    }
}

/// The token tool: where it asks, its three fields and button, then what came back.
pub struct TokenLayout {
    pub intro: Rect,
    pub fields: Vec<(TokenFocus, Rect)>,
    pub result: Rect,
}

pub fn token_layout(area: Rect) -> TokenLayout {
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

fn draw_tool(tool: &TokenTool, zone: &Zone, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = token_layout(area);
    put(
        buf,
        placed.intro,
        placed.intro.x + 2,
        &format!(
            "POST {} · grant_type=client_credentials, the client ID and secret as HTTP Basic",
            tool.endpoint
        ),
        palette.dim,
    );
    for (focus, rect) in &placed.fields {
        let focused = tool.focus == *focus;
        let field = match focus {
            TokenFocus::ClientId => &tool.client_id,
            TokenFocus::Secret => &tool.secret,
            TokenFocus::Scope => &tool.scope,
            TokenFocus::Request => {
                let label = if tool.busy {
                    "Requesting…"
                } else {
                    "Request token"
                };
                let button = Rect::new(rect.x + 2, rect.y, rect.width.saturating_sub(2), 1);
                widgets::buttons(buf, button, &[label], focused.then_some(0), palette);
                continue;
            }
        };
        widgets::text_field(buf, *rect, field, focused, palette);
    }
    let result = placed.result;
    let mut lines: Vec<Line> = Vec::new();
    let row = |label: &str, value: String| Line::from(format!("  {label:<22}{value}"));
    match &tool.outcome {
        None => lines.push(Line::styled(
            "  Type the app's client secret and press Enter: the token's claims show here.",
            palette.dim,
        )),
        Some(TokenOutcome::Issued(token)) => {
            let claims = &token.claims;
            let left = describe_left(claims.exp, tool.now);
            let expired = claims.exp <= tool.now.unix_seconds();
            lines.push(Line::styled("Access token", palette.title));
            lines.push(row(
                "header",
                format!(
                    "alg {} · kid {}",
                    token.header.alg,
                    token.header.kid.as_deref().unwrap_or("—")
                ),
            ));
            lines.push(row("iss", claims.iss.clone()));
            lines.push(row("sub", claims.sub.clone()));
            lines.push(row("aud", claims.aud.clone()));
            lines.push(row("client_id", claims.client_id.clone()));
            lines.push(row("iat", describe_unix(claims.iat, zone)));
            lines.push(row("exp", describe_unix(claims.exp, zone)));
            lines.push(row("jti", claims.jti.clone()));
            lines.push(Line::styled(
                format!("  {:<22}{left}", "time left"),
                if expired { palette.error } else { palette.done },
            ));
            // Last: an app with many scopes wraps this claim over many lines, which would push
            // the times out of view; here only its own end is cut.
            let count = claims.scope.split_whitespace().count();
            lines.push(row(&format!("scope ({count})"), claims.scope.clone()));
        }
        Some(TokenOutcome::Failed(error)) => match error {
            crate::backend::TokenError::Refused {
                status,
                error,
                description,
            } => {
                lines.push(Line::styled(
                    format!("Refused (HTTP {status})"),
                    palette.error,
                ));
                lines.push(row("error", error.clone()));
                lines.push(row("error_description", description.clone()));
            }
            other => {
                lines.push(Line::styled("No token", palette.error));
                lines.push(Line::from(format!("  {other}")));
            }
        },
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(result.inner(Margin::new(1, 0)), buf);
}

/// Unix seconds as the console writes times.
fn describe_unix(seconds: i64, zone: &Zone) -> String {
    let at = Timestamp(seconds.saturating_mul(1000));
    format!("{seconds} ({})", zone.second(at))
}

impl Component for TokenTool {
    fn title(&self, _cx: &DrawCtx) -> String {
        " Token tool ".to_owned()
    }

    fn crumbs(&self) -> Vec<String> {
        vec!["Token tool".to_owned()]
    }

    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        self.handle_key(key, ctx).into()
    }

    /// A field takes the focus; the button sends the request.
    fn click(&mut self, at: Position, ctx: &mut Ctx) -> EventState {
        let Some((focus, _)) = token_layout(ctx.area)
            .fields
            .into_iter()
            .find(|(_, rect)| hit(*rect, at))
        else {
            return EventState::NotConsumed;
        };
        self.focus = focus;
        if focus == TokenFocus::Request {
            self.request(ctx);
        }
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        match self.focused_field_mut() {
            Some(field) => {
                field.paste(text);
                EventState::Consumed
            }
            None => EventState::NotConsumed,
        }
    }

    fn answer(&mut self, msg: Msg, ctx: &mut Ctx) -> Option<Msg> {
        match msg {
            Msg::TokenAnswered { result, now } => self.on_answered(result, now, ctx),
            Msg::Tick { request, now } => self.on_tick(request, now, ctx),
            other => return Some(other),
        }
        None
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        TokenTool::hints(self)
    }

    fn is_typing(&self) -> bool {
        TokenTool::is_typing(self)
    }

    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        draw_tool(self, &cx.session.zone, area, buf, &cx.palette);
    }
}

/// "59m 58s", "2h 0m 5s", or "expired 3s ago", from `exp` (Unix seconds).
pub fn describe_left(exp: i64, now: Timestamp) -> String {
    let left = exp - now.unix_seconds();
    let span = |seconds: i64| {
        let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
        if h > 0 {
            format!("{h}h {m}m {s}s")
        } else if m > 0 {
            format!("{m}m {s}s")
        } else {
            format!("{s}s")
        }
    };
    if left > 0 {
        span(left)
    } else {
        format!("expired {} ago", span(-left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_counts_down_to_expired() {
        let now = Timestamp(1_000_000);
        assert_eq!(describe_left(1_000 + 3_600, now), "1h 0m 0s");
        assert_eq!(describe_left(1_000 + 62, now), "1m 2s");
        assert_eq!(describe_left(1_000 + 5, now), "5s");
        assert_eq!(describe_left(1_000, now), "expired 0s ago");
        assert_eq!(describe_left(997, now), "expired 3s ago");
    }
}
