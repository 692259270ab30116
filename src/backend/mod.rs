//! What the console and the CLI talk to: the service's operations as seen by one signed-in user.
//! [`LocalBackend`] calls the service in this process over the embedded store; [`RemoteBackend`]
//! speaks the management API of a running server. Screens and commands are written against
//! [`Backend`] alone, so they behave the same either way.

mod error;
mod local;
mod remote;
pub mod token;
mod trust;

use async_trait::async_trait;

use crate::model::{
    AppDefinitions, AppUpdate, AppView, AuditEvent, AuditFilter, Authorization, ClientSecret,
    GeneratedPassword, ImportMode, ImportOutcome, ListApps, NewApp, NewUser, OwnerAccess, Page,
    Seconds, Sid, Timestamp, UserView,
};

pub use error::BackendError;
pub use local::LocalBackend;
pub use remote::{RemoteBackend, RemoteSession, SessionSaver, Timeouts, normalize_server};
pub use token::{
    Introspected, IntrospectionRequest, IssuedToken, TokenClaims, TokenError, TokenGrant,
    TokenHeader, TokenRequest,
};
pub use trust::{ServerTrust, TrustError};

pub type Result<T> = std::result::Result<T, BackendError>;

/// The app just made and its first secret, which is shown now and never again.
pub struct CreatedApp {
    pub app: AppView,
    pub secret: ClientSecret,
}

/// The new secret, shown once, and when the previous one stops working.
pub struct RotatedSecret {
    pub app: AppView,
    pub secret: ClientSecret,
    pub grace_period: Seconds,
    /// `None` when there was no previous secret left to keep.
    pub previous_expires_at: Option<Timestamp>,
}

#[async_trait]
pub trait Backend: Send + Sync {
    /// The signed-in user, with their roles.
    async fn me(&self) -> Result<UserView>;
    /// The owners the user belongs to, accounts first.
    async fn owners(&self) -> Result<Vec<OwnerAccess>>;
    async fn apps(&self, owner: &Sid, list: ListApps) -> Result<Page<AppView>>;
    async fn app(&self, app: &Sid) -> Result<AppView>;
    async fn create_app(&self, new: NewApp) -> Result<CreatedApp>;
    async fn update_app(&self, app: &Sid, update: AppUpdate) -> Result<AppView>;
    async fn rotate_secret(&self, app: &Sid, grace: Seconds) -> Result<RotatedSecret>;
    /// Ends the grace period of the app's older secret now, without making a new one; refused
    /// when no secret is in a grace period. `expected_version` refuses it if the app changed
    /// since it was shown.
    async fn end_grace(&self, app: &Sid, expected_version: Option<u64>) -> Result<AppView>;
    async fn delete_app(&self, app: &Sid, expected_version: Option<u64>) -> Result<AppView>;
    async fn audit_events(&self, filter: AuditFilter) -> Result<Page<AuditEvent>>;
    /// The definitions of `owner`'s apps, or of every owner's whose apps the user manages; no
    /// secrets.
    async fn export_apps(&self, owner: Option<&Sid>) -> Result<AppDefinitions>;
    /// Makes the apps match `definitions` in one commit, or with `mode.dry_run` only says how.
    async fn import_apps(
        &self,
        definitions: &AppDefinitions,
        mode: ImportMode,
    ) -> Result<ImportOutcome>;
    /// Users who share an owner with the signed-in user.
    async fn users(&self) -> Result<Vec<UserView>>;
    async fn add_user(&self, new: NewUser) -> Result<(UserView, Option<GeneratedPassword>)>;
    /// Marks `username` read-only (they may sign in and read; every change is refused), or
    /// lifts it.
    async fn set_read_only(&self, username: &str, read_only: bool) -> Result<UserView>;
    /// An organization's authorized applications, newest first; only `app`'s when given.
    async fn authorized_apps(
        &self,
        owner: &Sid,
        app: Option<&Sid>,
        page_size: usize,
        after: Option<String>,
    ) -> Result<Page<Authorization>>;
    /// Ends an authorization: its refresh and access tokens stop working at once.
    async fn revoke_authorization(&self, authorization: &Sid) -> Result<Authorization>;
    /// Asks the authorization server's token endpoint for a token, as the app's developer would.
    async fn request_token(
        &self,
        request: TokenRequest,
    ) -> std::result::Result<IssuedToken, TokenError>;
    /// Asks the authorization server's introspection endpoint whether a token is active, with
    /// the app's client credentials, as the app's resource server would.
    async fn introspect_token(
        &self,
        request: IntrospectionRequest,
    ) -> std::result::Result<Introspected, TokenError>;

    /// Starts a session as `username`: when the console opens without one, and again after one
    /// ended (a server's sessions last an hour), so that the console carries on where it was.
    /// The embedded store has no sessions; locally this only checks the password.
    async fn sign_in_as(&self, username: &str, password: &str) -> Result<()>;
    /// The server this backend works over, where a person signs in; `None` over the embedded
    /// store.
    fn server_url(&self) -> Option<&str>;
    /// The authorization server's public URL, for authorization URLs.
    fn issuer(&self) -> &str;
    /// Where [`Backend::request_token`] sends its requests.
    fn token_endpoint(&self) -> String;
    /// The time that tokens' expiry is judged by.
    fn now(&self) -> Timestamp;
}
