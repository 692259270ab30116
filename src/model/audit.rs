//! Audit events: who did what to which app, and when. The four OAuth-app event types are
//! Twilio's; one more records a grace period ended early, and two more record authorizations and
//! their revocation. Every change writes exactly one, in the same transaction as the change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{FieldChange, Sid, Timestamp, UserRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditEventType {
    AppCreated,
    AppUpdated,
    AppDeleted,
    SecretRotated,
    /// The older secret stopped working before its grace period ran out, and no secret was made.
    SecretGraceEnded,
    /// A person approved an authorization-code app.
    AppAuthorized,
    /// An authorization ended: revoked by an admin, by deleting its app, or by a replayed code or
    /// refresh token.
    AuthorizationRevoked,
}

impl AuditEventType {
    pub const ALL: [AuditEventType; 7] = [
        AuditEventType::AppCreated,
        AuditEventType::AppUpdated,
        AuditEventType::AppDeleted,
        AuditEventType::SecretRotated,
        AuditEventType::AppAuthorized,
        AuditEventType::AuthorizationRevoked,
        // Last, so that the console's `t` meets the older types where it always did.
        AuditEventType::SecretGraceEnded,
    ];

    /// Twilio's name for the event, e.g. `oauth-apps.secret-rotated`.
    pub fn name(self) -> &'static str {
        match self {
            AuditEventType::AppCreated => "oauth-apps.created",
            AuditEventType::AppUpdated => "oauth-apps.updated",
            AuditEventType::AppDeleted => "oauth-apps.deleted",
            AuditEventType::SecretRotated => "oauth-apps.secret-rotated",
            AuditEventType::SecretGraceEnded => "oauth-apps.secret-grace-ended",
            AuditEventType::AppAuthorized => "oauth-apps.authorized",
            AuditEventType::AuthorizationRevoked => "oauth-apps.authorization-revoked",
        }
    }
}

impl fmt::Display for AuditEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not an audit event type: use oauth-apps.created, .updated, .deleted, .secret-rotated, .secret-grace-ended, .authorized or .authorization-revoked"
)]
pub struct UnknownEventType(String);

/// Accepts Twilio's full name or its last part (`secret-rotated`).
impl FromStr for AuditEventType {
    type Err = UnknownEventType;
    fn from_str(text: &str) -> Result<AuditEventType, UnknownEventType> {
        let wanted = text.trim();
        AuditEventType::ALL
            .into_iter()
            .find(|t| t.name() == wanted || t.name().strip_prefix("oauth-apps.") == Some(wanted))
            .ok_or_else(|| UnknownEventType(text.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub sid: Sid,
    pub event_type: AuditEventType,
    /// The owner of the app, so each tenant sees only its own events.
    pub owner: Sid,
    pub app: Sid,
    /// The app's name when the event happened, readable after the app is deleted.
    pub app_name: String,
    pub actor: UserRef,
    pub at: Timestamp,
    /// What changed; a rotation records its grace period here.
    pub changes: Vec<FieldChange>,
}
