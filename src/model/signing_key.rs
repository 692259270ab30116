//! Access-token signing keys as stored: the algorithm, the private key, and when the key stopped
//! signing. How long a retired key stays published (so that tokens it signed still verify) is a
//! rule of its own here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{MAX_TOKEN_TTL, Timestamp};

/// The JWS algorithms tokens are signed with: ECDSA P-256 by default (small, fast), RSA 2048 for
/// relying parties that only take RS256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum SigningAlg {
    #[default]
    ES256,
    RS256,
}

impl SigningAlg {
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::ES256 => "ES256",
            SigningAlg::RS256 => "RS256",
        }
    }
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a signing algorithm: use ES256 or RS256")]
pub struct UnknownSigningAlg(String);

impl FromStr for SigningAlg {
    type Err = UnknownSigningAlg;
    fn from_str(text: &str) -> Result<SigningAlg, UnknownSigningAlg> {
        match text.trim().to_ascii_uppercase().as_str() {
            "ES256" => Ok(SigningAlg::ES256),
            "RS256" => Ok(SigningAlg::RS256),
            _ => Err(UnknownSigningAlg(text.to_owned())),
        }
    }
}

/// A PKCS#8 private key. No `Debug` of its bytes, so a logged record shows none of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateKeyDer(#[serde(with = "hex::serde")] pub Vec<u8>);

impl fmt::Debug for PrivateKeyDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKeyDer(…)")
    }
}

/// One signing key. The newest key that is not retired signs; every published key verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    /// The JWK thumbprint (RFC 7638) of the public key, which tokens carry in their header.
    pub kid: String,
    pub alg: SigningAlg,
    pub private_key: PrivateKeyDer,
    pub created_at: Timestamp,
    /// When a rotation replaced it; `None` while it signs.
    pub retired_at: Option<Timestamp>,
}

impl SigningKeyRecord {
    /// Whether the JWKS still lists the key: while it signs, and after its retirement for as long
    /// as the longest-lived token it may have signed (30 days) can still be valid.
    pub fn is_published(&self, now: Timestamp) -> bool {
        self.retired_at
            .is_none_or(|retired| now < retired.plus(MAX_TOKEN_TTL))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Seconds;

    #[test]
    fn a_retired_key_stays_published_for_the_longest_token_lifetime() {
        let retired = Timestamp(1_000_000);
        let key = SigningKeyRecord {
            kid: "k".into(),
            alg: SigningAlg::ES256,
            private_key: PrivateKeyDer(vec![1, 2, 3]),
            created_at: Timestamp(0),
            retired_at: Some(retired),
        };
        let end = retired.plus(Seconds::days(30));
        assert!(key.is_published(Timestamp(end.0 - 1)));
        assert!(!key.is_published(end));
        assert_eq!(format!("{:?}", key.private_key), "PrivateKeyDer(…)");
    }

    #[test]
    fn algorithms_parse_in_any_case() {
        assert_eq!("rs256".parse::<SigningAlg>().unwrap(), SigningAlg::RS256);
        assert!(
            "HS256"
                .parse::<SigningAlg>()
                .unwrap_err()
                .to_string()
                .contains("ES256 or RS256")
        );
    }
}
