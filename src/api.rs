//! Wire types: the JSON shapes of the management API, which are also what `--json` prints, so a
//! script sees the same fields from a local command and from a server. Twilio-style snake_case;
//! durations in seconds and times in RFC 3339.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::{
    AppDefinition, AppDefinitions, AppSettings, AppUpdate, AppView, AuditEvent, Authorization,
    ClientSecret, DEFAULT_GRACE_PERIOD, DEFAULT_TOKEN_TTL, Field, FieldChange, FieldError,
    GrantType, ImportAction, ImportItem, ImportOutcome, InvalidSid, Membership, NewApp, NewUser,
    OAuthApp, Owner, OwnerAccess, OwnerDefinitions, Role, Seconds, SecretView, Sid, Timestamp,
    User, UserRef, UserView, ValidationErrors, scopes,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppJson {
    pub sid: String,
    /// The same as `sid`: an app's SID is its client ID.
    pub client_id: String,
    pub owner_sid: String,
    pub grant_type: String,
    pub friendly_name: String,
    pub description: String,
    pub scopes: Vec<String>,
    /// Seconds an access token lives.
    pub access_token_ttl: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<AuthorizationCodeJson>,
    pub secrets: Vec<SecretJson>,
    pub date_created: String,
    pub date_updated: String,
    pub created_by: String,
    pub created_by_sid: String,
    pub version: u64,
}

/// The fields only authorization-code apps have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizationCodeJson {
    pub company_name: String,
    pub image_urls: Vec<String>,
    pub homepage_url: String,
    pub terms_of_service_url: String,
    pub redirect_uris: Vec<String>,
}

/// What is known of a secret without the secret: which it is, when it was made and by whom, and
/// when it stops working (`null`: no expiry, it is the current one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecretJson {
    /// Eight hex digits that tell an app's secrets apart; derived so that they give nothing away.
    pub id: String,
    pub date_created: String,
    /// Who made it; `null` for secrets made before this was recorded.
    pub created_by: Option<String>,
    pub created_by_sid: Option<String>,
    pub expires_at: Option<String>,
}

impl AppJson {
    /// `app` as the API shows it at `now`: its active secrets, without their digests.
    pub fn new(app: &OAuthApp, now: Timestamp) -> AppJson {
        AppJson::from(&AppView::of(app, now))
    }
}

impl From<&AppView> for AppJson {
    fn from(app: &AppView) -> AppJson {
        let s = &app.settings;
        AppJson {
            sid: app.sid.to_string(),
            client_id: app.sid.to_string(),
            owner_sid: app.owner.to_string(),
            grant_type: app.grant_type.slug().to_owned(),
            friendly_name: s.name.clone(),
            description: s.description.clone(),
            scopes: s.scopes.clone(),
            access_token_ttl: s.token_ttl.0,
            authorization_code: (app.grant_type == GrantType::AuthorizationCode).then(|| {
                AuthorizationCodeJson {
                    company_name: s.company_name.clone(),
                    image_urls: s.images.clone(),
                    homepage_url: s.homepage_url.clone(),
                    terms_of_service_url: s.terms_url.clone(),
                    redirect_uris: s.redirect_uris.clone(),
                }
            }),
            secrets: app
                .secrets
                .iter()
                .map(|secret| SecretJson {
                    id: secret.id.clone(),
                    date_created: secret.created_at.to_rfc3339(),
                    created_by: secret.created_by.as_ref().map(|u| u.username.clone()),
                    created_by_sid: secret.created_by.as_ref().map(|u| u.sid.to_string()),
                    expires_at: secret.expires_at.map(Timestamp::to_rfc3339),
                })
                .collect(),
            date_created: app.created_at.to_rfc3339(),
            date_updated: app.updated_at.to_rfc3339(),
            created_by: app.created_by.username.clone(),
            created_by_sid: app.created_by.sid.to_string(),
            version: app.version,
        }
    }
}

/// What the remote backend reads back: [`AppJson::from`] undone.
impl TryFrom<AppJson> for AppView {
    type Error = Unreadable;
    fn try_from(json: AppJson) -> Result<AppView, Unreadable> {
        let grant_type: GrantType = json.grant_type.parse().map_err(Unreadable::from_error)?;
        let code = json.authorization_code.unwrap_or_default();
        let secrets = json
            .secrets
            .iter()
            .map(|secret| {
                let created_by = match (&secret.created_by, &secret.created_by_sid) {
                    (Some(username), Some(by)) => Some(UserRef {
                        sid: sid(by)?,
                        username: username.clone(),
                    }),
                    _ => None,
                };
                Ok(SecretView {
                    id: secret.id.clone(),
                    created_at: timestamp(&secret.date_created)?,
                    created_by,
                    expires_at: secret.expires_at.as_deref().map(timestamp).transpose()?,
                })
            })
            .collect::<Result<Vec<_>, Unreadable>>()?;
        Ok(AppView {
            sid: sid(&json.sid)?,
            owner: sid(&json.owner_sid)?,
            grant_type,
            settings: AppSettings {
                name: json.friendly_name,
                description: json.description,
                scopes: json.scopes,
                token_ttl: Seconds(json.access_token_ttl),
                company_name: code.company_name,
                images: code.image_urls,
                homepage_url: code.homepage_url,
                terms_url: code.terms_of_service_url,
                redirect_uris: code.redirect_uris,
            },
            secrets,
            created_at: timestamp(&json.date_created)?,
            updated_at: timestamp(&json.date_updated)?,
            created_by: UserRef {
                sid: sid(&json.created_by_sid)?,
                username: json.created_by,
            },
            version: json.version,
        })
    }
}

/// A field of an answer that this build cannot read: the server is of another version, or is
/// not an oauth-console server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(String);

impl Unreadable {
    fn from_error(error: impl std::fmt::Display) -> Unreadable {
        Unreadable(error.to_string())
    }
}

fn sid(text: &str) -> Result<Sid, Unreadable> {
    text.parse()
        .map_err(|e: InvalidSid| Unreadable::from_error(e))
}

fn timestamp(text: &str) -> Result<Timestamp, Unreadable> {
    Timestamp::parse_rfc3339(text).ok_or_else(|| Unreadable(format!("'{text}' is not a time")))
}

fn role(text: &str) -> Result<Role, Unreadable> {
    text.parse().map_err(Unreadable::from_error)
}

/// The answer to a create or a rotation: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CredentialsJson {
    pub client_id: String,
    pub client_secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// After a rotation: when the previous secret stops working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<String>,
    pub app: AppJson,
}

/// An app and its new secret, as the remote backend reads a [`CredentialsJson`].
pub struct Credentials {
    pub app: AppView,
    pub secret: ClientSecret,
    /// After a rotation: when the previous secret stops working.
    pub previous_secret_expires_at: Option<Timestamp>,
}

impl TryFrom<CredentialsJson> for Credentials {
    type Error = Unreadable;
    fn try_from(json: CredentialsJson) -> Result<Credentials, Unreadable> {
        Ok(Credentials {
            app: AppView::try_from(json.app)?,
            secret: ClientSecret::received(json.client_secret),
            previous_secret_expires_at: json
                .previous_secret_expires_at
                .as_deref()
                .map(timestamp)
                .transpose()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEventJson {
    pub sid: String,
    pub event_type: String,
    pub owner_sid: String,
    pub app_sid: String,
    pub app_name: String,
    pub actor_sid: String,
    pub actor: String,
    pub date_created: String,
    pub changes: Vec<ChangeJson>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChangeJson {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl From<&AuditEvent> for AuditEventJson {
    fn from(event: &AuditEvent) -> AuditEventJson {
        AuditEventJson {
            sid: event.sid.to_string(),
            event_type: event.event_type.name().to_owned(),
            owner_sid: event.owner.to_string(),
            app_sid: event.app.to_string(),
            app_name: event.app_name.clone(),
            actor_sid: event.actor.sid.to_string(),
            actor: event.actor.username.clone(),
            date_created: event.at.to_rfc3339(),
            changes: event
                .changes
                .iter()
                .map(|c| ChangeJson {
                    field: c.field.clone(),
                    before: c.before.clone(),
                    after: c.after.clone(),
                })
                .collect(),
        }
    }
}

impl TryFrom<AuditEventJson> for AuditEvent {
    type Error = Unreadable;
    fn try_from(json: AuditEventJson) -> Result<AuditEvent, Unreadable> {
        Ok(AuditEvent {
            sid: sid(&json.sid)?,
            event_type: json.event_type.parse().map_err(Unreadable::from_error)?,
            owner: sid(&json.owner_sid)?,
            app: sid(&json.app_sid)?,
            app_name: json.app_name,
            actor: UserRef {
                sid: sid(&json.actor_sid)?,
                username: json.actor,
            },
            at: timestamp(&json.date_created)?,
            changes: json
                .changes
                .into_iter()
                .map(|c| FieldChange {
                    field: c.field,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OwnerJson {
    pub sid: String,
    pub friendly_name: String,
    /// `account`, `subaccount` or `organization`.
    #[serde(rename = "type")]
    pub kind: String,
    pub parent_sid: Option<String>,
    /// The caller's role for this owner.
    pub role: String,
}

impl From<&OwnerAccess> for OwnerJson {
    fn from(access: &OwnerAccess) -> OwnerJson {
        let owner: &Owner = &access.owner;
        OwnerJson {
            sid: owner.sid.to_string(),
            friendly_name: owner.name.clone(),
            kind: owner.label().to_lowercase(),
            parent_sid: owner.parent.as_ref().map(ToString::to_string),
            role: access.role.name().to_owned(),
        }
    }
}

impl TryFrom<OwnerJson> for OwnerAccess {
    type Error = Unreadable;
    fn try_from(json: OwnerJson) -> Result<OwnerAccess, Unreadable> {
        Ok(OwnerAccess {
            owner: Owner {
                sid: sid(&json.sid)?,
                name: json.friendly_name,
                parent: json.parent_sid.as_deref().map(sid).transpose()?,
            },
            role: role(&json.role)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserJson {
    pub sid: String,
    pub username: String,
    pub roles: Vec<RoleJson>,
    pub date_created: String,
    /// The user may read, and every change they ask for is refused (403 `forbidden`).
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleJson {
    pub owner_sid: String,
    pub role: String,
}

impl From<&User> for UserJson {
    fn from(user: &User) -> UserJson {
        UserJson::from(&UserView::from(user))
    }
}

impl From<&UserView> for UserJson {
    fn from(user: &UserView) -> UserJson {
        UserJson {
            sid: user.sid.to_string(),
            username: user.username.clone(),
            roles: user
                .roles
                .iter()
                .map(|m| RoleJson {
                    owner_sid: m.owner.to_string(),
                    role: Role::name(m.role).to_owned(),
                })
                .collect(),
            date_created: user.created_at.to_rfc3339(),
            read_only: user.read_only,
        }
    }
}

impl TryFrom<UserJson> for UserView {
    type Error = Unreadable;
    fn try_from(json: UserJson) -> Result<UserView, Unreadable> {
        Ok(UserView {
            sid: sid(&json.sid)?,
            username: json.username,
            roles: json
                .roles
                .iter()
                .map(|r| {
                    Ok(Membership {
                        owner: sid(&r.owner_sid)?,
                        role: role(&r.role)?,
                    })
                })
                .collect::<Result<_, Unreadable>>()?,
            created_at: timestamp(&json.date_created)?,
            read_only: json.read_only,
        })
    }
}

/// An authorized application: who approved which app, for which scopes, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizationJson {
    pub sid: String,
    pub app_sid: String,
    pub app_name: String,
    pub owner_sid: String,
    pub authorized_by: String,
    pub authorized_by_sid: String,
    pub scopes: Vec<String>,
    pub date_created: String,
    pub date_last_used: String,
    pub date_revoked: Option<String>,
    pub version: u64,
}

impl From<&Authorization> for AuthorizationJson {
    fn from(a: &Authorization) -> AuthorizationJson {
        AuthorizationJson {
            sid: a.sid.to_string(),
            app_sid: a.app.to_string(),
            app_name: a.app_name.clone(),
            owner_sid: a.owner.to_string(),
            authorized_by: a.user.username.clone(),
            authorized_by_sid: a.user.sid.to_string(),
            scopes: a.scopes.clone(),
            date_created: a.created_at.to_rfc3339(),
            date_last_used: a.last_used_at.to_rfc3339(),
            date_revoked: a.revoked_at.map(Timestamp::to_rfc3339),
            version: a.version,
        }
    }
}

impl TryFrom<AuthorizationJson> for Authorization {
    type Error = Unreadable;
    fn try_from(json: AuthorizationJson) -> Result<Authorization, Unreadable> {
        Ok(Authorization {
            sid: sid(&json.sid)?,
            app: sid(&json.app_sid)?,
            app_name: json.app_name,
            owner: sid(&json.owner_sid)?,
            user: UserRef {
                sid: sid(&json.authorized_by_sid)?,
                username: json.authorized_by,
            },
            scopes: json.scopes,
            created_at: timestamp(&json.date_created)?,
            last_used_at: timestamp(&json.date_last_used)?,
            revoked_at: json.date_revoked.as_deref().map(timestamp).transpose()?,
            version: json.version,
        })
    }
}

/// `POST /v1/sessions`: sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignInJson {
    pub username: String,
    pub password: String,
}

/// A session: the bearer token for `/v1/` requests, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionJson {
    pub token: String,
    pub expires_at: String,
    pub user: UserJson,
}

/// `POST /v1/owners/{owner_sid}/apps`: a new app, as the create wizard fills it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewAppJson {
    /// `client-credentials` (the default) or `authorization-code`.
    #[serde(default)]
    pub grant_type: Option<String>,
    pub friendly_name: String,
    #[serde(default)]
    pub description: String,
    pub scopes: Vec<String>,
    /// Seconds an access token lives (60 to 2592000; 3600 by default).
    #[serde(default)]
    pub access_token_ttl: Option<u32>,
    #[serde(default)]
    pub authorization_code: Option<AuthorizationCodeJson>,
    /// `us1`, the only region there is.
    #[serde(default)]
    pub region: Option<String>,
}

impl NewAppJson {
    /// The service's request, or why the grant type is not one.
    pub fn into_new_app(self, owner: Sid) -> Result<NewApp, String> {
        let grant_type = match &self.grant_type {
            Some(text) => text.parse::<GrantType>().map_err(|e| e.to_string())?,
            None => GrantType::ClientCredentials,
        };
        let code = self.authorization_code.unwrap_or_default();
        Ok(NewApp {
            owner,
            grant_type,
            region: self.region,
            settings: AppSettings {
                name: self.friendly_name,
                description: self.description,
                scopes: self.scopes,
                token_ttl: self.access_token_ttl.map_or(DEFAULT_TOKEN_TTL, Seconds),
                company_name: code.company_name,
                images: code.image_urls,
                homepage_url: code.homepage_url,
                terms_url: code.terms_of_service_url,
                redirect_uris: code.redirect_uris,
            },
        })
    }
}

/// What the remote backend sends for a [`NewApp`]: [`NewAppJson::into_new_app`] undone.
impl From<NewApp> for NewAppJson {
    fn from(new: NewApp) -> NewAppJson {
        let s = new.settings;
        NewAppJson {
            grant_type: Some(new.grant_type.slug().to_owned()),
            friendly_name: s.name,
            description: s.description,
            scopes: s.scopes,
            access_token_ttl: Some(s.token_ttl.0),
            authorization_code: Some(AuthorizationCodeJson {
                company_name: s.company_name,
                image_urls: s.images,
                homepage_url: s.homepage_url,
                terms_of_service_url: s.terms_url,
                redirect_uris: s.redirect_uris,
            }),
            region: new.region,
        }
    }
}

/// `POST /v1/apps/{sid}`: the fields to change; absent ones stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AppUpdateJson {
    pub friendly_name: Option<String>,
    pub description: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub access_token_ttl: Option<u32>,
    pub company_name: Option<String>,
    pub image_urls: Option<Vec<String>>,
    pub homepage_url: Option<String>,
    pub terms_of_service_url: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    /// The `version` the change was made from; a newer app refuses it with 409. An `If-Match`
    /// header does the same.
    pub version: Option<u64>,
}

impl From<AppUpdateJson> for AppUpdate {
    fn from(json: AppUpdateJson) -> AppUpdate {
        AppUpdate {
            name: json.friendly_name,
            description: json.description,
            scopes: json.scopes,
            token_ttl: json.access_token_ttl.map(Seconds),
            company_name: json.company_name,
            images: json.image_urls,
            homepage_url: json.homepage_url,
            terms_url: json.terms_of_service_url,
            redirect_uris: json.redirect_uris,
            expected_version: json.version,
        }
    }
}

/// What the remote backend sends for an [`AppUpdate`].
impl From<AppUpdate> for AppUpdateJson {
    fn from(update: AppUpdate) -> AppUpdateJson {
        AppUpdateJson {
            friendly_name: update.name,
            description: update.description,
            scopes: update.scopes,
            access_token_ttl: update.token_ttl.map(|ttl| ttl.0),
            company_name: update.company_name,
            image_urls: update.images,
            homepage_url: update.homepage_url,
            terms_of_service_url: update.terms_url,
            redirect_uris: update.redirect_uris,
            version: update.expected_version,
        }
    }
}

/// `POST /v1/apps/{sid}/secret`: rotate the client secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RotateSecretJson {
    /// Seconds the previous secret keeps working: 0 to 2592000 (30 days); 86400 by default.
    #[serde(default = "default_grace_period")]
    pub grace_period: u32,
}

fn default_grace_period() -> u32 {
    DEFAULT_GRACE_PERIOD.0
}

/// `POST /v1/users`: add a user with a role for one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewUserJson {
    pub username: String,
    pub owner_sid: String,
    /// Owner, Administrator, Developer, Billing or Support.
    pub role: String,
    /// Left out, one is generated and returned once.
    #[serde(default)]
    pub password: Option<String>,
    /// The user may sign in and read, and every change is refused.
    #[serde(default)]
    pub read_only: bool,
}

/// `POST /v1/users/{username}`: marks a user read-only, or lifts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserUpdateJson {
    pub read_only: bool,
}

impl NewUserJson {
    pub fn into_new_user(self) -> Result<NewUser, String> {
        Ok(NewUser {
            owner: self
                .owner_sid
                .parse()
                .map_err(|e: crate::model::InvalidSid| e.to_string())?,
            role: self.role.parse::<Role>().map_err(|e| e.to_string())?,
            username: self.username,
            password: self.password,
            read_only: self.read_only,
        })
    }
}

/// A user just added, with the generated password if one was made (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserAddedJson {
    pub user: UserJson,
    pub password: Option<String>,
}

/// One scope of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScopeJson {
    pub name: String,
    pub area: String,
    pub endpoints: Vec<EndpointJson>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EndpointJson {
    pub method: String,
    pub url: String,
}

impl From<&scopes::Permission> for ScopeJson {
    fn from(permission: &scopes::Permission) -> ScopeJson {
        ScopeJson {
            name: permission.name.to_owned(),
            area: permission.area.name().to_owned(),
            endpoints: permission
                .endpoints
                .iter()
                .map(|e| EndpointJson {
                    method: e.method.to_owned(),
                    url: e.pattern.to_owned(),
                })
                .collect(),
        }
    }
}

/// Twilio's paging: which page this is and where the next one is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PageMetaJson {
    /// 0 for the first page.
    pub page: u32,
    pub page_size: usize,
    pub first_page_url: String,
    pub previous_page_url: Option<String>,
    pub url: String,
    pub next_page_url: Option<String>,
    /// Opaque; what `next_page_url` passes as `PageToken`.
    pub next_page_token: Option<String>,
    /// The list's key in the body: `apps`, `events`, `owners`, `users` or `scopes`.
    pub key: String,
}

/// Twilio-style paging parameters of list requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 1000 (50 by default).
    #[serde(rename = "PageSize")]
    pub page_size: Option<usize>,
    /// The page number, counted by `next_page_url`.
    #[serde(rename = "Page")]
    pub page: Option<u32>,
    /// Where the page starts, from the previous page's `next_page_url`.
    #[serde(rename = "PageToken")]
    pub page_token: Option<String>,
}

/// `GET /v1/owners/{owner_sid}/apps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppListJson {
    pub apps: Vec<AppJson>,
    pub meta: PageMetaJson,
}

/// `GET /v1/audit-events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEventListJson {
    pub events: Vec<AuditEventJson>,
    pub meta: PageMetaJson,
}

/// `GET /v1/owners/{owner_sid}/authorizations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizationListJson {
    pub authorizations: Vec<AuthorizationJson>,
    pub meta: PageMetaJson,
}

/// `GET /v1/owners`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OwnerListJson {
    pub owners: Vec<OwnerJson>,
    pub meta: PageMetaJson,
}

/// `GET /v1/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserListJson {
    pub users: Vec<UserJson>,
    pub meta: PageMetaJson,
}

/// `GET /v1/scopes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScopeListJson {
    pub scopes: Vec<ScopeJson>,
    pub meta: PageMetaJson,
}

/// The management API's error codes (Twilio's numbering), each answered with one status; the
/// OpenAPI document lists them all at `ApiErrorJson.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorCode {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    BodyTooLarge,
    TooManyRequests,
    ServerFault,
    Busy,
}

impl ApiErrorCode {
    pub const ALL: [ApiErrorCode; 10] = [
        ApiErrorCode::BadRequest,
        ApiErrorCode::Unauthenticated,
        ApiErrorCode::Forbidden,
        ApiErrorCode::NotFound,
        ApiErrorCode::Conflict,
        ApiErrorCode::PreconditionFailed,
        ApiErrorCode::BodyTooLarge,
        ApiErrorCode::TooManyRequests,
        ApiErrorCode::ServerFault,
        ApiErrorCode::Busy,
    ];

    /// The number in the body's `code`.
    pub const fn code(self) -> u32 {
        match self {
            ApiErrorCode::BadRequest => 20001,
            ApiErrorCode::Unauthenticated => 20003,
            ApiErrorCode::Forbidden => 20403,
            ApiErrorCode::NotFound => 20404,
            ApiErrorCode::Conflict => 20409,
            ApiErrorCode::PreconditionFailed => 20412,
            ApiErrorCode::BodyTooLarge => 20413,
            ApiErrorCode::TooManyRequests => 20429,
            ApiErrorCode::ServerFault => 20500,
            ApiErrorCode::Busy => 20503,
        }
    }

    /// What it means, with its status, as the OpenAPI document says it.
    pub const fn meaning(self) -> &'static str {
        match self {
            ApiErrorCode::BadRequest => {
                "400: a field breaks a rule (see `errors`), a malformed body, a bad SID or page token"
            }
            ApiErrorCode::Unauthenticated => {
                "401: no session, an ended one, a wrong password, or an inactive bearer token"
            }
            ApiErrorCode::Forbidden => "403: the caller's role may not do this",
            ApiErrorCode::NotFound => "404: no such record, or not the caller's to see",
            ApiErrorCode::Conflict => "409: changed by someone else first, or the name is taken",
            ApiErrorCode::PreconditionFailed => {
                "412: the version named by If-Match is no longer the current one"
            }
            ApiErrorCode::BodyTooLarge => "413: the request body is over the server's limit",
            ApiErrorCode::TooManyRequests => {
                "429: too many failed authentications; see Retry-After"
            }
            ApiErrorCode::ServerFault => "500: a fault of the server (its log says which)",
            ApiErrorCode::Busy => {
                "503: too many sign-ins being checked at once, or the database does not answer for a moment; see Retry-After"
            }
        }
    }
}

/// `ApiErrorJson.code` in the OpenAPI document: an integer, one of [`ApiErrorCode::ALL`].
fn api_error_code_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let meanings: Vec<String> = ApiErrorCode::ALL
        .iter()
        .map(|c| format!("{}: {}", c.code(), c.meaning()))
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .enum_values(Some(ApiErrorCode::ALL.iter().map(|c| c.code())))
        .description(Some(format!(
            "Twilio-style error code, stable for scripts to branch on:\n{}",
            meanings.join("\n")
        )))
        .build()
}

/// An error body of the management API, as Twilio's REST API writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorJson {
    /// One of [`ApiErrorCode`]'s numbers.
    #[schema(schema_with = api_error_code_schema)]
    pub code: u32,
    pub message: String,
    pub more_info: String,
    pub status: u16,
    /// With 400: each field that breaks a rule, in form order, so that a form can mark it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorJson>,
    /// With 404: what was not found, so that a client tells it from a missing route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_found: Option<NotFoundJson>,
}

/// What a 404 did not find: the kind of record (`OAuth app`, `authorization`, `owner`, `user`…)
/// and the identifier asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotFoundJson {
    pub resource: String,
    pub id: String,
}

/// One field that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldErrorJson {
    /// The field as a person sees it: `name`, `scopes`, `token expiration`, `redirect URL`, …
    pub field: String,
    /// A sentence naming the field and its limit.
    pub message: String,
}

impl From<&FieldError> for FieldErrorJson {
    fn from(error: &FieldError) -> FieldErrorJson {
        FieldErrorJson {
            field: error.field.label().to_owned(),
            message: error.message.clone(),
        }
    }
}

/// The version of the apps file this build writes and the newest it reads.
pub const APPS_FILE_VERSION: u32 = 1;

/// How an apps file is written: JSON or YAML, the same fields either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Json,
    Yaml,
}

impl FileFormat {
    /// YAML for a name ending `.yaml` or `.yml`, JSON otherwise.
    pub fn of_path(path: &std::path::Path) -> FileFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml") => {
                FileFormat::Yaml
            }
            _ => FileFormat::Json,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a file format: use json or yaml")]
pub struct UnknownFileFormat(String);

impl std::str::FromStr for FileFormat {
    type Err = UnknownFileFormat;
    fn from_str(text: &str) -> Result<FileFormat, UnknownFileFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(FileFormat::Json),
            "yaml" | "yml" => Ok(FileFormat::Yaml),
            _ => Err(UnknownFileFormat(text.to_owned())),
        }
    }
}

/// Why an apps file could not be read; the message names where and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppsFileError {
    #[error("not an apps file: {0}")]
    Unreadable(String),
    #[error(
        "this apps file is version {found}; this oauth-console reads up to version {APPS_FILE_VERSION}: upgrade oauth-console, or export again with this one"
    )]
    Newer { found: u32 },
}

/// Entries of a map keyed by SID, in the order written: an export lists apps oldest first, and
/// a key given twice is refused rather than one of the two silently winning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entries<V>(pub Vec<(String, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Entries<V> {
        Entries(Vec::new())
    }
}

impl<V: Serialize> Serialize for Entries<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map keyed by SID")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Entries<V>, E> {
                Ok(Entries(Vec::new()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries<V>, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if entries.iter().any(|(seen, _)| *seen == key) {
                        return Err(serde::de::Error::custom(format!(
                            "'{key}' is listed twice; list it once"
                        )));
                    }
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// The file `export` writes and `import` reads, also the body of `GET /v1/export` and part of
/// `POST /v1/import`: owners by SID, each with its apps by client ID. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppsFileJson {
    /// The file's format version; this build writes 1.
    pub version: u32,
    /// Owner SID (AC… or OR…) → its apps. An owner listed with no apps has none after an
    /// import with prune.
    #[schema(value_type = std::collections::BTreeMap<String, OwnerAppsJson>)]
    pub owners: Entries<OwnerAppsJson>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerAppsJson {
    /// Client ID (OQ…) → the app's definition.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, AppDefinitionJson>)]
    pub apps: Entries<AppDefinitionJson>,
}

/// What a person writes about an app; the fields of authorization-code apps are left out for
/// client-credentials ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppDefinitionJson {
    pub friendly_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `client-credentials` or `authorization-code`; fixed once the app exists.
    pub grant_type: String,
    pub scopes: Vec<String>,
    /// Seconds an access token lives (60 to 2592000; 3600 when left out).
    #[serde(default = "default_token_ttl")]
    pub access_token_ttl: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub company_name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub homepage_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub terms_of_service_url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect_uris: Vec<String>,
}

fn default_token_ttl() -> u32 {
    DEFAULT_TOKEN_TTL.0
}

/// Only the version, read first so that a newer file is refused as newer rather than for a
/// field this build does not know.
#[derive(Deserialize)]
struct FileVersion {
    version: Option<u32>,
}

impl AppsFileJson {
    pub fn parse(text: &str, format: FileFormat) -> Result<AppsFileJson, AppsFileError> {
        fn read<T: serde::de::DeserializeOwned>(
            text: &str,
            format: FileFormat,
        ) -> Result<T, AppsFileError> {
            match format {
                FileFormat::Json => {
                    serde_json::from_str(text).map_err(|e| AppsFileError::Unreadable(e.to_string()))
                }
                FileFormat::Yaml => serde_yaml_ng::from_str(text)
                    .map_err(|e| AppsFileError::Unreadable(e.to_string())),
            }
        }
        let FileVersion { version } = read(text, format)?;
        match version {
            None => Err(AppsFileError::Unreadable(
                "it has no `version`; write `version: 1` at the top, as `oauth-console export` does"
                    .into(),
            )),
            Some(found) if found > APPS_FILE_VERSION => Err(AppsFileError::Newer { found }),
            Some(_) => read(text, format),
        }
    }

    pub fn write(&self, format: FileFormat) -> Result<String, AppsFileError> {
        let unwritable = |e: String| AppsFileError::Unreadable(format!("cannot be written: {e}"));
        match format {
            FileFormat::Json => serde_json::to_string_pretty(self)
                .map(|json| json + "\n")
                .map_err(|e| unwritable(e.to_string())),
            FileFormat::Yaml => {
                serde_yaml_ng::to_string(self).map_err(|e| unwritable(e.to_string()))
            }
        }
    }

    /// The service's definitions, or every key and grant type that is not one, each naming its
    /// entry. The field rules are the service's.
    pub fn into_definitions(self) -> Result<AppDefinitions, ValidationErrors> {
        let mut errors = Vec::new();
        let mut owners = Vec::new();
        for (owner_key, listed) in self.owners.0 {
            let owner = match owner_key.parse::<Sid>() {
                Ok(owner) => owner,
                Err(error) => {
                    errors.push(FieldError::new(
                        Field::Owner,
                        format!("owner '{owner_key}': {error}"),
                    ));
                    continue;
                }
            };
            let mut apps = Vec::new();
            for (key, app) in listed.apps.0 {
                let entry = format!("entry {key} ({})", app.friendly_name.trim());
                let client_id = key.parse::<Sid>().map_err(|error| {
                    FieldError::new(Field::ClientId, format!("{entry}: client ID {error}"))
                });
                let grant_type = app.grant_type.parse::<GrantType>().map_err(|error| {
                    FieldError::new(Field::GrantType, format!("{entry}: {error}"))
                });
                match (client_id, grant_type) {
                    (Ok(client_id), Ok(grant_type)) => apps.push(AppDefinition {
                        client_id,
                        grant_type,
                        settings: AppSettings {
                            name: app.friendly_name,
                            description: app.description,
                            scopes: app.scopes,
                            token_ttl: Seconds(app.access_token_ttl),
                            company_name: app.company_name,
                            images: app.image_urls,
                            homepage_url: app.homepage_url,
                            terms_url: app.terms_of_service_url,
                            redirect_uris: app.redirect_uris,
                        },
                    }),
                    (client_id, grant_type) => {
                        errors.extend(client_id.err());
                        errors.extend(grant_type.err());
                    }
                }
            }
            owners.push(OwnerDefinitions { owner, apps });
        }
        if errors.is_empty() {
            Ok(AppDefinitions { owners })
        } else {
            Err(ValidationErrors(errors))
        }
    }
}

impl From<&AppDefinitions> for AppsFileJson {
    fn from(definitions: &AppDefinitions) -> AppsFileJson {
        let owners = definitions
            .owners
            .iter()
            .map(|listed| {
                let apps = listed
                    .apps
                    .iter()
                    .map(|app| {
                        let s = &app.settings;
                        let definition = AppDefinitionJson {
                            friendly_name: s.name.clone(),
                            description: s.description.clone(),
                            grant_type: app.grant_type.slug().to_owned(),
                            scopes: s.scopes.clone(),
                            access_token_ttl: s.token_ttl.0,
                            company_name: s.company_name.clone(),
                            image_urls: s.images.clone(),
                            homepage_url: s.homepage_url.clone(),
                            terms_of_service_url: s.terms_url.clone(),
                            redirect_uris: s.redirect_uris.clone(),
                        };
                        (app.client_id.to_string(), definition)
                    })
                    .collect();
                (
                    listed.owner.to_string(),
                    OwnerAppsJson {
                        apps: Entries(apps),
                    },
                )
            })
            .collect();
        AppsFileJson {
            version: APPS_FILE_VERSION,
            owners: Entries(owners),
        }
    }
}

/// `POST /v1/import`: an apps file and how to import it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportRequestJson {
    pub file: AppsFileJson,
    /// Only plan: change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Delete the apps of the file's owners that it does not list.
    #[serde(default)]
    pub prune: bool,
}

/// What an import did, or would do with `dry_run`, to each app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportResultJson {
    /// Whether anything was written: false for a dry run and when nothing differed.
    pub applied: bool,
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deleted: usize,
    /// Apps not in the file that stay because prune was not asked for.
    pub kept: usize,
    pub items: Vec<ImportItemJson>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportItemJson {
    /// `create`, `update`, `unchanged`, `delete` or `keep`.
    pub action: String,
    pub client_id: String,
    pub owner_sid: String,
    pub friendly_name: String,
    /// With `update`: the fields that differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeJson>,
    /// With `create`, once applied: the new app's client secret, shown this once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl ImportAction {
    fn slug(&self) -> &'static str {
        match self {
            ImportAction::Create => "create",
            ImportAction::Update(_) => "update",
            ImportAction::Unchanged => "unchanged",
            ImportAction::Delete => "delete",
            ImportAction::Kept => "keep",
        }
    }
}

impl ImportResultJson {
    pub fn new(outcome: &ImportOutcome, dry_run: bool) -> ImportResultJson {
        let items = outcome
            .items
            .iter()
            .map(|item| ImportItemJson {
                action: item.action.slug().to_owned(),
                client_id: item.client_id.to_string(),
                owner_sid: item.owner.to_string(),
                friendly_name: item.name.clone(),
                changes: match &item.action {
                    ImportAction::Update(changes) => changes
                        .iter()
                        .map(|c| ChangeJson {
                            field: c.field.clone(),
                            before: c.before.clone(),
                            after: c.after.clone(),
                        })
                        .collect(),
                    _ => Vec::new(),
                },
                client_secret: item.secret.as_ref().map(|s| s.expose().to_owned()),
            })
            .collect();
        ImportResultJson {
            applied: outcome.applied,
            dry_run,
            created: outcome.count(|a| matches!(a, ImportAction::Create)),
            updated: outcome.count(|a| matches!(a, ImportAction::Update(_))),
            unchanged: outcome.count(|a| matches!(a, ImportAction::Unchanged)),
            deleted: outcome.count(|a| matches!(a, ImportAction::Delete)),
            kept: outcome.count(|a| matches!(a, ImportAction::Kept)),
            items,
        }
    }

    /// The service's outcome again, as the remote backend reads it.
    pub fn into_outcome(self) -> Result<ImportOutcome, String> {
        let items = self
            .items
            .into_iter()
            .map(|item| {
                let action = match item.action.as_str() {
                    "create" => ImportAction::Create,
                    "update" => ImportAction::Update(
                        item.changes
                            .iter()
                            .map(|c| FieldChange::new(&c.field, &c.before, &c.after))
                            .collect(),
                    ),
                    "unchanged" => ImportAction::Unchanged,
                    "delete" => ImportAction::Delete,
                    "keep" => ImportAction::Kept,
                    other => return Err(format!("'{other}' is not an import action")),
                };
                Ok(ImportItem {
                    client_id: item
                        .client_id
                        .parse()
                        .map_err(|e: InvalidSid| e.to_string())?,
                    owner: item
                        .owner_sid
                        .parse()
                        .map_err(|e: InvalidSid| e.to_string())?,
                    name: item.friendly_name,
                    action,
                    secret: item.client_secret.map(ClientSecret::received),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(ImportOutcome {
            items,
            applied: self.applied,
        })
    }
}

#[cfg(test)]
mod apps_file_tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::SidKind;

    fn sid(kind: SidKind) -> impl Strategy<Value = Sid> {
        any::<[u8; 16]>().prop_map(move |random| Sid::new(kind, random))
    }

    fn text() -> impl Strategy<Value = String> {
        // Any characters, YAML's special ones and look-alikes of other types included.
        prop_oneof![
            any::<String>(),
            Just("~".to_owned()),
            Just("null".to_owned()),
            Just("yes".to_owned()),
            Just("0x10".to_owned()),
            Just("- a: b".to_owned()),
            Just(" leading and trailing ".to_owned()),
            Just("line\nbreak".to_owned()),
        ]
    }

    fn definition() -> impl Strategy<Value = AppDefinition> {
        let grant = prop_oneof![
            Just(GrantType::ClientCredentials),
            Just(GrantType::AuthorizationCode)
        ];
        (
            sid(SidKind::OAuthApp),
            grant,
            (
                text(),
                text(),
                prop::collection::vec(text(), 0..4),
                any::<u32>(),
            ),
            (
                text(),
                prop::collection::vec(text(), 0..3),
                text(),
                text(),
                prop::collection::vec(text(), 0..3),
            ),
        )
            .prop_map(
                |(client_id, grant_type, (name, description, scopes, ttl), code)| {
                    let (company_name, images, homepage_url, terms_url, redirect_uris) = code;
                    AppDefinition {
                        client_id,
                        grant_type,
                        settings: AppSettings {
                            name,
                            description,
                            scopes,
                            token_ttl: Seconds(ttl),
                            company_name,
                            images,
                            homepage_url,
                            terms_url,
                            redirect_uris,
                        },
                    }
                },
            )
    }

    fn definitions() -> impl Strategy<Value = AppDefinitions> {
        let owner = prop_oneof![sid(SidKind::Account), sid(SidKind::Organization)];
        prop::collection::vec((owner, prop::collection::vec(definition(), 0..4)), 0..3).prop_map(
            |owners| AppDefinitions {
                owners: owners
                    .into_iter()
                    .map(|(owner, apps)| OwnerDefinitions { owner, apps })
                    .collect(),
            },
        )
    }

    fn format() -> impl Strategy<Value = FileFormat> {
        prop_oneof![Just(FileFormat::Json), Just(FileFormat::Yaml)]
    }

    proptest! {
        #[test]
        fn an_export_reads_back_as_the_same_definitions_in_either_format(
            written in definitions(),
            format in format(),
        ) {
            let text = AppsFileJson::from(&written).write(format).unwrap();
            let read = AppsFileJson::parse(&text, format).unwrap().into_definitions().unwrap();
            prop_assert_eq!(read, written);
        }

        #[test]
        fn any_text_is_read_or_refused_without_a_panic(text in any::<String>(), format in format()) {
            if let Ok(file) = AppsFileJson::parse(&text, format) {
                let _ = file.into_definitions();
            }
        }

        #[test]
        fn an_export_with_bytes_changed_is_read_or_refused_without_a_panic(
            written in definitions(),
            format in format(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..4),
        ) {
            let mut chars: Vec<char> = AppsFileJson::from(&written).write(format).unwrap().chars().collect();
            for (at, with) in edits {
                let at = at.index(chars.len());
                chars[at] = with;
            }
            let text: String = chars.into_iter().collect();
            if let Ok(file) = AppsFileJson::parse(&text, format) {
                let _ = file.into_definitions();
            }
        }

        #[test]
        fn a_client_id_listed_twice_under_one_owner_is_refused(
            owner in sid(SidKind::Account),
            app in definition(),
            format in format(),
        ) {
            let once = AppsFileJson::from(&AppDefinitions {
                owners: vec![OwnerDefinitions { owner, apps: vec![app] }],
            });
            let mut twice = once.clone();
            let entry = twice.owners.0[0].1.apps.0[0].clone();
            twice.owners.0[0].1.apps.0.push(entry);
            let refused = AppsFileJson::parse(&twice.write(format).unwrap(), format).unwrap_err();
            prop_assert!(refused.to_string().contains("is listed twice; list it once"), "{}", refused);
        }

        #[test]
        fn a_newer_version_is_refused_as_newer_whatever_else_it_holds(
            version in (APPS_FILE_VERSION + 1)..,
            extra in "[a-z_]{1,12}",
        ) {
            let text = format!("{{\"version\": {version}, \"{extra}\": true, \"owners\": 3}}");
            let refused = AppsFileJson::parse(&text, FileFormat::Json).unwrap_err();
            prop_assert_eq!(refused, AppsFileError::Newer { found: version });
        }
    }
}
