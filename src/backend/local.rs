//! The backend over the service in this process: the embedded store, one user.

use async_trait::async_trait;

use super::token::{self, IssuedToken, TokenError, TokenRequest};
use super::trust::ServerTrust;
use super::{Backend, Result};
use crate::model::{AuditEvent, Authorization, OAuthApp, Seconds, Sid, Timestamp, User};
use crate::service::GeneratedPassword;
use crate::service::{
    AppDefinitions, AppUpdate, AuditFilter, ConsoleService, CreatedApp, ImportMode, ImportOutcome,
    ListApps, NewApp, NewUser, OwnerAccess, RotatedSecret,
};
use crate::store::Page;

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
        self.http = trust.client().build().map_err(|e| {
            crate::service::ServiceError::Unreachable(format!("cannot make an HTTP client: {e}"))
        })?;
        Ok(self)
    }

    /// Sends token requests to the server at `url` (the one this process runs) rather than to
    /// the issuer.
    pub fn with_server(mut self, url: String) -> LocalBackend {
        self.server = url;
        self
    }
}

#[async_trait]
impl Backend for LocalBackend {
    async fn me(&self) -> Result<User> {
        self.service.user(&self.user).await
    }

    async fn owners(&self) -> Result<Vec<OwnerAccess>> {
        self.service.owners(&self.user).await
    }

    async fn apps(&self, owner: &Sid, list: ListApps) -> Result<Page<OAuthApp>> {
        self.service.apps(&self.user, owner, list).await
    }

    async fn app(&self, app: &Sid) -> Result<OAuthApp> {
        self.service.app(&self.user, app).await
    }

    async fn create_app(&self, new: NewApp) -> Result<CreatedApp> {
        self.service.create_app(&self.user, new).await
    }

    async fn update_app(&self, app: &Sid, update: AppUpdate) -> Result<OAuthApp> {
        self.service.update_app(&self.user, app, update).await
    }

    async fn rotate_secret(&self, app: &Sid, grace: Seconds) -> Result<RotatedSecret> {
        self.service.rotate_secret(&self.user, app, grace).await
    }

    async fn delete_app(&self, app: &Sid, expected_version: Option<u64>) -> Result<OAuthApp> {
        self.service
            .delete_app(&self.user, app, expected_version)
            .await
    }

    async fn audit_events(&self, filter: AuditFilter) -> Result<Page<AuditEvent>> {
        self.service.audit_events(&self.user, filter).await
    }

    async fn export_apps(&self, owner: Option<&Sid>) -> Result<AppDefinitions> {
        self.service.export_apps(&self.user, owner).await
    }

    async fn import_apps(
        &self,
        definitions: &AppDefinitions,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        self.service
            .import_apps(&self.user, definitions, mode)
            .await
    }

    async fn users(&self) -> Result<Vec<User>> {
        self.service.users(&self.user).await
    }

    async fn add_user(&self, new: NewUser) -> Result<(User, Option<GeneratedPassword>)> {
        self.service.add_user(&self.user, new).await
    }

    async fn authorized_apps(
        &self,
        owner: &Sid,
        app: Option<&Sid>,
        page_size: usize,
        after: Option<String>,
    ) -> Result<Page<Authorization>> {
        self.service
            .authorized_apps(&self.user, owner, app, page_size, after)
            .await
    }

    async fn revoke_authorization(&self, authorization: &Sid) -> Result<Authorization> {
        self.service
            .revoke_authorization(&self.user, authorization)
            .await
    }

    async fn request_token(
        &self,
        request: TokenRequest,
    ) -> std::result::Result<IssuedToken, TokenError> {
        token::request_token(&self.http, &self.token_endpoint(), &request).await
    }

    async fn sign_in_as(&self, username: &str, password: &str) -> Result<()> {
        self.service.sign_in(username, password).await.map(|_| ())
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
