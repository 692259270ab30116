//! The authorization server's rules: which grant an app may use, what scope a token gets, what its
//! claims say (RFC 9068), when a token is active (RFC 7662), how it is revoked (RFC 7009), and
//! whether it may call a given Twilio URL.
//!
//! Issuing a client-credentials token is one store read (the app), a digest compare and a
//! signature with a key parsed once: no store write, nothing slow. "Is this token still good"
//! reads the store (app deleted? token revoked?), so several servers over one database agree at
//! once.

use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;
use crate::model::scopes;
use crate::model::{GrantType, OAuthApp, SigningAlg, Timestamp};
use crate::store::Write;

use super::keys::{JwkSet, KeyRing};
use super::{ConsoleService, ServiceError};

/// The errors of RFC 6749 §5.2, each with a sentence saying what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("unknown client ID or wrong client secret")]
    InvalidClient,
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    UnauthorizedClient(String),
    #[error("{0}")]
    UnsupportedGrantType(String),
    #[error("{0}")]
    InvalidScope(String),
    /// An `audience` this server issues no tokens for (`invalid_target`, RFC 8707 §2).
    #[error("{0}")]
    InvalidTarget(String),
    /// Not the client's doing: answered as a server error.
    #[error(transparent)]
    Service(ServiceError),
}

impl TokenError {
    /// The `error` code of RFC 6749 §5.2.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) => "invalid_request",
            TokenError::InvalidClient => "invalid_client",
            TokenError::InvalidGrant(_) => "invalid_grant",
            TokenError::UnauthorizedClient(_) => "unauthorized_client",
            TokenError::UnsupportedGrantType(_) => "unsupported_grant_type",
            TokenError::InvalidScope(_) => "invalid_scope",
            TokenError::InvalidTarget(_) => "invalid_target",
            TokenError::Service(_) => "server_error",
        }
    }
}

impl From<ServiceError> for TokenError {
    fn from(error: ServiceError) -> TokenError {
        match error {
            ServiceError::BadClient => TokenError::InvalidClient,
            other => TokenError::Service(other),
        }
    }
}

/// A token request as the client sent it, already split from its HTTP form.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
    pub audience: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
}

/// The claims of an access token (RFC 9068 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The owner SID (account, subaccount or organization) the token acts for.
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    /// Space-separated, as RFC 8693 writes it.
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The authorization (`AZ…`) a token of the authorization-code flow was issued under: it
    /// stops being active when that authorization is revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
}

/// The claims of an ID token (OpenID Connect Core §2 and §3.1.3.6): who the person who
/// authorized is, issued when the `openid` scope was granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    /// The user's SID (`US…`), the same in every ID token and userinfo answer for them.
    pub sub: String,
    /// The client ID.
    pub aud: String,
    /// The client ID again: the party the token was issued to.
    pub azp: String,
    pub iat: i64,
    pub exp: i64,
    /// When the person signed in to approve (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The authorization request's, on the code exchange only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The left half of the access token's SHA-256, base64url (Core §3.1.3.6), binding the two.
    pub at_hash: String,
    /// The username, when `profile` was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
}

/// What `GET /v2/userinfo` tells about the person behind an access token with `openid`
/// (OpenID Connect Core §5.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub sub: String,
    /// When `profile` was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
}

/// The answer of `GET /v2/userinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserInfoAnswer {
    Found(UserInfo),
    /// Expired, revoked, not ours, or a client-credentials token (which stands for no person).
    InvalidToken,
    /// An active token of the authorization-code flow, granted without `openid`.
    InsufficientScope,
}

impl AccessClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_ascii_whitespace()
    }
}

/// A token just issued.
pub struct IssuedToken {
    pub access_token: String,
    /// Seconds until it expires: the app's token expiration.
    pub expires_in: u32,
    pub scope: String,
    /// The next refresh token, when `offline_access` was granted (shown once).
    pub refresh_token: Option<String>,
    /// For the authorization-code grant: who authorized.
    pub id_token: Option<String>,
}

/// What introspection tells: nothing about a token that is not active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Introspection {
    Inactive,
    Active(AccessClaims),
}

/// The answer to "may this token call METHOD URL?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionDecision {
    Allowed {
        /// The granted scope that opens the endpoint.
        permission: &'static str,
        claims: AccessClaims,
    },
    /// The token is active but may not make this call; says why.
    Denied(String),
    /// Expired, revoked, of a deleted app, or not one of ours.
    InvalidToken,
}

#[derive(Debug, Clone)]
pub struct AuthorizationConfig {
    /// The `iss` of every token, exactly as discovery publishes it.
    pub issuer: String,
    /// The `aud` of tokens requested without `audience`.
    pub default_audience: String,
    /// The algorithm of the key that signs new tokens; a key of another algorithm is rotated
    /// out at start. `None` keeps the current key (ES256 for a new store).
    pub signing_alg: Option<SigningAlg>,
}

/// The token side of the service: the console service plus the keys, parsed once.
#[derive(Clone)]
pub struct AuthorizationServer {
    pub(super) service: ConsoleService,
    config: Arc<AuthorizationConfig>,
    /// Replaced whole by a rotation; readers clone the `Arc` and never wait on a writer for long.
    keys: Arc<RwLock<Arc<KeyRing>>>,
}

/// A requested `audience` longer than this is refused.
const AUDIENCE_MAX_CHARS: usize = 2048;

impl AuthorizationServer {
    /// Loads the signing keys, generating one of the configured algorithm when there is none or
    /// the signing key is of another algorithm.
    pub async fn start(
        service: ConsoleService,
        config: AuthorizationConfig,
    ) -> Result<AuthorizationServer, ServiceError> {
        let records = service.signing_keys(config.signing_alg).await?;
        let ring = KeyRing::new(&records, service.clock.now())?;
        Ok(AuthorizationServer {
            service,
            config: Arc::new(config),
            keys: Arc::new(RwLock::new(Arc::new(ring))),
        })
    }

    pub fn service(&self) -> &ConsoleService {
        &self.service
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    fn key_ring(&self) -> Arc<KeyRing> {
        // A poisoned lock means a rotation panicked before storing its ring; the last ring is
        // still whole.
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The `kid` of the key that signs new tokens.
    pub fn signing_kid(&self) -> String {
        self.key_ring().signing_kid().to_owned()
    }

    /// The published keys, the signing one first.
    pub fn jwks(&self) -> JwkSet {
        self.key_ring().jwks.clone()
    }

    /// The algorithms of the published keys, the signing one's first: what ID tokens (and
    /// access tokens) may be signed with.
    pub fn signing_algs(&self) -> Vec<&'static str> {
        let mut algs: Vec<&'static str> = Vec::new();
        for key in &self.key_ring().jwks.keys {
            if !algs.contains(&key.alg) {
                algs.push(key.alg);
            }
        }
        algs
    }

    /// An HMAC tag of `message` for the sign-in and consent forms (their CSRF tokens).
    pub fn form_tag(&self, message: &[u8]) -> String {
        self.key_ring().form_tag(message)
    }

    /// Whether `tag` is this server's [`AuthorizationServer::form_tag`] of `message`.
    pub fn form_tag_matches(&self, message: &[u8], tag: &str) -> bool {
        self.key_ring().form_tag_matches(message, tag)
    }

    /// The failure limiter of this server's sign-ins and client authentications: its keys hashed
    /// under this server's signing keys, its counts shared through the store when it is shared.
    pub fn failure_limiter(&self, config: super::LimiterConfig) -> super::FailureLimiter {
        super::FailureLimiter::new(
            config,
            self.service.clock.clone(),
            self.keys.clone(),
            self.service.shared.clone(),
        )
    }

    /// Rotates the signing key and starts signing with the new one at once.
    pub async fn rotate_signing_key(&self, alg: SigningAlg) -> Result<String, ServiceError> {
        let new = self.service.rotate_signing_key(alg).await?;
        self.reload_keys().await?;
        Ok(new.kid)
    }

    /// Reads the keys from the store again: after a rotation here, or one made by another
    /// process over the same database.
    pub async fn reload_keys(&self) -> Result<(), ServiceError> {
        let records = self.service.store.signing_keys().await?;
        let ring = Arc::new(KeyRing::new(&records, self.service.clock.now())?);
        *self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = ring;
        Ok(())
    }

    /// `POST /v2/token`: authenticates the client and issues an access token for its grant,
    /// counted under the grant type and the outcome.
    pub async fn issue_token(&self, request: TokenRequest) -> Result<IssuedToken, TokenError> {
        let grant = Metrics::grant_label(&request.grant_type);
        let issued = self.issue_token_uncounted(request).await;
        let outcome = match &issued {
            Ok(_) => "issued",
            Err(error) => error.code(),
        };
        self.service.metrics.token(grant, outcome);
        issued
    }

    async fn issue_token_uncounted(
        &self,
        request: TokenRequest,
    ) -> Result<IssuedToken, TokenError> {
        let grant = match request.grant_type.as_str() {
            "client_credentials" => GrantType::ClientCredentials,
            "authorization_code" | "refresh_token" => GrantType::AuthorizationCode,
            "" => return Err(TokenError::InvalidRequest("grant_type is required".into())),
            other => {
                return Err(TokenError::UnsupportedGrantType(format!(
                    "grant_type '{other}' is not supported: use client_credentials, authorization_code or refresh_token"
                )));
            }
        };
        let app = self
            .service
            .authenticate_client(&request.client_id, &request.client_secret)
            .await?;
        if app.grant_type != grant {
            return Err(TokenError::UnauthorizedClient(format!(
                "app {} uses the {} grant type; grant_type '{}' is not allowed for it",
                app.sid,
                app.grant_type.slug(),
                request.grant_type
            )));
        }
        if grant == GrantType::AuthorizationCode {
            return self.issue_for_authorization(&app, request).await;
        }
        let scope = granted_scope(&app, request.scope.as_deref())?;
        let audience = match request.audience {
            Some(audience) => validate_audience(audience, &self.config)?,
            None => self.config.default_audience.clone(),
        };
        self.sign_access(&app, scope, audience, None)
    }

    /// The authorization-code and refresh-token grants: the service decides what the code or
    /// refresh token grants (and revokes on a replay); this mints the tokens.
    async fn issue_for_authorization(
        &self,
        app: &OAuthApp,
        request: TokenRequest,
    ) -> Result<IssuedToken, TokenError> {
        let required = |value: &Option<String>, field: &str| {
            value.clone().filter(|v| !v.is_empty()).ok_or_else(|| {
                TokenError::InvalidRequest(format!(
                    "{field} is required for grant_type {}",
                    request.grant_type
                ))
            })
        };
        let grant = if request.grant_type == "refresh_token" {
            let token = required(&request.refresh_token, "refresh_token")?;
            self.service
                .refresh(app, &token, request.scope.as_deref())
                .await?
        } else {
            let code = required(&request.code, "code")?;
            self.service
                .exchange_code(
                    app,
                    &code,
                    request.redirect_uri.as_deref(),
                    request.code_verifier.as_deref(),
                )
                .await?
        };
        let audience = match request.audience {
            Some(audience) => validate_audience(audience, &self.config)?,
            None => self.config.default_audience.clone(),
        };
        let mut issued = self.sign_access(
            app,
            grant.scopes.join(" "),
            audience,
            Some(grant.authorization.sid.to_string()),
        )?;
        issued.refresh_token = grant.refresh_token.as_ref().map(|t| t.expose().to_owned());
        // On a refresh too, while `openid` is granted (OpenID Connect Core §12.2).
        if grant.scopes.iter().any(|s| s == scopes::OPENID) {
            issued.id_token = Some(self.sign_id_token(app, &grant, &issued.access_token)?);
        }
        Ok(issued)
    }

    /// The ID token of a grant with `openid`, signed by the key that signs access tokens.
    fn sign_id_token(
        &self,
        app: &OAuthApp,
        grant: &super::Grant,
        access_token: &str,
    ) -> Result<String, TokenError> {
        let now = self.service.clock.now();
        let with_profile = grant.scopes.iter().any(|s| s == scopes::PROFILE);
        let claims = IdClaims {
            iss: self.config.issuer.clone(),
            sub: grant.user.sid.to_string(),
            aud: app.sid.to_string(),
            azp: app.sid.to_string(),
            iat: now.unix_seconds(),
            exp: now.plus(app.settings.token_ttl).unix_seconds(),
            auth_time: grant.auth_time.map(Timestamp::unix_seconds),
            nonce: grant.nonce.clone(),
            at_hash: access_token_hash(access_token),
            preferred_username: with_profile.then(|| grant.user.username.clone()),
        };
        Ok(self.key_ring().signer.sign_id_token(&claims)?)
    }

    fn sign_access(
        &self,
        app: &OAuthApp,
        scope: String,
        audience: String,
        authorization: Option<String>,
    ) -> Result<IssuedToken, TokenError> {
        let now = self.service.clock.now();
        let ttl = app.settings.token_ttl;
        let mut jti = [0; 16];
        self.service.entropy.fill(&mut jti);
        let claims = AccessClaims {
            iss: self.config.issuer.clone(),
            sub: app.owner.to_string(),
            aud: audience,
            client_id: app.sid.to_string(),
            scope,
            iat: now.unix_seconds(),
            exp: now.plus(ttl).unix_seconds(),
            jti: hex::encode(jti),
            authorization,
        };
        let access_token = self.key_ring().signer.sign(&claims)?;
        Ok(IssuedToken {
            access_token,
            expires_in: ttl.0,
            scope: claims.scope,
            refresh_token: None,
            id_token: None,
        })
    }

    /// The claims of a token this server signed with a published key, expired or not. An ES256
    /// signature must have a low `s` (see `keys::is_canonical_es256`): the token `(r, n − s)`
    /// made from one of ours verifies mathematically but is not ours.
    fn verified_claims(&self, token: &str) -> Option<AccessClaims> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.typ.as_deref() != Some("at+jwt") {
            return None;
        }
        let ring = self.key_ring();
        let (algorithm, key) = ring.verifiers.get(header.kid.as_deref()?)?;
        if *algorithm == jsonwebtoken::Algorithm::ES256 {
            let (_, signature) = token.rsplit_once('.')?;
            if !super::keys::is_canonical_es256(signature) {
                return None;
            }
        }
        let mut validation = jsonwebtoken::Validation::new(*algorithm);
        // Expiry is judged by the service's clock below, so that tests can move it.
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["iss", "sub", "aud"]);
        validation.set_issuer(&[&self.config.issuer]);
        jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
            .ok()
            .map(|data| data.claims)
    }

    /// The claims of `token` if it is active: ours, unexpired, its app still there, and not
    /// revoked; its scope narrowed to those its app still holds (none left: not active).
    async fn active_claims(&self, token: &str) -> Result<Option<AccessClaims>, ServiceError> {
        let Some(claims) = self.verified_claims(token) else {
            return Ok(None);
        };
        if Timestamp(claims.exp.saturating_mul(1000)) <= self.service.clock.now() {
            return Ok(None);
        }
        let Ok(app) = claims.client_id.parse() else {
            return Ok(None);
        };
        let Some(app) = self.service.client_app(&app).await? else {
            return Ok(None);
        };
        if self.service.store.is_token_revoked(&claims.jti).await? {
            return Ok(None);
        }
        // A scope removed from the app is gone from its tokens too: what the token still grants
        // is what the app holds now, read from the client cache like client authentication.
        let scope = scopes::still_granted(claims.scopes(), &app.settings.scopes).join(" ");
        if scope.is_empty() {
            return Ok(None);
        }
        let mut claims = claims;
        claims.scope = scope;
        if let Some(authorization) = &claims.authorization {
            let live = match authorization.parse() {
                Ok(sid) => self.service.authorization_is_active(&sid).await?,
                Err(_) => false,
            };
            if !live {
                return Ok(None);
            }
        }
        Ok(Some(claims))
    }

    /// `GET /v2/userinfo` (OpenID Connect Core §5.3): the person behind an active access token
    /// granted `openid`, with their username when `profile` was granted too.
    pub async fn userinfo(&self, token: &str) -> Result<UserInfoAnswer, ServiceError> {
        let Some(claims) = self.active_claims(token).await? else {
            return Ok(UserInfoAnswer::InvalidToken);
        };
        let Some(Ok(sid)) = claims.authorization.as_deref().map(str::parse) else {
            return Ok(UserInfoAnswer::InvalidToken);
        };
        let Some(authorization) = self.service.store.authorization(&sid).await? else {
            return Ok(UserInfoAnswer::InvalidToken);
        };
        if !claims.scopes().any(|s| s == scopes::OPENID) {
            return Ok(UserInfoAnswer::InsufficientScope);
        }
        let with_profile = claims.scopes().any(|s| s == scopes::PROFILE);
        Ok(UserInfoAnswer::Found(UserInfo {
            sub: authorization.user.sid.to_string(),
            preferred_username: with_profile.then_some(authorization.user.username),
        }))
    }

    /// `POST /v2/introspect` (RFC 7662). The caller authenticates as a client and learns about
    /// tokens of its own owner only; any other token is simply inactive.
    pub async fn introspect(
        &self,
        client_id: &str,
        client_secret: &str,
        token: &str,
    ) -> Result<Introspection, TokenError> {
        let caller = self
            .service
            .authenticate_client(client_id, client_secret)
            .await?;
        Ok(match self.active_claims(token).await? {
            Some(claims) if claims.sub == caller.owner.as_str() => Introspection::Active(claims),
            _ => Introspection::Inactive,
        })
    }

    /// `POST /v2/revoke` (RFC 7009). A client revokes its own tokens: an access token by its
    /// `jti`, a refresh token with the authorization it belongs to, which ends every access token
    /// issued under it (§2.1). Any other token, unknown or of another client, is left alone and
    /// answered the same way, so that nothing is learnt.
    pub async fn revoke(
        &self,
        client_id: &str,
        client_secret: &str,
        token: &str,
    ) -> Result<(), TokenError> {
        let caller = self
            .service
            .authenticate_client(client_id, client_secret)
            .await?;
        let Some(claims) = self.verified_claims(token) else {
            // Not an access token of ours: perhaps a refresh token (RFC 7009 §2.1).
            self.service.revoke_refresh_token(&caller, token).await?;
            return Ok(());
        };
        let expires_at = Timestamp(claims.exp.saturating_mul(1000));
        if claims.client_id != caller.sid.as_str() || expires_at <= self.service.clock.now() {
            return Ok(());
        }
        self.service
            .commit(vec![Write::RevokeToken {
                jti: claims.jti,
                expires_at,
            }])
            .await
            .map_err(ServiceError::from)?;
        Ok(())
    }

    /// Whether `token` may call `method url`: one of its scopes must open that endpoint in the
    /// catalog, and every owner the URL names must be the token's own, so that an account's token
    /// is refused for its subaccounts' URLs.
    pub async fn check_permission(
        &self,
        token: &str,
        method: &str,
        url: &str,
    ) -> Result<PermissionDecision, ServiceError> {
        let Some(claims) = self.active_claims(token).await? else {
            return Ok(PermissionDecision::InvalidToken);
        };
        if let Some(why) = scopes::ambiguous_path(url) {
            return Ok(PermissionDecision::Denied(why.to_owned()));
        }
        let scopes: Vec<&str> = claims.scopes().collect();
        let Some(matched) = scopes::catalog().authorize(&scopes, method, url) else {
            return Ok(PermissionDecision::Denied(format!(
                "no scope of this token allows {} {url}",
                method.to_ascii_uppercase()
            )));
        };
        let names_an_owner = |(name, _): &&(&str, &str)| {
            *name == "AccountSid" || (*name == "Sid" && matched.pattern.contains("/Accounts/{Sid}"))
        };
        if let Some((_, owner)) = matched
            .params
            .iter()
            .find(names_an_owner)
            .filter(|(_, owner)| *owner != claims.sub)
        {
            return Ok(PermissionDecision::Denied(format!(
                "the URL acts for {owner}; this token acts for {} only (a subaccount needs its own app)",
                claims.sub
            )));
        }
        Ok(PermissionDecision::Allowed {
            permission: matched.permission,
            claims,
        })
    }
}

/// The scopes asked for, each one the app's (`invalid_scope` otherwise), or all of the app's.
fn granted_scope(app: &OAuthApp, requested: Option<&str>) -> Result<String, TokenError> {
    let Some(requested) = requested else {
        return Ok(app.settings.scopes.join(" "));
    };
    let mut granted: Vec<&str> = Vec::new();
    for scope in requested.split_ascii_whitespace() {
        if !app.settings.scopes.iter().any(|s| s == scope) {
            return Err(TokenError::InvalidScope(format!(
                "scope '{scope}' is not one of the {} scopes of app {}; ask for a subset of them or leave scope out",
                app.settings.scopes.len(),
                app.sid
            )));
        }
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    if granted.is_empty() {
        return Err(TokenError::InvalidScope(
            "scope is empty; name at least one of the app's scopes, or leave scope out for all of them".into(),
        ));
    }
    Ok(granted.join(" "))
}

/// `at_hash`: the left half of the SHA-256 of the access token's ASCII, base64url. SHA-256 is the
/// hash of both algorithms this server signs with (ES256, RS256).
fn access_token_hash(access_token: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// A requested `audience` must be a resource server this server issues tokens for: its default
/// audience, itself, or one of the APIs of the scope catalog (`https://api.twilio.com`, …),
/// exactly. A token for any other audience would be honoured by nothing this server answers for,
/// and could be replayed at a service that trusts this issuer for another purpose.
fn validate_audience(audience: String, config: &AuthorizationConfig) -> Result<String, TokenError> {
    let chars = audience.chars().count();
    if audience.trim().is_empty() || chars > AUDIENCE_MAX_CHARS {
        return Err(TokenError::InvalidRequest(format!(
            "audience must be 1 to {AUDIENCE_MAX_CHARS} characters; {chars} were given"
        )));
    }
    let served = audience == config.default_audience
        || audience == config.issuer
        || scopes::catalog().has_origin(&audience);
    if !served {
        let own = if config.default_audience == config.issuer {
            config.issuer.clone()
        } else {
            format!("{}, {}", config.default_audience, config.issuer)
        };
        return Err(TokenError::InvalidTarget(format!(
            "audience '{audience}' is not served here: use {own} or an API of the scope catalog such as https://api.twilio.com (scheme and host only)"
        )));
    }
    Ok(audience)
}

impl From<super::GrantError> for TokenError {
    fn from(error: super::GrantError) -> TokenError {
        match error {
            super::GrantError::InvalidGrant(why) => TokenError::InvalidGrant(why),
            super::GrantError::InvalidScope(why) => TokenError::InvalidScope(why),
            super::GrantError::UnauthorizedClient(why) => TokenError::UnauthorizedClient(why),
            super::GrantError::Service(error) => TokenError::Service(error),
        }
    }
}
