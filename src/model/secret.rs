//! Client secrets: 256 random bits shown once, kept only as a SHA-256 digest, compared in constant
//! time, and rotated with a grace period so that at most two are ever active.
//!
//! A fast digest is deliberate: a generated 256-bit secret cannot be guessed, so a slow KDF would
//! add nothing but latency to every token request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Seconds, Timestamp, UserRef};

/// The longest grace period a rotation may give the old secret.
pub const MAX_GRACE_PERIOD: Seconds = Seconds::days(30);
/// Twilio's fixed grace period before it became a choice; the default.
pub const DEFAULT_GRACE_PERIOD: Seconds = Seconds::DAY;
/// At most this many secrets of one app are valid at once.
pub const MAX_ACTIVE_SECRETS: usize = 2;

/// A secret in plain text, on its way to the one person who may see it. No `Debug` and no
/// `Display`, so it cannot end up in a log by accident; [`ClientSecret::expose`] says where it is
/// read.
pub struct ClientSecret(String);

impl ClientSecret {
    /// Encodes 32 random bytes as 43 URL-safe characters.
    pub fn from_random(bytes: [u8; 32]) -> ClientSecret {
        ClientSecret(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A secret as the server sent it, to the remote backend: the one time it travels.
    pub fn received(text: String) -> ClientSecret {
        ClientSecret(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn digest(&self) -> SecretDigest {
        SecretDigest::of(&self.0)
    }
}

/// SHA-256 of a secret: all the store ever keeps of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretDigest(#[serde(with = "hex::serde")] [u8; 32]);

impl SecretDigest {
    pub fn of(secret: &str) -> SecretDigest {
        SecretDigest(Sha256::digest(secret.as_bytes()).into())
    }

    /// Lower-case hex, for use as a store key.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Constant-time comparison, so a caller learns nothing from how long a refusal took.
    pub fn matches(&self, presented: &str) -> bool {
        bool::from(self.0.ct_eq(&SecretDigest::of(presented).0))
    }
}

impl std::fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretDigest(…)")
    }
}

/// One secret of an app as stored: its digest, when it was made and by whom, and when it stops
/// working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRecord {
    pub digest: SecretDigest,
    pub created_at: Timestamp,
    /// `None` while it is the newest secret; set by a rotation to the end of its grace period.
    pub expires_at: Option<Timestamp>,
    /// Who made it (created the app, rotated, imported). `None` for secrets stored before this
    /// was recorded, which the console shows as not recorded rather than guess.
    #[serde(default)]
    pub created_by: Option<UserRef>,
}

impl SecretRecord {
    pub fn new(secret: &ClientSecret, now: Timestamp, created_by: UserRef) -> SecretRecord {
        SecretRecord {
            digest: secret.digest(),
            created_at: now,
            expires_at: None,
            created_by: Some(created_by),
        }
    }

    /// Eight hex digits that tell an app's secrets apart in a list, a confirmation and the audit
    /// trail. Derived from the digest under a label of its own, so that it gives away nothing
    /// of the digest (and so nothing of the secret); no two secrets of an app share it but by a
    /// 1 in 4 billion chance.
    pub fn short_id(&self) -> String {
        let hash = Sha256::new()
            .chain_update(b"oauth-console secret id\0")
            .chain_update(self.digest.0)
            .finalize();
        hex::encode(&hash[..4])
    }

    pub fn is_active(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|end| now < end)
    }
}

/// What a rotation did, for the audit event and the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub secrets: Vec<SecretRecord>,
    /// When the previous secret stops working: `now` for a grace period of 0, `None` when there
    /// was no previous secret left to keep.
    pub previous_expires_at: Option<Timestamp>,
}

/// Rotates `current` to `new` with `grace`. Expired secrets are dropped; if two were active, the
/// oldest stops at once (Twilio's FAQ: only two may be active); the newest of the old ones keeps
/// working for the grace period, and none at all with a grace period of 0.
pub fn rotate(
    current: &[SecretRecord],
    new: SecretRecord,
    now: Timestamp,
    grace: Seconds,
) -> Rotation {
    let mut active: Vec<&SecretRecord> = current.iter().filter(|s| s.is_active(now)).collect();
    active.sort_by_key(|s| s.created_at);
    let previous = active.last().map(|newest_old| {
        let end = now.plus(grace);
        SecretRecord {
            expires_at: Some(
                newest_old
                    .expires_at
                    .map_or(end, |old_end| old_end.min(end)),
            ),
            ..(*newest_old).clone()
        }
    });
    let previous_expires_at = previous.as_ref().and_then(|p| p.expires_at);
    let mut secrets: Vec<SecretRecord> =
        previous.into_iter().filter(|p| p.is_active(now)).collect();
    secrets.push(new);
    Rotation {
        secrets,
        previous_expires_at,
    }
}

/// What ending a grace period did: the secrets left, and the one that stopped working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraceEnded {
    /// Only the newest secret: the one the app was last given.
    pub secrets: Vec<SecretRecord>,
    /// The older secret as it was, still in its grace period until now.
    pub ended: SecretRecord,
}

/// Ends the grace period of the older active secret at `now`: only the newest keeps working, and
/// no secret is made. `None` when no secret is in a grace period (one active secret, or none).
pub fn end_grace(current: &[SecretRecord], now: Timestamp) -> Option<GraceEnded> {
    let mut active: Vec<&SecretRecord> = current.iter().filter(|s| s.is_active(now)).collect();
    active.sort_by_key(|s| s.created_at);
    let (newest, older) = active.split_last()?;
    let ended = (*older.last()?).clone();
    Some(GraceEnded {
        secrets: vec![(*newest).clone()],
        ended,
    })
}

/// The active secret record `presented` matches, if any.
pub fn verify<'a>(
    secrets: &'a [SecretRecord],
    presented: &str,
    now: Timestamp,
) -> Option<&'a SecretRecord> {
    secrets
        .iter()
        .find(|s| s.is_active(now) && s.digest.matches(presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(n: u8) -> ClientSecret {
        ClientSecret::from_random([n; 32])
    }

    fn alice() -> UserRef {
        UserRef {
            sid: crate::model::Sid::new(crate::model::SidKind::User, [1; 16]),
            username: "alice".into(),
        }
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp(seconds * 1000)
    }

    #[test]
    fn secrets_are_43_url_safe_characters_and_only_their_digest_matches() {
        let s = secret(7);
        assert_eq!(s.expose().len(), 43);
        assert!(s.digest().matches(s.expose()));
        assert!(!s.digest().matches(secret(8).expose()));
        assert_eq!(format!("{:?}", s.digest()), "SecretDigest(…)");
    }

    #[test]
    fn two_default_rotations_leave_the_two_newest_valid() {
        let (s1, s2, s3) = (secret(1), secret(2), secret(3));
        let first = vec![SecretRecord::new(&s1, at(0), alice())];
        let after_one = rotate(
            &first,
            SecretRecord::new(&s2, at(10), alice()),
            at(10),
            DEFAULT_GRACE_PERIOD,
        );
        assert!(verify(&after_one.secrets, s1.expose(), at(11)).is_some());
        let after_two = rotate(
            &after_one.secrets,
            SecretRecord::new(&s3, at(20), alice()),
            at(20),
            DEFAULT_GRACE_PERIOD,
        );
        assert_eq!(after_two.secrets.len(), MAX_ACTIVE_SECRETS);
        assert!(verify(&after_two.secrets, s1.expose(), at(21)).is_none());
        assert!(verify(&after_two.secrets, s2.expose(), at(21)).is_some());
        assert!(verify(&after_two.secrets, s3.expose(), at(21)).is_some());
        // The grace period ends one day after the second rotation.
        assert!(verify(&after_two.secrets, s2.expose(), at(20 + 86_400)).is_none());
        assert!(verify(&after_two.secrets, s3.expose(), at(20 + 86_400)).is_some());
    }

    #[test]
    fn a_grace_period_of_zero_leaves_only_the_newest() {
        let (s1, s2) = (secret(1), secret(2));
        let rotation = rotate(
            &[SecretRecord::new(&s1, at(0), alice())],
            SecretRecord::new(&s2, at(5), alice()),
            at(5),
            Seconds(0),
        );
        assert_eq!(rotation.previous_expires_at, Some(at(5)));
        assert_eq!(rotation.secrets.len(), 1);
        assert!(verify(&rotation.secrets, s1.expose(), at(5)).is_none());
        assert!(verify(&rotation.secrets, s2.expose(), at(5)).is_some());
    }

    #[test]
    fn ending_the_grace_leaves_only_the_newest_secret_and_makes_none() {
        let (s1, s2) = (secret(1), secret(2));
        let rotated = rotate(
            &[SecretRecord::new(&s1, at(0), alice())],
            SecretRecord::new(&s2, at(10), alice()),
            at(10),
            DEFAULT_GRACE_PERIOD,
        );
        let ended = end_grace(&rotated.secrets, at(20)).expect("s1 is in its grace period");
        assert!(ended.ended.digest.matches(s1.expose()));
        assert_eq!(ended.secrets.len(), 1);
        assert!(verify(&ended.secrets, s1.expose(), at(20)).is_none());
        assert!(verify(&ended.secrets, s2.expose(), at(20)).is_some());
        // With one secret left there is no grace period to end.
        assert_eq!(end_grace(&ended.secrets, at(21)), None);
        // Nor once the grace period ran out by itself.
        assert_eq!(end_grace(&rotated.secrets, at(10 + 86_400)), None);
    }

    #[test]
    fn a_short_id_tells_secrets_apart_and_shows_nothing_of_the_digest() {
        let (one, two) = (
            SecretRecord::new(&secret(1), at(0), alice()),
            SecretRecord::new(&secret(2), at(0), alice()),
        );
        assert_eq!(one.short_id().len(), 8);
        assert_eq!(one.short_id(), one.clone().short_id());
        assert_ne!(one.short_id(), two.short_id());
        assert!(!one.digest.to_hex().contains(&one.short_id()));
    }

    #[test]
    fn a_secret_stored_before_its_maker_was_recorded_still_reads() {
        let stored = format!(
            r#"{{"digest":"{}","created_at":1000,"expires_at":null}}"#,
            secret(1).digest().to_hex()
        );
        let record: SecretRecord = serde_json::from_str(&stored).unwrap();
        assert_eq!(record.created_by, None);
        assert!(record.digest.matches(secret(1).expose()));
    }
}
