//! The authorization-code flow's records and rules (seed 002): a person approves an app, which
//! makes an [`Authorization`] (an "authorized application") and a single-use
//! [`AuthorizationCode`]; exchanging the code, bound to its client, redirect URL and PKCE challenge,
//! starts a family of rotating [`RefreshToken`]s. Codes and refresh tokens are random, shown once
//! to the client, and kept only as digests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::scopes::is_protocol_scope;
use super::{Seconds, SecretDigest, Sid, Timestamp, UserRef};

/// Codes expire five minutes after they are issued (seed 002).
pub const CODE_TTL: Seconds = Seconds(300);
/// A refresh token unused this long stops working; each use issues a fresh one. A server may be
/// configured with a shorter lifetime, down to [`MIN_REFRESH_TOKEN_TTL`].
pub const REFRESH_TOKEN_TTL: Seconds = Seconds::days(30);
pub const MIN_REFRESH_TOKEN_TTL: Seconds = Seconds::MINUTE;
/// RFC 7636 §4.1: a code verifier is 43 to 128 unreserved characters.
pub const VERIFIER_MIN_CHARS: usize = 43;
pub const VERIFIER_MAX_CHARS: usize = 128;
/// The longest `state` and `nonce` an authorization request may carry: both travel back to the
/// client (in the redirect URL, in the ID token) and are kept with the code until it is used.
pub const STATE_MAX_CHARS: usize = 512;
pub const NONCE_MAX_CHARS: usize = 512;

/// A person's approval of an app: listed under Authorized applications until revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    pub sid: Sid,
    pub app: Sid,
    pub app_name: String,
    /// The organization that owns the app; only its members see the authorization.
    pub owner: Sid,
    /// Who approved it: the "Authorized by" column.
    pub user: UserRef,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    /// Set by a revocation, by a replayed code or a reused refresh token, or by deleting the app;
    /// every token issued under the authorization stops working then.
    pub revoked_at: Option<Timestamp>,
    pub version: u64,
}

impl Authorization {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A code as stored: everything it is bound to, and whether it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationCode {
    pub digest: SecretDigest,
    pub authorization: Sid,
    pub app: Sid,
    pub user: Sid,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// The S256 PKCE challenge, when the client sent one.
    pub code_challenge: Option<String>,
    /// Echoed into the ID token (OpenID Connect replay protection).
    pub nonce: Option<String>,
    /// When the person who approved signed in: the ID token's `auth_time`. Absent in codes
    /// issued before ID tokens carried it.
    #[serde(default)]
    pub auth_time: Option<Timestamp>,
    pub expires_at: Timestamp,
    /// A second exchange of the same code is a replay: it is refused and revokes what the first
    /// one issued.
    pub redeemed: bool,
}

/// A refresh token as stored. Using it spends it and issues the next one; presenting a spent one
/// means it was stolen or replayed, and ends the whole authorization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    pub digest: SecretDigest,
    pub authorization: Sid,
    pub app: Sid,
    pub scopes: Vec<String>,
    /// The sign-in the authorization began with, carried along each rotation: an ID token issued
    /// on refresh names the original authentication (OpenID Connect Core §12.2).
    #[serde(default)]
    pub auth_time: Option<Timestamp>,
    pub expires_at: Timestamp,
    pub spent: bool,
}

/// How long a refresh token of this server lasts unused: 1 minute to 30 days, checked when made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshTokenTtl(Seconds);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRefreshTokenTtl {
    #[error(
        "the refresh-token lifetime must be between 1 minute and 30 days ({MIN_REFRESH_TOKEN_TTL} to {REFRESH_TOKEN_TTL}); {0} was given"
    )]
    OutOfRange(Seconds),
    #[error(transparent)]
    NotADuration(#[from] super::InvalidDuration),
}

impl RefreshTokenTtl {
    pub fn new(ttl: Seconds) -> Result<RefreshTokenTtl, InvalidRefreshTokenTtl> {
        if (MIN_REFRESH_TOKEN_TTL..=REFRESH_TOKEN_TTL).contains(&ttl) {
            Ok(RefreshTokenTtl(ttl))
        } else {
            Err(InvalidRefreshTokenTtl::OutOfRange(ttl))
        }
    }

    pub fn get(self) -> Seconds {
        self.0
    }
}

impl Default for RefreshTokenTtl {
    fn default() -> RefreshTokenTtl {
        RefreshTokenTtl(REFRESH_TOKEN_TTL)
    }
}

/// Parses a duration (`2m`, `1h`, `30d`) and checks its range.
impl std::str::FromStr for RefreshTokenTtl {
    type Err = InvalidRefreshTokenTtl;

    fn from_str(text: &str) -> Result<RefreshTokenTtl, InvalidRefreshTokenTtl> {
        RefreshTokenTtl::new(text.parse()?)
    }
}

/// Why a PKCE check failed, worded for the `error_description` of an `invalid_grant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code_verifier is required: the authorization request had a code_challenge")]
    Missing,
    #[error("code_verifier was sent but the authorization request had no code_challenge")]
    Unexpected,
    #[error("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")]
    Malformed,
    #[error("code_verifier does not match the code_challenge")]
    Mismatch,
}

/// The S256 challenge of a verifier: BASE64URL(SHA-256(verifier)), RFC 7636 §4.2.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Checks the verifier of a token request against the challenge of its authorization request.
pub fn verify_pkce(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), PkceError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(PkceError::Missing),
        (None, Some(_)) => Err(PkceError::Unexpected),
        (Some(challenge), Some(verifier)) => {
            let well_formed = (VERIFIER_MIN_CHARS..=VERIFIER_MAX_CHARS).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if !well_formed {
                return Err(PkceError::Malformed);
            }
            let computed = s256_challenge(verifier);
            if bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                Ok(())
            } else {
                Err(PkceError::Mismatch)
            }
        }
    }
}

/// A code challenge as sent to `/v2/authorize`: S256 only (`plain` would let anyone who sees
/// the request redeem the code), 43 characters of base64url.
pub fn validate_code_challenge(challenge: &str, method: Option<&str>) -> Result<(), &'static str> {
    match method.unwrap_or("plain") {
        "S256" => {}
        "plain" => return Err("code_challenge_method must be S256; plain is not supported"),
        _ => return Err("code_challenge_method must be S256"),
    }
    let well_formed = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        Ok(())
    } else {
        Err("code_challenge must be the 43-character base64url SHA-256 of the code_verifier")
    }
}

/// The scopes of an authorization request: each one the app's or a protocol scope (`openid`,
/// `profile`), which an authorization-code app may always ask for; all of the app's when none are
/// named.
pub fn requested_scopes(
    app_scopes: &[String],
    requested: Option<&str>,
) -> Result<Vec<String>, String> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(app_scopes.to_vec());
    };
    let mut scopes: Vec<String> = Vec::new();
    for scope in requested.split_whitespace() {
        if !is_protocol_scope(scope) && !app_scopes.iter().any(|s| s == scope) {
            return Err(format!(
                "scope '{scope}' is not one of this app's scopes, nor openid or profile"
            ));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    Ok(scopes)
}

/// A `state` or `nonce` of at most its limit; `what` names the parameter in the refusal.
pub fn validate_request_text(what: &str, value: &str, max_chars: usize) -> Result<(), String> {
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(format!(
            "{what} must be at most {max_chars} characters; {chars} were given"
        ));
    }
    Ok(())
}

/// Scopes requested on a refresh may narrow the authorization's, never widen them.
pub fn narrowed_scopes(granted: &[String], requested: Option<&str>) -> Result<Vec<String>, String> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(granted.to_vec());
    };
    let mut scopes: Vec<String> = Vec::new();
    for scope in requested.split_whitespace() {
        if !granted.iter().any(|g| g == scope) {
            return Err(format!(
                "scope '{scope}' was not granted to this authorization"
            ));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn s256_matches_the_rfc_example() {
        assert_eq!(s256_challenge(VERIFIER), CHALLENGE);
        assert_eq!(verify_pkce(Some(CHALLENGE), Some(VERIFIER)), Ok(()));
    }

    #[test]
    fn pkce_refuses_missing_unexpected_malformed_and_wrong_verifiers() {
        assert_eq!(verify_pkce(None, None), Ok(()));
        assert_eq!(verify_pkce(Some(CHALLENGE), None), Err(PkceError::Missing));
        assert_eq!(
            verify_pkce(None, Some(VERIFIER)),
            Err(PkceError::Unexpected)
        );
        assert_eq!(
            verify_pkce(Some(CHALLENGE), Some("short")),
            Err(PkceError::Malformed)
        );
        let other = "x".repeat(43);
        assert_eq!(
            verify_pkce(Some(CHALLENGE), Some(&other)),
            Err(PkceError::Mismatch)
        );
    }

    #[test]
    fn challenges_must_be_s256() {
        assert!(validate_code_challenge(CHALLENGE, Some("S256")).is_ok());
        assert!(
            validate_code_challenge(CHALLENGE, Some("plain"))
                .unwrap_err()
                .contains("plain is not supported")
        );
        assert!(
            validate_code_challenge(CHALLENGE, None).is_err(),
            "the RFC's default is plain"
        );
        assert!(validate_code_challenge("abc", Some("S256")).is_err());
    }

    #[test]
    fn an_authorization_request_may_add_protocol_scopes_but_no_other_scope() {
        let app = vec![
            "managed-users/read".to_string(),
            "offline_access".to_string(),
        ];
        assert_eq!(requested_scopes(&app, None).unwrap(), app);
        assert_eq!(
            requested_scopes(&app, Some("openid profile managed-users/read openid")).unwrap(),
            ["openid", "profile", "managed-users/read"]
        );
        let refused = requested_scopes(&app, Some("openid roles/list")).unwrap_err();
        assert!(
            refused.contains("'roles/list' is not one of this app's scopes"),
            "{refused}"
        );
    }

    #[test]
    fn state_and_nonce_are_bounded() {
        assert!(validate_request_text("state", &"s".repeat(512), STATE_MAX_CHARS).is_ok());
        assert_eq!(
            validate_request_text("nonce", &"n".repeat(513), NONCE_MAX_CHARS),
            Err("nonce must be at most 512 characters; 513 were given".to_owned())
        );
    }

    #[test]
    fn a_refresh_token_lifetime_is_one_minute_to_thirty_days() {
        assert_eq!("2m".parse::<RefreshTokenTtl>().unwrap().get(), Seconds(120));
        assert_eq!(RefreshTokenTtl::default().get(), Seconds::days(30));
        for refused in ["59s", "31d"] {
            let why = refused.parse::<RefreshTokenTtl>().unwrap_err().to_string();
            assert!(why.contains("between 1 minute and 30 days"), "{why}");
            assert!(why.contains(&format!("{refused} was given")), "{why}");
        }
        assert!(
            "soon"
                .parse::<RefreshTokenTtl>()
                .unwrap_err()
                .to_string()
                .contains("is not a duration")
        );
    }

    #[test]
    fn refresh_scopes_narrow_but_never_widen() {
        let granted = vec![
            "managed-users/read".to_string(),
            "offline_access".to_string(),
        ];
        assert_eq!(narrowed_scopes(&granted, None).unwrap(), granted);
        assert_eq!(
            narrowed_scopes(&granted, Some("managed-users/read")).unwrap(),
            vec!["managed-users/read".to_string()]
        );
        assert!(
            narrowed_scopes(&granted, Some("roles/list"))
                .unwrap_err()
                .contains("was not granted")
        );
    }

    fn verifier() -> impl Strategy<Value = String> {
        "[A-Za-z0-9._~-]{43,128}"
    }

    fn granted() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec("[a-z/_-]{1,20}", 1..8)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn every_well_formed_verifier_matches_its_own_challenge_only(
            verifier in verifier(),
            other in verifier(),
        ) {
            let challenge = s256_challenge(&verifier);
            prop_assert_eq!(validate_code_challenge(&challenge, Some("S256")), Ok(()));
            prop_assert_eq!(verify_pkce(Some(&challenge), Some(&verifier)), Ok(()));
            if other != verifier {
                prop_assert_eq!(
                    verify_pkce(Some(&challenge), Some(&other)),
                    Err(PkceError::Mismatch)
                );
            }
        }

        #[test]
        fn any_verifier_text_is_checked_without_panicking(text in any::<String>()) {
            let challenge = s256_challenge(VERIFIER);
            let checked = verify_pkce(Some(&challenge), Some(&text));
            prop_assert!(
                matches!(checked, Err(PkceError::Malformed | PkceError::Mismatch)) || text == VERIFIER,
                "{:?}", checked
            );
        }

        #[test]
        fn a_refresh_asking_for_granted_scopes_in_any_order_and_spacing_gets_them_once(
            granted in granted(),
            picks in proptest::collection::vec(any::<proptest::sample::Index>(), 1..12),
            spacing in proptest::collection::vec("[ \t\n]{1,3}", 12),
        ) {
            let asked: Vec<&str> = picks.iter().map(|pick| pick.get(&granted).as_str()).collect();
            let text: String = asked
                .iter()
                .zip(&spacing)
                .map(|(scope, space)| format!("{space}{scope}"))
                .collect();
            let narrowed = narrowed_scopes(&granted, Some(&text)).map_err(TestCaseError::fail)?;
            let mut expected: Vec<&str> = Vec::new();
            for scope in asked {
                if !expected.contains(&scope) {
                    expected.push(scope);
                }
            }
            prop_assert_eq!(narrowed, expected);
        }

        #[test]
        fn a_refresh_asking_for_one_more_scope_is_refused_naming_it(
            granted in granted(),
            extra in "[A-Z]{1,10}",
        ) {
            let text = format!("{} {extra}", granted.join(" "));
            prop_assert_eq!(
                narrowed_scopes(&granted, Some(&text)),
                Err(format!("scope '{extra}' was not granted to this authorization"))
            );
        }
    }
}
