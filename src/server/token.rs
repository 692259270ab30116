//! `POST /v2/token`: Twilio's token endpoint, for the client-credentials, authorization-code and
//! refresh-token grants.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::errors::{OAuthError, OAuthErrorJson};
use super::oauth_form::OAuthForm;
use crate::service::FailureLimiter;
use crate::service::{AuthorizationServer, TokenRequest};

/// A successful token response, as Twilio writes it, plus the granted `scope`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenJson {
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u32,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// The next refresh token, when `offline_access` was granted; each use returns a new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When `openid` was granted (code exchange and refresh): the OpenID Connect ID token, a JWT
    /// naming the person who authorized, signed by a key of the JWKS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// The form fields of a token request (`application/x-www-form-urlencoded`).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the form in the OpenAPI document; the handler reads OAuthForm, which also refuses repeated parameters"
)]
struct TokenForm {
    /// `client_credentials`, `authorization_code` or `refresh_token`.
    grant_type: String,
    /// The app's client ID, unless sent with HTTP Basic.
    client_id: Option<String>,
    client_secret: Option<String>,
    /// Space-separated subset of the app's scopes; all of them when left out.
    scope: Option<String>,
    /// The `aud` of the token; the server's default audience when left out.
    audience: Option<String>,
    /// The authorization code (grant_type `authorization_code`).
    code: Option<String>,
    /// The redirect URL the code was requested with.
    redirect_uri: Option<String>,
    /// The PKCE verifier, when the authorization request had a `code_challenge`.
    code_verifier: Option<String>,
    /// The refresh token (grant_type `refresh_token`).
    refresh_token: Option<String>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(token))
}

/// Issue an access token
#[utoipa::path(
    post,
    path = "/v2/token",
    tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "An access token (a JWT signed with a key of the JWKS)", body = TokenJson),
        (status = 400, description = "RFC 6749 §5.2 error", body = OAuthErrorJson),
        (status = 401, description = "invalid_client", body = OAuthErrorJson),
        (status = 429, description = "Too many failed client authentications", body = OAuthErrorJson),
    )
)]
async fn token(
    State(auth): State<AuthorizationServer>,
    State(limiter): State<Arc<FailureLimiter>>,
    form: OAuthForm,
) -> Result<Json<TokenJson>, OAuthError> {
    let grant_type = form.require("grant_type")?.to_owned();
    let client = form.client()?;
    let request = TokenRequest {
        grant_type,
        client_id: client.client_id.clone(),
        client_secret: client.client_secret.clone(),
        scope: form.get("scope").map(str::to_owned),
        audience: form.get("audience").map(str::to_owned),
        code: form.get("code").map(str::to_owned),
        redirect_uri: form.get("redirect_uri").map(str::to_owned),
        code_verifier: form.get("code_verifier").map(str::to_owned),
        refresh_token: form.get("refresh_token").map(str::to_owned),
    };
    let issued = client.limited(&limiter, auth.issue_token(request)).await?;
    Ok(Json(TokenJson {
        access_token: issued.access_token,
        token_type: "bearer",
        expires_in: issued.expires_in,
        scope: issued.scope,
        refresh_token: issued.refresh_token,
        id_token: issued.id_token,
    }))
}
