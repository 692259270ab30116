//! The backend over the service in this process: the embedded store, one user.

use async_trait::async_trait;

use super::token::{
    self, Introspected, IntrospectionRequest, IssuedToken, TokenError, TokenRequest,
};
use super::trust::ServerTrust;
use super::{Backend, BackendError, CreatedApp, Result, RotatedSecret};
use crate::model::{
    AppDefinitions, AppUpdate, AppView, AuditEvent, AuditFilter, Authorization, GeneratedPassword,
    ImportMode, ImportOutcome, ListApps, NewApp, NewUser, OwnerAccess, Page, Seconds, Sid,
    Timestamp, UserView,
};
use crate::service::ConsoleService;

pub struct LocalBackend {
    service: ConsoleService,
    /// Who every call acts as.
    user: Sid,
    issuer: String,
    /// The server token requests go to: the issuer, unless this process serves on another
    /// address (`--serve`).
    server: String,
    http: reqwest::Client,
}

impl LocalBackend {
    pub fn new(service: ConsoleService, user: Sid, issuer: String) -> LocalBackend {
        LocalBackend {
            service,
            user,
            server: issuer.clone(),
            issuer,
            http: reqwest::Client::new(),
        }
    }

    /// Verifies the token endpoint's certificate against `trust` rather than the platform's CAs.
    pub fn trusting(mut self, trust: &ServerTrust) -> Result<LocalBackend> {
        self.http = trust
            .client()
            .build()
            .map_err(|e| BackendError::Unreachable(format!("cannot make an HTTP client: {e}")))?;
        Ok(self)
    }

    /// Every call acts as a read-only user: reads as ever, each change refused by the service
    /// (`--read-only`).
    pub fn reading_only(mut self) -> LocalBackend {
        self.service = self.service.reading_only();
        self
    }

    /// Sends token requests to the server at `url` (the one this process runs) rather than to
    /// the issuer.
    pub fn with_server(mut self, url: String) -> LocalBackend {
        self.server = url;
        self
    }
}

impl LocalBackend {
    /// `app` as its managers see it now.
    fn view(&self, app: &crate::model::OAuthApp) -> AppView {
        AppView::of(app, self.service.now())
    }
}

#[async_trait]
impl Backend for LocalBackend {
    async fn me(&self) -> Result<UserView> {
        let user = self.service.user(&self.user).await?;
        Ok(UserView::from(&user))
    }

    async fn owners(&self) -> Result<Vec<OwnerAccess>> {
        Ok(self.service.owners(&self.user).await?)
    }

    async fn apps(&self, owner: &Sid, list: ListApps) -> Result<Page<AppView>> {
        let page = self.service.apps(&self.user, owner, list).await?;
        let now = self.service.now();
        Ok(Page {
            items: page.items.iter().map(|app| AppView::of(app, now)).collect(),
            next: page.next,
        })
    }

    async fn app(&self, app: &Sid) -> Result<AppView> {
        Ok(self.view(&self.service.app(&self.user, app).await?))
    }

    async fn create_app(&self, new: NewApp) -> Result<CreatedApp> {
        let created = self.service.create_app(&self.user, new).await?;
        Ok(CreatedApp {
            app: self.view(&created.app),
            secret: created.secret,
        })
    }

    async fn update_app(&self, app: &Sid, update: AppUpdate) -> Result<AppView> {
        Ok(self.view(&self.service.update_app(&self.user, app, update).await?))
    }

    async fn rotate_secret(&self, app: &Sid, grace: Seconds) -> Result<RotatedSecret> {
        let rotated = self.service.rotate_secret(&self.user, app, grace).await?;
        Ok(RotatedSecret {
            app: self.view(&rotated.app),
            secret: rotated.secret,
            grace_period: rotated.grace_period,
            previous_expires_at: rotated.previous_expires_at,
        })
    }

    async fn end_grace(&self, app: &Sid, expected_version: Option<u64>) -> Result<AppView> {
        let app = self
            .service
            .end_grace(&self.user, app, expected_version)
            .await?;
        Ok(self.view(&app))
    }

    async fn delete_app(&self, app: &Sid, expected_version: Option<u64>) -> Result<AppView> {
        let deleted = self
            .service
            .delete_app(&self.user, app, expected_version)
            .await?;
        Ok(self.view(&deleted))
    }

    async fn audit_events(&self, filter: AuditFilter) -> Result<Page<AuditEvent>> {
        Ok(self.service.audit_events(&self.user, filter).await?)
    }

    async fn export_apps(&self, owner: Option<&Sid>) -> Result<AppDefinitions> {
        Ok(self.service.export_apps(&self.user, owner).await?)
    }

    async fn import_apps(
        &self,
        definitions: &AppDefinitions,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        Ok(self
            .service
            .import_apps(&self.user, definitions, mode)
            .await?)
    }

    async fn users(&self) -> Result<Vec<UserView>> {
        let users = self.service.users(&self.user).await?;
        Ok(users.iter().map(UserView::from).collect())
    }

    async fn add_user(&self, new: NewUser) -> Result<(UserView, Option<GeneratedPassword>)> {
        let (user, password) = self.service.add_user(&self.user, new).await?;
        Ok((UserView::from(&user), password))
    }

    async fn set_read_only(&self, username: &str, read_only: bool) -> Result<UserView> {
        let user = self
            .service
            .set_read_only(&self.user, username, read_only)
            .await?;
        Ok(UserView::from(&user))
    }

    async fn authorized_apps(
        &self,
        owner: &Sid,
        app: Option<&Sid>,
        page_size: usize,
        after: Option<String>,
    ) -> Result<Page<Authorization>> {
        Ok(self
            .service
            .authorized_apps(&self.user, owner, app, page_size, after)
            .await?)
    }

    async fn revoke_authorization(&self, authorization: &Sid) -> Result<Authorization> {
        Ok(self
            .service
            .revoke_authorization(&self.user, authorization)
            .await?)
    }

    async fn request_token(
        &self,
        request: TokenRequest,
    ) -> std::result::Result<IssuedToken, TokenError> {
        token::request_token(&self.http, &self.token_endpoint(), &request).await
    }

    async fn introspect_token(
        &self,
        request: IntrospectionRequest,
    ) -> std::result::Result<Introspected, TokenError> {
        let url = token::introspection_endpoint(&self.token_endpoint());
        token::introspect(&self.http, &url, &request).await
    }

    async fn sign_in_as(&self, username: &str, password: &str) -> Result<()> {
        self.service.sign_in(username, password).await?;
        Ok(())
    }

    /// The embedded store is in this process; there is no server to sign in to.
    fn server_url(&self) -> Option<&str> {
        None
    }

    fn issuer(&self) -> &str {
        &self.issuer
    }

    fn token_endpoint(&self) -> String {
        token::token_endpoint(&self.server)
    }

    fn now(&self) -> Timestamp {
        self.service.now()
    }
}
