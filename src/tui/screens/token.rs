//! The token tool: asks the authorization server for a token with a client ID and secret, as an
//! app's developer would, then shows the token's decoded header and claims and the time it has
//! left, counting down; or the server's RFC 6749 refusal. A client-credentials app asks with its
//! grant; an authorization-code app chooses between exchanging a code, using a refresh token and
//! introspecting a token, the three calls such an app makes.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Margin, Position, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::backend::token::introspection_endpoint;
use crate::backend::{
    Introspected, IntrospectionRequest, IssuedToken, TokenError, TokenGrant, TokenRequest,
};
use crate::model::{AppView, GrantType, Timestamp};
use crate::tui::component::{Component, Ctx, DrawCtx, EventState, Nav, Tab};
use crate::tui::effect::{Effect, Msg};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{LABEL_WIDTH, body_inner, hit, line, rows};
use crate::tui::widgets::{self, Palette, put};
use crate::tui::zone::Zone;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFocus {
    /// The choice of call, on an authorization-code app.
    Grant,
    ClientId,
    Secret,
    Scope,
    Code,
    RedirectUri,
    CodeVerifier,
    RefreshToken,
    Token,
    Request,
}

/// The calls the tool makes: the one grant of a client-credentials app, or one of the three an
/// authorization-code app makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolCall {
    ClientCredentials,
    AuthorizationCode,
    RefreshToken,
    Introspection,
}

impl ToolCall {
    const OF_AUTHORIZATION_CODE_APPS: [ToolCall; 3] = [
        ToolCall::AuthorizationCode,
        ToolCall::RefreshToken,
        ToolCall::Introspection,
    ];

    fn label(self) -> &'static str {
        match self {
            ToolCall::ClientCredentials => "Client credentials",
            ToolCall::AuthorizationCode => "Code exchange",
            ToolCall::RefreshToken => "Refresh",
            ToolCall::Introspection => "Introspect",
        }
    }

    /// The fields the call needs, between the secret and the button.
    fn fields(self) -> &'static [TokenFocus] {
        match self {
            ToolCall::ClientCredentials => &[TokenFocus::Scope],
            ToolCall::AuthorizationCode => &[
                TokenFocus::Code,
                TokenFocus::RedirectUri,
                TokenFocus::CodeVerifier,
            ],
            ToolCall::RefreshToken => &[TokenFocus::RefreshToken],
            ToolCall::Introspection => &[TokenFocus::Token],
        }
    }
}

/// What the last request brought back.
pub enum TokenOutcome {
    Issued(Box<IssuedToken>),
    Introspected(Introspected),
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
    pub code: TextField,
    pub redirect_uri: TextField,
    pub code_verifier: TextField,
    /// Filled in with the refresh token that came back, which is never shown.
    pub refresh_token: TextField,
    /// The token to introspect: filled in with the access token that came back.
    pub token: TextField,
    /// The calls this app can make; one for a client-credentials app.
    pub calls: Vec<ToolCall>,
    pub call: ToolCall,
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
        let calls = match &app {
            Some(app) if app.grant_type == GrantType::AuthorizationCode => {
                ToolCall::OF_AUTHORIZATION_CODE_APPS.to_vec()
            }
            _ => vec![ToolCall::ClientCredentials],
        };
        let first_redirect = app
            .as_ref()
            .and_then(|app| app.settings.redirect_uris.first())
            .map_or(String::new(), String::clone);
        TokenTool {
            app: app.map(Box::new),
            from_detail,
            endpoint,
            client_id,
            secret: TextField::new("Client secret", None).masked(),
            scope: TextField::new("Scope (optional)", None)
                .with_placeholder("space-separated; empty asks for all of the app's"),
            code: TextField::new("Code", None)
                .masked()
                .with_placeholder("the code= of the redirect"),
            redirect_uri: TextField::new("Redirect URI", None).with_value(&first_redirect),
            code_verifier: TextField::new("PKCE verifier", None)
                .masked()
                .with_placeholder("optional; the code_verifier of a PKCE request"),
            refresh_token: TextField::new("Refresh token", None)
                .masked()
                .with_placeholder("filled in when a code exchange returns one"),
            token: TextField::new("Access token", None)
                .masked()
                .with_placeholder("filled in with the last token issued here"),
            call: calls[0],
            calls,
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

    /// The rows in order: the choice of call when there is one, the credentials, the call's
    /// fields and the button.
    pub fn order(&self) -> Vec<TokenFocus> {
        let mut order = Vec::new();
        if self.calls.len() > 1 {
            order.push(TokenFocus::Grant);
        }
        order.extend([TokenFocus::ClientId, TokenFocus::Secret]);
        order.extend_from_slice(self.call.fields());
        order.push(TokenFocus::Request);
        order
    }

    /// The rows with their heights. A client-credentials app's three fields keep a line for a
    /// message each; an authorization-code app's calls have up to six rows, packed one a line
    /// (a field with a message gets its second line) so that the answer still fits in 24 rows.
    pub fn rows(&self) -> Vec<(TokenFocus, u16)> {
        let packed = self.calls.len() > 1;
        self.order()
            .into_iter()
            .map(|focus| {
                let has_message = self.field(focus).is_some_and(|f| f.error.is_some());
                (focus, if packed && !has_message { 1 } else { 2 })
            })
            .collect()
    }

    pub fn field(&self, focus: TokenFocus) -> Option<&TextField> {
        match focus {
            TokenFocus::ClientId => Some(&self.client_id),
            TokenFocus::Secret => Some(&self.secret),
            TokenFocus::Scope => Some(&self.scope),
            TokenFocus::Code => Some(&self.code),
            TokenFocus::RedirectUri => Some(&self.redirect_uri),
            TokenFocus::CodeVerifier => Some(&self.code_verifier),
            TokenFocus::RefreshToken => Some(&self.refresh_token),
            TokenFocus::Token => Some(&self.token),
            TokenFocus::Grant | TokenFocus::Request => None,
        }
    }

    pub fn focused_field_mut(&mut self) -> Option<&mut TextField> {
        match self.focus {
            TokenFocus::ClientId => Some(&mut self.client_id),
            TokenFocus::Secret => Some(&mut self.secret),
            TokenFocus::Scope => Some(&mut self.scope),
            TokenFocus::Code => Some(&mut self.code),
            TokenFocus::RedirectUri => Some(&mut self.redirect_uri),
            TokenFocus::CodeVerifier => Some(&mut self.code_verifier),
            TokenFocus::RefreshToken => Some(&mut self.refresh_token),
            TokenFocus::Token => Some(&mut self.token),
            TokenFocus::Grant | TokenFocus::Request => None,
        }
    }

    pub fn is_typing(&self) -> bool {
        !matches!(self.focus, TokenFocus::Grant | TokenFocus::Request)
    }

    /// The next (or previous) call of an authorization-code app; the answer shown stays.
    fn choose_call(&mut self, forward: bool) {
        let count = self.calls.len();
        let at = self.calls.iter().position(|c| *c == self.call).unwrap_or(0);
        self.call = self.calls[if forward {
            (at + 1) % count
        } else {
            (at + count - 1) % count
        }];
    }

    /// The request the chosen call sends with these credentials, or the field to fill in first
    /// with what it needs.
    fn call_effect(
        &mut self,
        client_id: String,
        client_secret: String,
    ) -> Result<Effect, TokenFocus> {
        let required = |field: &mut TextField, message: &str| {
            let value = field.value().trim().to_owned();
            if value.is_empty() {
                field.error = Some(message.to_owned());
            }
            value
        };
        let grant = match self.call {
            ToolCall::Introspection => {
                let token = required(
                    &mut self.token,
                    "paste the access token to introspect, or get one with another call first",
                );
                if token.is_empty() {
                    return Err(TokenFocus::Token);
                }
                return Ok(Effect::IntrospectToken(IntrospectionRequest {
                    client_id,
                    client_secret,
                    token,
                }));
            }
            ToolCall::ClientCredentials => {
                let scope = self.scope.value().trim();
                TokenGrant::ClientCredentials {
                    scope: (!scope.is_empty()).then(|| scope.to_owned()),
                }
            }
            ToolCall::AuthorizationCode => {
                let code = required(
                    &mut self.code,
                    "paste the code that the authorization redirect brought (its code= parameter)",
                );
                if code.is_empty() {
                    return Err(TokenFocus::Code);
                }
                let redirect_uri = required(
                    &mut self.redirect_uri,
                    "type the redirect_uri the authorization request named",
                );
                if redirect_uri.is_empty() {
                    return Err(TokenFocus::RedirectUri);
                }
                let verifier = self.code_verifier.value().trim();
                TokenGrant::AuthorizationCode {
                    code,
                    redirect_uri,
                    code_verifier: (!verifier.is_empty()).then(|| verifier.to_owned()),
                }
            }
            ToolCall::RefreshToken => {
                let refresh_token = required(
                    &mut self.refresh_token,
                    "paste a refresh token, or exchange a code granted offline_access first",
                );
                if refresh_token.is_empty() {
                    return Err(TokenFocus::RefreshToken);
                }
                TokenGrant::RefreshToken { refresh_token }
            }
        };
        Ok(Effect::RequestToken(TokenRequest {
            client_id,
            client_secret,
            grant,
        }))
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
        let client_secret = self.secret.value().to_owned();
        let effect = match self.call_effect(client_id, client_secret) {
            Ok(effect) => effect,
            Err(focus) => {
                self.focus = focus;
                return;
            }
        };
        self.busy = true;
        ctx.info(match self.call {
            ToolCall::Introspection => format!(
                "Asking {} about the token…",
                introspection_endpoint(&self.endpoint)
            ),
            _ => format!("Asking {} for a token…", self.endpoint),
        });
        ctx.effect(effect);
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
                // The next calls of an authorization-code app use what came back.
                if let Some(refresh_token) = &token.refresh_token {
                    self.refresh_token = self.refresh_token.clone().with_value(refresh_token);
                }
                if self.calls.len() > 1 {
                    self.token = self.token.clone().with_value(&token.access_token);
                }
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

    pub fn on_introspected(&mut self, result: Result<Introspected, TokenError>, ctx: &mut Ctx) {
        self.busy = false;
        match result {
            Ok(answer) => {
                match &answer {
                    Introspected::Active(claims) => ctx.done(format!(
                        "The server says the token is active, for {}",
                        claims.client_id
                    )),
                    Introspected::Inactive => {
                        ctx.error("The server says the token is not active".to_owned())
                    }
                }
                self.outcome = Some(TokenOutcome::Introspected(answer));
            }
            Err(error) => {
                ctx.error(match &error {
                    TokenError::Refused { .. } => format!("The server refused: {error}"),
                    _ => format!("Could not introspect the token: {error}"),
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
        let order = self.order();
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
        // The choice of call is a radio row, moved through as the create wizard's grant type.
        if self.focus == TokenFocus::Grant
            && (keys::is_left(key) || keys::is_right(key) || keys::is_char(key, ' '))
        {
            self.choose_call(!keys::is_left(key));
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
        let send = match self.call {
            ToolCall::Introspection => "introspect",
            _ => "request token",
        };
        let mut hints = vec![
            hint("Tab", "next field"),
            hint("Enter", send),
            hint("Esc", "back"),
        ];
        if self.is_typing() {
            hints.insert(0, hint("type", "the value"));
        }
        if self.focus == TokenFocus::Grant {
            hints.insert(0, hint("←/→", "call"));
        }
        hints
    }
}

/// The token tool: where it asks, its fields and button, then what came back.
pub struct TokenLayout {
    pub intro: Rect,
    pub fields: Vec<(TokenFocus, Rect)>,
    pub result: Rect,
}

/// Each row with its height: a field's message takes the line below it.
pub fn token_layout(area: Rect, rows_of: &[(TokenFocus, u16)]) -> TokenLayout {
    let inner = body_inner(area);
    let mut fields = Vec::new();
    let mut at = 2;
    for &(focus, height) in rows_of {
        let rect = rows(inner, at, 0);
        fields.push((
            focus,
            Rect::new(rect.x, rect.y, rect.width, height.min(rect.height)),
        ));
        at += height;
    }
    TokenLayout {
        intro: line(inner, 0),
        fields,
        result: rows(inner, at + 1, 0),
    }
}

fn draw_tool(tool: &TokenTool, zone: &Zone, area: Rect, buf: &mut Buffer, palette: &Palette) {
    let placed = token_layout(area, &tool.rows());
    let intro = match tool.call {
        ToolCall::Introspection => format!(
            "POST {} · the token, the client ID and secret as HTTP Basic",
            introspection_endpoint(&tool.endpoint)
        ),
        call => format!(
            "POST {} · grant_type={}, the client ID and secret as HTTP Basic",
            tool.endpoint,
            match call {
                ToolCall::AuthorizationCode => "authorization_code",
                ToolCall::RefreshToken => "refresh_token",
                ToolCall::ClientCredentials | ToolCall::Introspection => "client_credentials",
            }
        ),
    };
    put(buf, placed.intro, placed.intro.x + 2, &intro, palette.dim);
    for (focus, rect) in &placed.fields {
        let focused = tool.focus == *focus;
        match focus {
            TokenFocus::Grant => {
                widgets::label(buf, *rect, "Call", focused, palette);
                let mut at = rect.x + LABEL_WIDTH;
                for call in &tool.calls {
                    let mark = if tool.call == *call { "(•) " } else { "( ) " };
                    let style = if focused && tool.call == *call {
                        palette.focus
                    } else {
                        Style::default()
                    };
                    at = put(buf, *rect, at, &format!("{mark}{}   ", call.label()), style);
                }
                if focused {
                    put(buf, *rect, at, "←/→ to choose", palette.dim);
                }
            }
            TokenFocus::Request => {
                let label = match (tool.busy, tool.call) {
                    (true, _) => "Requesting…",
                    (false, ToolCall::Introspection) => "Introspect",
                    (false, _) => "Request token",
                };
                let button = Rect::new(rect.x + 2, rect.y, rect.width.saturating_sub(2), 1);
                widgets::buttons(buf, button, &[label], focused.then_some(0), palette);
            }
            field => {
                if let Some(field) = tool.field(*field) {
                    widgets::text_field(buf, *rect, field, focused, palette);
                }
            }
        }
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
            if tool.calls.len() > 1 {
                lines.push(row("also returned", also_returned(token)));
            }
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
        Some(TokenOutcome::Introspected(Introspected::Active(claims))) => {
            lines.push(Line::styled("Active", palette.done));
            lines.push(row("client_id", claims.client_id.clone()));
            lines.push(row("sub", claims.sub.clone()));
            lines.push(row("aud", claims.aud.clone()));
            lines.push(row("iss", claims.iss.clone()));
            lines.push(row("iat", describe_unix(claims.iat, zone)));
            lines.push(row("exp", describe_unix(claims.exp, zone)));
            lines.push(row("jti", claims.jti.clone()));
            let count = claims.scope.split_whitespace().count();
            lines.push(row(&format!("scope ({count})"), claims.scope.clone()));
        }
        Some(TokenOutcome::Introspected(Introspected::Inactive)) => {
            lines.push(Line::styled("Not active", palette.error));
            lines.push(Line::from(
                "  The server answered active: false: the token expired, was revoked, belongs to another app or is none of its tokens.",
            ));
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

/// What came back beside the access token, never the refresh token itself.
fn also_returned(token: &IssuedToken) -> String {
    let refresh = if token.refresh_token.is_some() {
        "refresh_token (filled in for Refresh)"
    } else {
        "no refresh_token (no offline_access)"
    };
    let id_token = if token.has_id_token {
        "id_token"
    } else {
        "no id_token"
    };
    format!("{refresh} · {id_token}")
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
        let Some((focus, _)) = token_layout(ctx.area, &self.rows())
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
            Msg::IntrospectionAnswered(result) => self.on_introspected(result, ctx),
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
