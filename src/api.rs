//! Wire types: the JSON shapes of the management API, which are also what `--json` prints, so a
//! script sees the same fields from a local command and from a server. Twilio-style snake_case;
//! durations in seconds and times in RFC 3339.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::{
    AppSettings, AuditEvent, Authorization, DEFAULT_GRACE_PERIOD, DEFAULT_TOKEN_TTL, FieldError,
    GrantType, OAuthApp, Owner, Role, Seconds, Sid, Timestamp, User, scopes,
};
use crate::service::{AppUpdate, NewApp, NewUser, OwnerAccess};

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

/// What is known of a secret without the secret: when it was made and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecretJson {
    pub date_created: String,
    pub expires_at: Option<String>,
}

impl AppJson {
    pub fn new(app: &OAuthApp, now: Timestamp) -> AppJson {
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
            authorization_code: (app.grant_type == crate::model::GrantType::AuthorizationCode)
                .then(|| AuthorizationCodeJson {
                    company_name: s.company_name.clone(),
                    image_urls: s.images.clone(),
                    homepage_url: s.homepage_url.clone(),
                    terms_of_service_url: s.terms_url.clone(),
                    redirect_uris: s.redirect_uris.clone(),
                }),
            secrets: app
                .secrets
                .iter()
                .filter(|secret| secret.is_active(now))
                .map(|secret| SecretJson {
                    date_created: secret.created_at.to_rfc3339(),
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserJson {
    pub sid: String,
    pub username: String,
    pub roles: Vec<RoleJson>,
    pub date_created: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleJson {
    pub owner_sid: String,
    pub role: String,
}

impl From<&User> for UserJson {
    fn from(user: &User) -> UserJson {
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
        }
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

/// An error body of the management API, as Twilio's REST API writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorJson {
    /// Twilio-style error code: 20001 bad input, 20003 authentication, 20403 forbidden,
    /// 20404 not found, 20409 conflict, 20429 too many requests, 20500 server fault.
    pub code: u32,
    pub message: String,
    pub more_info: String,
    pub status: u16,
    /// With 400: each field that breaks a rule, in form order, so that a form can mark it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorJson>,
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
