//! The backend over a running `oauth-console serve`: each [`Backend`] call is one management-API
//! request with the session's bearer token. Answers are read back with the api.rs types the
//! server wrote them with, and refusals into the same [`BackendError`]s the local backend gives
//! (a 404 from the record it names, not from its text), so that every screen and command says the
//! same thing over a server as over the embedded store. Only failures of the connection itself
//! are new: [`BackendError::Unreachable`] says which server and what to do.
//!
//! A backend may start signed out ([`RemoteBackend::signed_out`]): then every call answers
//! [`BackendError::NotSignedIn`] without asking the server, and the console shows its sign-in
//! screen until [`Backend::sign_in_as`] starts a session. Not signed in yet and signed out by the
//! server are the same state to the console, so one path handles both.

use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, RequestBuilder, StatusCode, header};
use serde::de::DeserializeOwned;

use super::trust::{ServerTrust, certificate_problem};
use super::{
    Backend, BackendError, CreatedApp, Introspected, IntrospectionRequest, IssuedToken, Result,
    RotatedSecret, TokenError, TokenRequest,
};
use crate::api::{
    ApiErrorJson, AppJson, AppListJson, AppUpdateJson, AppsFileJson, AuditEventListJson,
    AuthorizationJson, AuthorizationListJson, Credentials, CredentialsJson, ImportRequestJson,
    ImportResultJson, NewAppJson, NewUserJson, OwnerListJson, RotateSecretJson, SessionJson,
    SignInJson, Unreadable, UserAddedJson, UserJson, UserListJson, UserUpdateJson,
};
use crate::model::{
    AppDefinitions, AppOrder, AppUpdate, AppView, AuditEvent, AuditFilter, Authorization, Field,
    FieldError, GeneratedPassword, ImportMode, ImportOutcome, ListApps, NewApp, NewUser,
    OwnerAccess, Page, Seconds, Sid, Timestamp, UserView, ValidationErrors,
};
use crate::service::{Clock, SystemClock};

/// How long a backend waits for its server before saying it did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// For a connection: a server on the same network accepts in milliseconds.
    pub connect: Duration,
    /// For a whole request; the server gives up on its side after 10 s.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(15),
        }
    }
}

/// Keeps a session started by [`Backend::sign_in_as`] for the next start (the CLI's file).
pub type SessionSaver = Arc<dyn Fn(&RemoteSession) + Send + Sync>;

pub struct RemoteBackend {
    connection: Connection,
    /// `None` until signed in; replaced when the console signs in again.
    token: RwLock<Option<String>>,
    saver: Option<SessionSaver>,
    /// The server's own issuer, from its metadata: the base of authorization URLs. Read when
    /// connecting with a session, or at the first sign-in of a backend that started signed out.
    issuer: OnceLock<String>,
    /// This machine's clock, which a token's time left is judged by.
    clock: Arc<dyn Clock>,
    /// `--read-only`: every change is refused here, before it is sent.
    read_only: bool,
}

/// A session just started on a server. No `Debug`: it holds the bearer token.
pub struct RemoteSession {
    pub token: String,
    pub expires_at: Timestamp,
    pub user: UserView,
}

/// The base URL as given, without the trailing slash that would double in paths.
pub fn normalize_server(server: &str) -> String {
    server.trim().trim_end_matches('/').to_owned()
}

/// How a backend reaches its server, and what it says when the server does not answer.
struct Connection {
    http: reqwest::Client,
    /// The server's base URL, without a trailing slash.
    server: String,
    timeouts: Timeouts,
    trust: ServerTrust,
}

impl Connection {
    fn new(server: &str, timeouts: Timeouts, trust: &ServerTrust) -> Result<Connection> {
        let http = trust
            .client()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .build()
            .map_err(|e| BackendError::Unreachable(format!("cannot make an HTTP client: {e}")))?;
        Ok(Connection {
            http,
            server: normalize_server(server),
            timeouts,
            trust: trust.clone(),
        })
    }

    async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response> {
        request.send().await.map_err(|e| self.unreachable(&e))
    }

    /// Signs in for a session token.
    async fn start_session(&self, username: &str, password: &str) -> Result<RemoteSession> {
        let request = self
            .http
            .post(format!("{}/v1/sessions", self.server))
            .json(&SignInJson {
                username: username.to_owned(),
                password: password.to_owned(),
            });
        let response = self.send(request).await?;
        match response.status() {
            StatusCode::UNAUTHORIZED => return Err(BackendError::BadCredentials),
            status if !status.is_success() => return Err(self.refusal(response).await),
            _ => {}
        }
        let session: SessionJson = self.read(response).await?;
        Ok(RemoteSession {
            expires_at: Timestamp::parse_rfc3339(&session.expires_at)
                .ok_or_else(|| unreadable(&format!("'{}' is not a time", session.expires_at)))?,
            user: decode(session.user)?,
            token: session.token,
        })
    }

    /// The server's issuer, from its RFC 8414 metadata.
    async fn issuer(&self) -> Result<String> {
        #[derive(serde::Deserialize)]
        struct Metadata {
            issuer: String,
        }
        let request = self.http.get(format!(
            "{}/.well-known/oauth-authorization-server",
            self.server
        ));
        let metadata: Metadata = self.read(self.send(request).await?).await?;
        Ok(metadata.issuer)
    }

    /// A refusal of the management API as the [`BackendError`] the service gave it from.
    async fn refusal(&self, response: reqwest::Response) -> BackendError {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.json::<ApiErrorJson>().await.ok();
        refusal(&self.server, status, retry_after, body)
    }

    fn unreachable(&self, error: &reqwest::Error) -> BackendError {
        let server = &self.server;
        BackendError::Unreachable(if error.is_timeout() && error.is_connect() {
            format!(
                "the server at {server} did not accept a connection within {}; check that --server is right and that nothing (a firewall, a proxy) is in the way, then try again",
                seconds(self.timeouts.connect)
            )
        } else if error.is_timeout() {
            format!(
                "the server at {server} did not answer within {}; it may be overloaded or stuck: try again, and if it persists see the server's log",
                seconds(self.timeouts.request)
            )
        } else if let Some(why) = certificate_problem(error) {
            format!(
                "the server at {server} presented a certificate this machine does not trust ({why}); pass --ca-cert FILE with the CA that signed it (for a self-signed certificate, the certificate itself)"
            )
        } else {
            let why = if error.is_connect() {
                "the connection was refused or failed"
            } else {
                "the request failed"
            };
            format!(
                "cannot reach the server at {server} ({why}); check that `oauth-console serve` runs there and that --server is right, then try again"
            )
        })
    }

    async fn read<T: DeserializeOwned>(&self, response: reqwest::Response) -> Result<T> {
        let status = response.status();
        if !status.is_success() {
            return Err(BackendError::Remote(format!(
                "the server at {} answered {status}; is it an oauth-console server?",
                self.server
            )));
        }
        response.json().await.map_err(|e| {
            if e.is_timeout() {
                self.unreachable(&e)
            } else {
                unreadable(&format!("{e}"))
            }
        })
    }
}

/// A wait as people say it: "15 seconds", or "250 ms" below a second.
fn seconds(wait: Duration) -> String {
    match wait.as_secs() {
        0 => format!("{} ms", wait.as_millis()),
        1 => "1 second".to_owned(),
        n => format!("{n} seconds"),
    }
}

impl RemoteBackend {
    /// Signs in to `server` for a session token.
    pub async fn sign_in(
        server: &str,
        trust: &ServerTrust,
        username: &str,
        password: &str,
    ) -> Result<RemoteSession> {
        Connection::new(server, Timeouts::default(), trust)?
            .start_session(username, password)
            .await
    }

    /// A backend acting with the session `token` on `server`; reads the server's issuer, so an
    /// unreachable server is said at once.
    pub async fn connect(
        server: &str,
        trust: &ServerTrust,
        token: String,
    ) -> Result<RemoteBackend> {
        let connection = Connection::new(server, Timeouts::default(), trust)?;
        let issuer = connection.issuer().await?;
        Ok(RemoteBackend {
            connection,
            token: RwLock::new(Some(token)),
            saver: None,
            issuer: OnceLock::from(issuer),
            clock: Arc::new(SystemClock),
            read_only: false,
        })
    }

    /// A backend over `server` without a session: every call says so until
    /// [`Backend::sign_in_as`] starts one. Asks the server nothing, so the console can open (on
    /// its sign-in screen) while the server is down.
    pub fn signed_out(server: &str, trust: &ServerTrust) -> Result<RemoteBackend> {
        Ok(RemoteBackend {
            connection: Connection::new(server, Timeouts::default(), trust)?,
            token: RwLock::new(None),
            saver: None,
            issuer: OnceLock::new(),
            clock: Arc::new(SystemClock),
            read_only: false,
        })
    }

    /// Waits `timeouts` for the server instead of the defaults.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Result<RemoteBackend> {
        self.connection =
            Connection::new(&self.connection.server, timeouts, &self.connection.trust)?;
        Ok(self)
    }

    /// Judges time by `clock` instead of this machine's: for tests and replays on a fixed clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> RemoteBackend {
        self.clock = clock;
        self
    }

    /// Refuses every change before sending it, as the service refuses a read-only user's, and
    /// says so to the console through [`Backend::me`] (`--read-only` over a server).
    pub fn reading_only(mut self) -> RemoteBackend {
        self.read_only = true;
        self
    }

    /// Calls `saver` with each session [`Backend::sign_in_as`] starts.
    pub fn saving_sessions_with(mut self, saver: SessionSaver) -> RemoteBackend {
        self.saver = Some(saver);
        self
    }

    /// Signs out: the session token stops working on the server.
    pub async fn sign_out(&self) -> Result<()> {
        let response = self
            .connection
            .send(self.request(Method::DELETE, "/v1/sessions/current")?)
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(self.connection.refusal(response).await)
        }
    }

    /// A request with the session's token; refused here, without asking the server, when there
    /// is no session yet.
    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        // A poisoned lock still holds a whole token: it is only ever replaced, never edited.
        let token = self.token.read().unwrap_or_else(PoisonError::into_inner);
        let server = &self.connection.server;
        let Some(token) = token.as_deref() else {
            return Err(BackendError::NotSignedIn(format!(
                "not signed in to {server}: sign in with `oauth-console login --server {server}`"
            )));
        };
        Ok(self
            .connection
            .http
            .request(method, format!("{server}{path}"))
            .bearer_auth(token))
    }

    /// A request that changes something: refused without asking the server when this backend
    /// reads only.
    fn change(&self, method: Method, path: &str, doing: &str) -> Result<RequestBuilder> {
        if self.read_only {
            return Err(BackendError::Forbidden(crate::model::started_read_only(
                doing,
            )));
        }
        self.request(method, path)
    }

    /// Sends a request and reads its JSON answer, or the refusal as the service's error.
    async fn call<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let response = self.connection.send(request).await?;
        if response.status().is_success() {
            self.connection.read(response).await
        } else {
            Err(self.connection.refusal(response).await)
        }
    }

    async fn app_json(&self, method: Method, path: &str) -> Result<AppView> {
        let app: AppJson = self.call(self.request(method, path)?).await?;
        decode(app)
    }
}

/// A refusal of the management API (`status`, its `Retry-After` and error body) as the
/// [`BackendError`] the service gave it from.
fn refusal(
    server: &str,
    status: StatusCode,
    retry_after: Option<String>,
    body: Option<ApiErrorJson>,
) -> BackendError {
    // A proxy in front of the server may answer without our error body.
    let said = body.as_ref().map(|b| b.message.clone());
    let message = said.clone().unwrap_or_else(|| status.to_string());
    match status {
        StatusCode::BAD_REQUEST => {
            let errors: Option<Vec<FieldError>> = body
                .iter()
                .flat_map(|b| &b.errors)
                .map(|e| Some(FieldError::new(Field::from_label(&e.field)?, &e.message)))
                .collect();
            match errors {
                Some(errors) if !errors.is_empty() => {
                    BackendError::Invalid(ValidationErrors(errors))
                }
                _ => BackendError::Remote(format!("the server refused the request: {message}")),
            }
        }
        StatusCode::UNAUTHORIZED => BackendError::NotSignedIn(format!(
            "your session on {server} has expired or was signed out; sign in again with `oauth-console login --server {server}`"
        )),
        StatusCode::FORBIDDEN => BackendError::Forbidden(message),
        StatusCode::NOT_FOUND => match body.and_then(|b| b.not_found) {
            Some(missing) => BackendError::NotFound {
                resource: missing.resource,
                id: missing.id,
            },
            // A 404 without saying what is missing: a route this server does not have.
            None => BackendError::Remote(format!(
                "the server at {server} does not know this request ({message}); is it an oauth-console server of this version?"
            )),
        },
        // 412: a stale If-Match, which is the same refusal as a stale version.
        StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED => BackendError::Conflict(message),
        StatusCode::TOO_MANY_REQUESTS => BackendError::Remote(match retry_after {
            Some(seconds) if !message.contains("try again") => {
                format!("{message}; try again in {seconds} seconds")
            }
            _ => message,
        }),
        // Too many sign-ins at once: the server's message says when to try again.
        StatusCode::SERVICE_UNAVAILABLE if said.is_some() => BackendError::Remote(message),
        _ => {
            let what = match said {
                Some(said) => format!("{status}: {said}"),
                None => status.to_string(),
            };
            BackendError::Remote(format!(
                "the server at {server} failed ({what}); try again, and if it persists see the server's log"
            ))
        }
    }
}

fn unreadable(detail: &str) -> BackendError {
    BackendError::Remote(format!(
        "the server's answer could not be read ({detail}); is it an oauth-console server of this version?"
    ))
}

/// An answer read with the api.rs type the server wrote it with.
fn decode<J, T: TryFrom<J, Error = Unreadable>>(json: J) -> Result<T> {
    T::try_from(json).map_err(|why| unreadable(&why.to_string()))
}

fn decode_all<J, T: TryFrom<J, Error = Unreadable>>(items: Vec<J>) -> Result<Vec<T>> {
    items.into_iter().map(decode).collect()
}

/// Twilio's paging parameters for a page of `page_size` (0 leaves the server's default) after
/// `after`.
fn paging(page_size: usize, after: Option<String>) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if page_size > 0 {
        query.push(("PageSize", page_size.to_string()));
    }
    if let Some(token) = after {
        query.push(("PageToken", token));
    }
    query
}

#[async_trait]
impl Backend for RemoteBackend {
    async fn me(&self) -> Result<UserView> {
        let user: UserJson = self.call(self.request(Method::GET, "/v1/me")?).await?;
        let mut user: UserView = decode(user)?;
        user.read_only |= self.read_only;
        Ok(user)
    }

    async fn owners(&self) -> Result<Vec<OwnerAccess>> {
        let list: OwnerListJson = self.call(self.request(Method::GET, "/v1/owners")?).await?;
        decode_all(list.owners)
    }

    async fn apps(&self, owner: &Sid, list: ListApps) -> Result<Page<AppView>> {
        let mut query = paging(list.page_size, list.after);
        if let Some(name) = list.name_contains.filter(|n| !n.is_empty()) {
            query.push(("FriendlyName", name));
        }
        if list.order == AppOrder::OldestFirst {
            query.push(("Order", "oldest".to_owned()));
        }
        let path = format!("/v1/owners/{owner}/apps");
        let page: AppListJson = self
            .call(self.request(Method::GET, &path)?.query(&query))
            .await?;
        Ok(Page {
            items: decode_all(page.apps)?,
            next: page.meta.next_page_token,
        })
    }

    async fn app(&self, app: &Sid) -> Result<AppView> {
        self.app_json(Method::GET, &format!("/v1/apps/{app}")).await
    }

    async fn create_app(&self, new: NewApp) -> Result<CreatedApp> {
        let path = format!("/v1/owners/{}/apps", new.owner);
        let body = NewAppJson::from(new);
        let created: CredentialsJson = self
            .call(self.change(Method::POST, &path, "create apps")?.json(&body))
            .await?;
        let created: Credentials = decode(created)?;
        Ok(CreatedApp {
            app: created.app,
            secret: created.secret,
        })
    }

    async fn update_app(&self, app: &Sid, update: AppUpdate) -> Result<AppView> {
        let body = AppUpdateJson::from(update);
        let updated: AppJson = self
            .call(
                self.change(Method::POST, &format!("/v1/apps/{app}"), "change apps")?
                    .json(&body),
            )
            .await?;
        decode(updated)
    }

    async fn rotate_secret(&self, app: &Sid, grace: Seconds) -> Result<RotatedSecret> {
        let body = RotateSecretJson {
            grace_period: grace.0,
        };
        let rotated: CredentialsJson = self
            .call(
                self.change(
                    Method::POST,
                    &format!("/v1/apps/{app}/secret"),
                    "rotate secrets",
                )?
                .json(&body),
            )
            .await?;
        let rotated: Credentials = decode(rotated)?;
        Ok(RotatedSecret {
            app: rotated.app,
            secret: rotated.secret,
            grace_period: grace,
            previous_expires_at: rotated.previous_secret_expires_at,
        })
    }

    async fn end_grace(&self, app: &Sid, expected_version: Option<u64>) -> Result<AppView> {
        let mut request = self.change(
            Method::POST,
            &format!("/v1/apps/{app}/secret/end-grace"),
            "end grace periods",
        )?;
        if let Some(version) = expected_version {
            request = request.header(header::IF_MATCH, format!("\"{version}\""));
        }
        let ended: AppJson = self.call(request).await?;
        decode(ended)
    }

    async fn delete_app(&self, app: &Sid, expected_version: Option<u64>) -> Result<AppView> {
        let mut request = self.change(Method::DELETE, &format!("/v1/apps/{app}"), "delete apps")?;
        if let Some(version) = expected_version {
            request = request.header(header::IF_MATCH, format!("\"{version}\""));
        }
        let deleted: AppJson = self.call(request).await?;
        decode(deleted)
    }

    async fn audit_events(&self, filter: AuditFilter) -> Result<Page<AuditEvent>> {
        let mut query = paging(filter.page_size, filter.after);
        if let Some(owner) = filter.owner {
            query.push(("OwnerSid", owner.to_string()));
        }
        if let Some(app) = filter.app {
            query.push(("AppSid", app.to_string()));
        }
        if let Some(event_type) = filter.event_type {
            query.push(("EventType", event_type.name().to_owned()));
        }
        let page: AuditEventListJson = self
            .call(self.request(Method::GET, "/v1/audit-events")?.query(&query))
            .await?;
        Ok(Page {
            items: decode_all(page.events)?,
            next: page.meta.next_page_token,
        })
    }

    async fn export_apps(&self, owner: Option<&Sid>) -> Result<AppDefinitions> {
        let mut request = self.request(Method::GET, "/v1/export")?;
        if let Some(owner) = owner {
            request = request.query(&[("OwnerSid", owner.as_str())]);
        }
        let file: AppsFileJson = self.call(request).await?;
        file.into_definitions()
            .map_err(|invalid| unreadable(&invalid.to_string()))
    }

    async fn import_apps(
        &self,
        definitions: &AppDefinitions,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        let body = ImportRequestJson {
            file: AppsFileJson::from(definitions),
            dry_run: mode.dry_run,
            prune: mode.prune,
        };
        // A dry run changes nothing, and the server answers it for a read-only user too.
        let request = if mode.dry_run {
            self.request(Method::POST, "/v1/import")?
        } else {
            self.change(Method::POST, "/v1/import", "import apps")?
        };
        let result: ImportResultJson = self.call(request.json(&body)).await?;
        result.into_outcome().map_err(|why| unreadable(&why))
    }

    async fn users(&self) -> Result<Vec<UserView>> {
        let list: UserListJson = self.call(self.request(Method::GET, "/v1/users")?).await?;
        decode_all(list.users)
    }

    async fn add_user(&self, new: NewUser) -> Result<(UserView, Option<GeneratedPassword>)> {
        let body = NewUserJson {
            username: new.username,
            owner_sid: new.owner.to_string(),
            role: new.role.name().to_owned(),
            password: new.password,
            read_only: new.read_only,
        };
        let added: UserAddedJson = self
            .call(
                self.change(Method::POST, "/v1/users", "add users")?
                    .json(&body),
            )
            .await?;
        Ok((
            decode(added.user)?,
            added.password.map(GeneratedPassword::received),
        ))
    }

    async fn authorized_apps(
        &self,
        owner: &Sid,
        app: Option<&Sid>,
        page_size: usize,
        after: Option<String>,
    ) -> Result<Page<Authorization>> {
        let path = format!("/v1/owners/{owner}/authorizations");
        let filter: Vec<(&str, &str)> = app.iter().map(|app| ("App", app.as_str())).collect();
        let page: AuthorizationListJson = self
            .call(
                self.request(Method::GET, &path)?
                    .query(&filter)
                    .query(&paging(page_size, after)),
            )
            .await?;
        Ok(Page {
            items: decode_all(page.authorizations)?,
            next: page.meta.next_page_token,
        })
    }

    async fn revoke_authorization(&self, authorization: &Sid) -> Result<Authorization> {
        let path = format!("/v1/authorizations/{authorization}");
        let revoked: AuthorizationJson = self
            .call(self.change(Method::DELETE, &path, "revoke authorizations")?)
            .await?;
        decode(revoked)
    }

    async fn set_read_only(&self, username: &str, read_only: bool) -> Result<UserView> {
        let path = format!("/v1/users/{username}");
        let body = UserUpdateJson { read_only };
        let user: UserJson = self
            .call(
                self.change(Method::POST, &path, "change users")?
                    .json(&body),
            )
            .await?;
        decode(user)
    }

    async fn request_token(
        &self,
        request: TokenRequest,
    ) -> std::result::Result<IssuedToken, TokenError> {
        super::token::request_token(&self.connection.http, &self.token_endpoint(), &request).await
    }

    async fn introspect_token(
        &self,
        request: IntrospectionRequest,
    ) -> std::result::Result<Introspected, TokenError> {
        let url = super::token::introspection_endpoint(&self.token_endpoint());
        super::token::introspect(&self.connection.http, &url, &request).await
    }

    async fn sign_in_as(&self, username: &str, password: &str) -> Result<()> {
        let session = self.connection.start_session(username, password).await?;
        if self.issuer.get().is_none() {
            // A backend that started signed out has not read the server's metadata yet.
            let issuer = self.connection.issuer().await?;
            self.issuer.get_or_init(|| issuer);
        }
        if let Some(save) = &self.saver {
            save(&session);
        }
        *self.token.write().unwrap_or_else(PoisonError::into_inner) = Some(session.token);
        Ok(())
    }

    /// Until a backend that started signed out has signed in, the server's URL, which is the
    /// issuer unless the server was given another; the console reads it again once signed in.
    fn issuer(&self) -> &str {
        self.issuer
            .get()
            .map_or(self.connection.server.as_str(), String::as_str)
    }

    fn server_url(&self) -> Option<&str> {
        Some(&self.connection.server)
    }

    /// The server this backend speaks to, which is the one that issues its tokens.
    fn token_endpoint(&self) -> String {
        super::token::token_endpoint(&self.connection.server)
    }

    /// This machine's clock: a token's time left is judged where the person reads it.
    fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str = "http://127.0.0.1:8080";

    /// What a refusal becomes: `status` with `message` in the API's error body (none when
    /// empty), and a `Retry-After`.
    fn refused(status: u16, message: &str, retry_after: Option<&str>) -> BackendError {
        let status = StatusCode::from_u16(status).unwrap();
        let body = (!message.is_empty()).then(|| ApiErrorJson {
            code: 20000 + u32::from(status.as_u16()),
            message: message.to_owned(),
            more_info: String::new(),
            status: status.as_u16(),
            errors: Vec::new(),
            not_found: None,
        });
        refusal(SERVER, status, retry_after.map(str::to_owned), body)
    }

    #[test]
    fn each_refusal_says_what_happened_and_what_to_do() {
        let cases: [(u16, &str, Option<&str>, &str); 9] = [
            (
                401,
                "no session",
                None,
                "your session on http://127.0.0.1:8080 has expired or was signed out; sign in again with `oauth-console login --server http://127.0.0.1:8080`",
            ),
            (
                403,
                "bea is Billing of Main account; managing OAuth apps needs Owner, Administrator or Developer",
                None,
                "bea is Billing of Main account; managing OAuth apps needs Owner, Administrator or Developer",
            ),
            (
                409,
                "OAuth app 'Reports' was changed elsewhere; reload it",
                None,
                "OAuth app 'Reports' was changed elsewhere; reload it",
            ),
            (
                429,
                "too many failed authentication attempts",
                Some("42"),
                "too many failed authentication attempts; try again in 42 seconds",
            ),
            (
                429,
                "too many requests; try again in a minute",
                Some("60"),
                "too many requests; try again in a minute",
            ),
            (
                503,
                "the server is busy checking other sign-ins; try again in 1 seconds",
                Some("1"),
                "the server is busy checking other sign-ins; try again in 1 seconds",
            ),
            (
                400,
                "PageSize must be 1 to 1000",
                None,
                "the server refused the request: PageSize must be 1 to 1000",
            ),
            (
                500,
                "Something went wrong",
                None,
                "the server at http://127.0.0.1:8080 failed (500 Internal Server Error: Something went wrong); try again, and if it persists see the server's log",
            ),
            (
                502,
                "",
                None,
                "the server at http://127.0.0.1:8080 failed (502 Bad Gateway); try again, and if it persists see the server's log",
            ),
        ];
        for (status, message, retry_after, said) in cases {
            let error = refused(status, message, retry_after);
            assert_eq!(error.to_string(), said, "{status}");
            let kind_matches = match status {
                401 => matches!(error, BackendError::NotSignedIn(_)),
                403 => matches!(error, BackendError::Forbidden(_)),
                409 => matches!(error, BackendError::Conflict(_)),
                _ => matches!(error, BackendError::Remote(_)),
            };
            assert!(kind_matches, "{status}: {error:?}");
        }
    }

    #[test]
    fn a_not_found_is_read_from_the_record_it_names_not_from_its_words() {
        let body = ApiErrorJson {
            code: 20404,
            // Another version of the server may say it differently; the record it names decides.
            message: "no such OAuth app here".to_owned(),
            more_info: String::new(),
            status: 404,
            errors: Vec::new(),
            not_found: Some(crate::api::NotFoundJson {
                resource: "OAuth app".to_owned(),
                id: "OQ0123".to_owned(),
            }),
        };
        let gone = refusal(SERVER, StatusCode::NOT_FOUND, None, Some(body));
        assert!(
            matches!(&gone, BackendError::NotFound { resource, id } if resource == "OAuth app" && id == "OQ0123"),
            "{gone:?}"
        );
        assert_eq!(
            gone.to_string(),
            "OAuth app OQ0123 was not found, or you have no access to it"
        );
        let no_route = refused(404, "Not Found", None);
        assert!(matches!(no_route, BackendError::Remote(_)), "{no_route:?}");
    }
}
