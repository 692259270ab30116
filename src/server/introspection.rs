//! `POST /v2/introspect` (RFC 7662) and `POST /v2/revoke` (RFC 7009). Both take the token in a
//! form and a client authentication like the token endpoint's.

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
use crate::service::{AuthorizationServer, Introspection};

/// RFC 7662's answer. An inactive token gets `{"active": false}` and nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntrospectionJson {
    pub active: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub token: Option<ActiveTokenJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveTokenJson {
    pub scope: String,
    pub client_id: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    pub exp: i64,
    pub iat: i64,
    /// The owner SID the token acts for.
    pub sub: String,
    pub aud: String,
    pub iss: String,
    pub jti: String,
}

/// The form of both endpoints.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the form in the OpenAPI document; the handlers read OAuthForm"
)]
struct TokenForm {
    token: String,
    /// `access_token`; accepted and not needed.
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(introspect))
        .routes(routes!(revoke))
}

/// Tell whether an access token is active
#[utoipa::path(
    post,
    path = "/v2/introspect",
    tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "Active with its claims, or only `active: false`", body = IntrospectionJson),
        (status = 400, description = "invalid_request", body = OAuthErrorJson),
        (status = 401, description = "invalid_client", body = OAuthErrorJson),
        (status = 429, description = "Too many failed client authentications", body = OAuthErrorJson),
    )
)]
async fn introspect(
    State(auth): State<AuthorizationServer>,
    State(limiter): State<Arc<FailureLimiter>>,
    form: OAuthForm,
) -> Result<Json<IntrospectionJson>, OAuthError> {
    let token = form.require("token")?;
    let client = form.client()?;
    let call = auth.introspect(&client.client_id, &client.client_secret, token);
    let token = match client.limited(&limiter, call).await? {
        Introspection::Inactive => None,
        Introspection::Active(claims) => Some(ActiveTokenJson {
            scope: claims.scope,
            client_id: claims.client_id,
            token_type: "Bearer",
            exp: claims.exp,
            iat: claims.iat,
            sub: claims.sub,
            aud: claims.aud,
            iss: claims.iss,
            jti: claims.jti,
        }),
    };
    Ok(Json(IntrospectionJson {
        active: token.is_some(),
        token,
    }))
}

/// Revoke an access token
#[utoipa::path(
    post,
    path = "/v2/revoke",
    tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "Revoked, or not a token of this client (RFC 7009 answers the same)"),
        (status = 400, description = "invalid_request", body = OAuthErrorJson),
        (status = 401, description = "invalid_client", body = OAuthErrorJson),
        (status = 429, description = "Too many failed client authentications", body = OAuthErrorJson),
    )
)]
async fn revoke(
    State(auth): State<AuthorizationServer>,
    State(limiter): State<Arc<FailureLimiter>>,
    form: OAuthForm,
) -> Result<(), OAuthError> {
    let token = form.require("token")?;
    let client = form.client()?;
    let call = auth.revoke(&client.client_id, &client.client_secret, token);
    client.limited(&limiter, call).await
}
