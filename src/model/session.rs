//! Management-API sessions: a bearer token a person gets for their username and password, short
//! lived and ended by signing out. The store keeps only the token's digest.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::{Seconds, SecretDigest, Sid, Timestamp};

/// How long a session lasts from sign-in; a person signs in again after it.
pub const SESSION_TTL: Seconds = Seconds::HOUR;

/// A session token in plain text, on its way to the person who signed in. No `Debug` and no
/// `Display`, so it cannot end up in a log by accident.
pub struct SessionToken(String);

impl SessionToken {
    /// Encodes 32 random bytes as 43 URL-safe characters.
    pub fn from_random(bytes: [u8; 32]) -> SessionToken {
        SessionToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn digest(&self) -> SecretDigest {
        SecretDigest::of(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// SHA-256 of the token: the key it is found by.
    pub digest: SecretDigest,
    pub user: Sid,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

impl Session {
    pub fn is_active(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}
