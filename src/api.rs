//! Wire types: the JSON shapes of the management API, which are also what `--json` prints, so a
//! script sees the same fields from a local command and from a server. Twilio-style snake_case;
//! durations in seconds and times in RFC 3339.

use serde::{Deserialize, Serialize};

use crate::model::{AuditEvent, Authorization, OAuthApp, Owner, Role, Timestamp, User};
use crate::service::OwnerAccess;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub version: u64,
}

/// The fields only authorization-code apps have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationCodeJson {
    pub company_name: String,
    pub image_urls: Vec<String>,
    pub homepage_url: String,
    pub terms_of_service_url: String,
    pub redirect_uris: Vec<String>,
}

/// What is known of a secret without the secret: when it was made and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
            version: app.version,
        }
    }
}

/// The answer to a create or a rotation: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserJson {
    pub sid: String,
    pub username: String,
    pub roles: Vec<RoleJson>,
    pub date_created: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        }
    }
}
