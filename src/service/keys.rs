//! Signing keys for access tokens: generated with aws-lc-rs on first start, kept in the store,
//! rotated on request, and parsed once into a [`KeyRing`] that signs and verifies from memory.
//!
//! Tokens are signed with an aws-lc-rs key pair built once per key (14 µs for ES256), not with
//! jsonwebtoken's `encode`, which parses the PKCS#8 key again on every call (22 µs). Tokens are
//! verified with jsonwebtoken, one `DecodingKey` per published key, also built once.

use std::collections::HashMap;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use aws_lc_rs::{hkdf, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{PrivateKeyDer, SigningAlg, SigningKeyRecord, Timestamp};
use crate::store::Write;

use super::{ConsoleService, Result, ServiceError};

/// A public key as RFC 7517 writes it, for the JWKS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    pub kid: String,
    #[serde(rename = "use")]
    pub usage: &'static str,
    pub alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

/// The JWKS document: every published key, the signing one first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

enum PrivateKey {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// The key that signs new tokens, with its JWS header encoded once.
pub(super) struct Signer {
    pub(super) kid: String,
    /// `base64url(header)` followed by `.`, the start of every access token it signs.
    header_prefix: String,
    /// The same for ID tokens, whose `typ` is `JWT` (OpenID Connect) rather than `at+jwt`.
    id_header_prefix: String,
    key: PrivateKey,
    rng: SystemRandom,
}

impl Signer {
    /// A compact JWS of an access token's `claims`: header, payload and signature.
    pub(super) fn sign(&self, claims: &impl Serialize) -> Result<String> {
        self.sign_with(&self.header_prefix, claims)
    }

    /// A compact JWS of an ID token's `claims`.
    pub(super) fn sign_id_token(&self, claims: &impl Serialize) -> Result<String> {
        self.sign_with(&self.id_header_prefix, claims)
    }

    fn sign_with(&self, header_prefix: &str, claims: &impl Serialize) -> Result<String> {
        let payload = serde_json::to_vec(claims)
            .map_err(|error| ServiceError::Crypto(format!("token claims: {error}")))?;
        let mut token = String::with_capacity(header_prefix.len() + payload.len() * 2 + 400);
        token.push_str(header_prefix);
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let signature = match &self.key {
            PrivateKey::Ecdsa(pair) => pair
                .sign(&self.rng, token.as_bytes())
                .map(|signature| with_low_s(signature.as_ref())),
            PrivateKey::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &self.rng,
                    token.as_bytes(),
                    &mut signature,
                )
                .map(|()| signature)
            }
        }
        .map_err(|_| ServiceError::Crypto("signing a token failed".into()))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }
}

/// The order n of P-256's base point, big-endian (SEC 2 §2.4.2).
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
/// ⌊n / 2⌋: an `s` above it is the "high" one of the two that verify.
const P256_HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// `r ‖ s` with `s` replaced by `n − s` when it is high. Both verify, so anyone can turn one
/// token into a second, different string that verifies too; signing with low `s` only and
/// accepting low `s` only leaves each token one spelling (the rule Bitcoin's BIP 62 set).
fn with_low_s(signature: &[u8]) -> Vec<u8> {
    let mut normalized = signature.to_vec();
    if let Some(s) = normalized.get_mut(32..64)
        && *s > P256_HALF_ORDER[..]
    {
        let mut borrow = 0u16;
        for (byte, order) in s.iter_mut().zip(P256_ORDER).rev() {
            let difference = u16::from(order).wrapping_sub(u16::from(*byte) + borrow);
            *byte = difference as u8;
            borrow = u16::from(difference > 0xff);
        }
    }
    normalized
}

/// Whether the base64url `signature` of an ES256 token is one this server could have made: 64
/// bytes, canonically encoded, with a low `s`. aws-lc-rs (and so jsonwebtoken) accepts either
/// `s`, so this is checked before verifying.
pub(super) fn is_canonical_es256(signature: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    bytes.len() == 64
        && bytes[32..] <= P256_HALF_ORDER[..]
        && URL_SAFE_NO_PAD.encode(&bytes) == signature
}

/// Every published key parsed once: the signer, a verifier per `kid`, and the JWKS.
pub struct KeyRing {
    pub(super) signer: Signer,
    pub(super) verifiers: HashMap<String, (jsonwebtoken::Algorithm, jsonwebtoken::DecodingKey)>,
    pub jwks: JwkSet,
    /// Authenticates what the sign-in and consent pages hand the browser (their CSRF tokens).
    /// Derived from the signing key, so that every server over one store agrees on it and no
    /// second secret needs keeping; a rotation ends the forms open at that moment.
    pub(super) form_key: hmac::Key,
    /// Hashes what failed authentications are counted under (`limiter.rs`), derived the same way
    /// so that every server over one store hashes a client ID to the same key; a rotation starts
    /// the counts afresh, as the end of their window would.
    pub(super) failure_key: hmac::Key,
}

/// HKDF's info for the form key: a key derived for another purpose later gets another label.
const FORM_KEY_INFO: &[u8] = b"oauth-console sign-in and consent forms v1";
/// HKDF's info for the failure key.
const FAILURE_KEY_INFO: &[u8] = b"oauth-console failed authentication counts v1";

impl KeyRing {
    /// Parses the published keys of `records`; the newest unretired one signs.
    pub fn new(records: &[SigningKeyRecord], now: Timestamp) -> Result<KeyRing> {
        let current = records
            .iter()
            .rev()
            .find(|record| record.retired_at.is_none())
            .ok_or_else(|| ServiceError::Crypto("the store has no signing key".into()))?;
        let mut jwks = JwkSet { keys: Vec::new() };
        let mut verifiers = HashMap::new();
        let mut signer = None;
        let mut derived = None;
        let published = records.iter().filter(|record| record.is_published(now));
        // The signing key first: clients that take the first key get the right one.
        for record in std::iter::once(current).chain(published.filter(|r| r.kid != current.kid)) {
            let (key, jwk) = parse(record)?;
            let algorithm = match record.alg {
                SigningAlg::ES256 => jsonwebtoken::Algorithm::ES256,
                SigningAlg::RS256 => jsonwebtoken::Algorithm::RS256,
            };
            verifiers.insert(record.kid.clone(), (algorithm, decoding_key(&jwk)?));
            if record.kid == current.kid {
                derived = Some((
                    derive_key(&record.private_key.0, FORM_KEY_INFO)?,
                    derive_key(&record.private_key.0, FAILURE_KEY_INFO)?,
                ));
                signer = Some(Signer {
                    kid: record.kid.clone(),
                    header_prefix: header_prefix(record.alg, &record.kid, "at+jwt"),
                    id_header_prefix: header_prefix(record.alg, &record.kid, "JWT"),
                    key,
                    rng: SystemRandom::new(),
                });
            }
            jwks.keys.push(jwk);
        }
        let (Some(signer), Some((form_key, failure_key))) = (signer, derived) else {
            return Err(ServiceError::Crypto("no signing key parsed".into()));
        };
        Ok(KeyRing {
            signer,
            verifiers,
            jwks,
            form_key,
            failure_key,
        })
    }

    /// The `kid` of the key that signs new tokens.
    pub fn signing_kid(&self) -> &str {
        &self.signer.kid
    }
}

fn derive_key(private_key_der: &[u8], info: &[u8]) -> Result<hmac::Key> {
    let pseudo_random = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(private_key_der);
    let info = [info];
    let okm = pseudo_random
        .expand(&info, hmac::HMAC_SHA256)
        .map_err(|_| ServiceError::Crypto("deriving a key from the signing key failed".into()))?;
    Ok(hmac::Key::from(okm))
}

impl KeyRing {
    /// The HMAC-SHA-256 of `message` under the form key, base64url.
    pub fn form_tag(&self, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.form_key, message))
    }

    /// Whether `tag` is [`KeyRing::form_tag`] of `message`, compared in constant time.
    pub fn form_tag_matches(&self, message: &[u8], tag: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(tag)
            .is_ok_and(|tag| hmac::verify(&self.form_key, message, &tag).is_ok())
    }
}

fn header_prefix(alg: SigningAlg, kid: &str, typ: &str) -> String {
    let header = serde_json::json!({ "alg": alg.name(), "typ": typ, "kid": kid });
    format!("{}.", URL_SAFE_NO_PAD.encode(header.to_string()))
}

fn decoding_key(jwk: &Jwk) -> Result<jsonwebtoken::DecodingKey> {
    let parsed = match (&jwk.x, &jwk.y, &jwk.n, &jwk.e) {
        (Some(x), Some(y), _, _) => jsonwebtoken::DecodingKey::from_ec_components(x, y),
        (_, _, Some(n), Some(e)) => jsonwebtoken::DecodingKey::from_rsa_components(n, e),
        _ => {
            return Err(ServiceError::Crypto(format!(
                "key {} is incomplete",
                jwk.kid
            )));
        }
    };
    parsed.map_err(|error| ServiceError::Crypto(format!("key {}: {error}", jwk.kid)))
}

/// The key pair of a stored record and its public JWK.
fn parse(record: &SigningKeyRecord) -> Result<(PrivateKey, Jwk)> {
    let rejected = |error: aws_lc_rs::error::KeyRejected| {
        ServiceError::Crypto(format!("signing key {} is damaged: {error}", record.kid))
    };
    let der = &record.private_key.0;
    let key = match record.alg {
        SigningAlg::ES256 => PrivateKey::Ecdsa(
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der).map_err(rejected)?,
        ),
        SigningAlg::RS256 => PrivateKey::Rsa(RsaKeyPair::from_pkcs8(der).map_err(rejected)?),
    };
    let jwk = public_jwk(&key, record.alg)?;
    Ok((key, jwk))
}

/// The public JWK with its RFC 7638 thumbprint as `kid`.
fn public_jwk(key: &PrivateKey, alg: SigningAlg) -> Result<Jwk> {
    let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let (jwk, thumbprint_input) = match key {
        PrivateKey::Ecdsa(pair) => {
            // An uncompressed P-256 point: 0x04, then x and y of 32 bytes each.
            let point = pair.public_key().as_ref();
            if point.len() != 65 {
                return Err(ServiceError::Crypto("unexpected P-256 public key".into()));
            }
            let (x, y) = (b64(&point[1..33]), b64(&point[33..]));
            let input = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
            let jwk = Jwk {
                kty: "EC",
                kid: String::new(),
                usage: "sig",
                alg: alg.name(),
                crv: Some("P-256"),
                x: Some(x),
                y: Some(y),
                n: None,
                e: None,
            };
            (jwk, input)
        }
        PrivateKey::Rsa(pair) => {
            let public = pair.public_key();
            let n = b64(public.modulus().big_endian_without_leading_zero());
            let e = b64(public.exponent().big_endian_without_leading_zero());
            let input = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
            let jwk = Jwk {
                kty: "RSA",
                kid: String::new(),
                usage: "sig",
                alg: alg.name(),
                crv: None,
                x: None,
                y: None,
                n: Some(n),
                e: Some(e),
            };
            (jwk, input)
        }
    };
    Ok(Jwk {
        kid: b64(&Sha256::digest(thumbprint_input.as_bytes())),
        ..jwk
    })
}

/// A new key of `alg`, not yet stored.
pub(super) fn generate(alg: SigningAlg, now: Timestamp) -> Result<SigningKeyRecord> {
    let failed = |_| ServiceError::Crypto(format!("generating an {alg} key failed"));
    let der = match alg {
        SigningAlg::ES256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .and_then(|pair| pair.to_pkcs8v1())
            .map_err(failed)?
            .as_ref()
            .to_vec(),
        SigningAlg::RS256 => RsaKeyPair::generate(KeySize::Rsa2048)
            .and_then(|pair| pair.as_der())
            .map_err(failed)?
            .as_ref()
            .to_vec(),
    };
    let mut record = SigningKeyRecord {
        kid: String::new(),
        alg,
        private_key: PrivateKeyDer(der),
        created_at: now,
        retired_at: None,
    };
    record.kid = parse(&record)?.1.kid;
    Ok(record)
}

impl ConsoleService {
    /// The stored signing keys, after making a new one the signing key when there is none (of
    /// `alg`, ES256 by default) or when `alg` names another algorithm than the current key's (a
    /// rotation then). `None` keeps whatever key signs now.
    pub async fn signing_keys(&self, alg: Option<SigningAlg>) -> Result<Vec<SigningKeyRecord>> {
        let keys = self.store.signing_keys().await?;
        let current = keys.iter().rev().find(|key| key.retired_at.is_none());
        if current.is_some_and(|key| alg.is_none_or(|alg| key.alg == alg)) {
            return Ok(keys);
        }
        self.rotate_signing_key(alg.unwrap_or_default()).await?;
        Ok(self.store.signing_keys().await?)
    }

    /// Makes a new key of `alg` the signing key. The previous ones stop signing now and stay in
    /// the JWKS until the tokens they signed have expired.
    pub async fn rotate_signing_key(&self, alg: SigningAlg) -> Result<SigningKeyRecord> {
        if self.read_only {
            return Err(super::ServiceError::Forbidden(
                crate::model::started_read_only("rotate signing keys"),
            ));
        }
        let now = self.clock.now();
        let new = generate(alg, now)?;
        let mut writes: Vec<Write> = self
            .store
            .signing_keys()
            .await?
            .into_iter()
            .filter(|key| key.retired_at.is_none())
            .map(|key| {
                Write::PutSigningKey(SigningKeyRecord {
                    retired_at: Some(now),
                    ..key
                })
            })
            .collect();
        writes.push(Write::PutSigningKey(new.clone()));
        self.commit(writes).await?;
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Seconds;

    #[test]
    fn each_algorithm_signs_tokens_that_its_published_key_verifies() {
        let now = Timestamp(1_795_462_741_000);
        for alg in [SigningAlg::ES256, SigningAlg::RS256] {
            let record = generate(alg, now).unwrap();
            assert_eq!(record.kid.len(), 43, "a SHA-256 thumbprint");
            let ring = KeyRing::new(std::slice::from_ref(&record), now).unwrap();
            let token = ring
                .signer
                .sign(&serde_json::json!({ "sub": "x", "exp": 1 }))
                .unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.kid.as_deref(), Some(record.kid.as_str()));
            assert_eq!(header.typ.as_deref(), Some("at+jwt"));
            let (algorithm, key) = &ring.verifiers[&record.kid];
            let mut validation = jsonwebtoken::Validation::new(*algorithm);
            validation.validate_exp = false;
            let data = jsonwebtoken::decode::<serde_json::Value>(&token, key, &validation).unwrap();
            assert_eq!(data.claims["sub"], "x");
        }
    }

    #[test]
    fn es256_tokens_are_signed_with_a_low_s_and_only_a_low_s_is_canonical() {
        let now = Timestamp(1_795_462_741_000);
        let record = generate(SigningAlg::ES256, now).unwrap();
        let ring = KeyRing::new(std::slice::from_ref(&record), now).unwrap();
        // Half of all ECDSA signatures have a high s before normalizing: 64 miss none by chance
        // but once in 2^64.
        for i in 0..64 {
            let token = ring.signer.sign(&serde_json::json!({ "i": i })).unwrap();
            let (_, signature) = token.rsplit_once('.').unwrap();
            assert!(is_canonical_es256(signature), "{token}");
        }
        let mut high = [0u8; 64];
        high[32..].copy_from_slice(&P256_ORDER);
        high[63] -= 1;
        let normalized = with_low_s(&high);
        assert_eq!(normalized[32..63], [0; 31]);
        assert_eq!(normalized[63], 1, "n − (n − 1) = 1");
        assert!(!is_canonical_es256(&URL_SAFE_NO_PAD.encode(high)));
        assert!(is_canonical_es256(&URL_SAFE_NO_PAD.encode(&normalized)));
        let mut half = [0u8; 64];
        half[32..].copy_from_slice(&P256_HALF_ORDER);
        assert!(is_canonical_es256(&URL_SAFE_NO_PAD.encode(half)));
        half[63] += 1;
        assert!(!is_canonical_es256(&URL_SAFE_NO_PAD.encode(half)));
        assert!(!is_canonical_es256("not base64!"));
        assert!(!is_canonical_es256(&URL_SAFE_NO_PAD.encode([0u8; 63])));
    }

    #[test]
    fn retired_keys_verify_until_their_last_token_expired() {
        let start = Timestamp(1_795_462_741_000);
        let old = SigningKeyRecord {
            retired_at: Some(start),
            ..generate(SigningAlg::ES256, start).unwrap()
        };
        let new = generate(SigningAlg::RS256, start).unwrap();
        let records = [old.clone(), new.clone()];
        let ring = KeyRing::new(&records, start.plus(Seconds::days(29))).unwrap();
        assert_eq!(ring.signing_kid(), new.kid);
        let kids: Vec<&str> = ring.jwks.keys.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, [new.kid.as_str(), old.kid.as_str()]);
        let later = KeyRing::new(&records, start.plus(Seconds::days(30))).unwrap();
        assert_eq!(later.jwks.keys.len(), 1);
    }
}
