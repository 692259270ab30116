//! Public metadata: the JWKS that verifies tokens, and the authorization-server metadata of
//! RFC 8414 at both well-known paths and at Twilio's `/v2/oauth-authorization-server`. One
//! document serves both RFC 8414 and OpenID Connect Discovery 1.0 §3, whose REQUIRED fields
//! (`subject_types_supported`, `id_token_signing_alg_values_supported`, …) it carries.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::model::scopes;
use crate::service::AuthorizationServer;

/// RFC 8414 and OpenID Connect Discovery metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetadataJson {
    /// Exactly the issuer the server was started with, as in every token's `iss`.
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub introspection_endpoint: String,
    pub revocation_endpoint: String,
    pub grant_types_supported: Vec<&'static str>,
    pub response_types_supported: Vec<&'static str>,
    /// `query`: the code comes back in the redirect URL's query.
    pub response_modes_supported: Vec<&'static str>,
    /// `public`: an ID token's `sub` is the user's SID, the same for every client.
    pub subject_types_supported: Vec<&'static str>,
    /// The algorithms of the published keys, which sign ID tokens as they sign access tokens:
    /// ES256 unless the server was started with `--signing-alg RS256`.
    pub id_token_signing_alg_values_supported: Vec<&'static str>,
    /// The claims ID tokens and userinfo answers may carry.
    pub claims_supported: Vec<&'static str>,
    pub code_challenge_methods_supported: Vec<&'static str>,
    /// RFC 9207: authorization responses carry `iss`.
    pub authorization_response_iss_parameter_supported: bool,
    pub scopes_supported: Vec<&'static str>,
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    pub introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    pub revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    pub service_documentation: String,
}

/// A JWK Set (RFC 7517).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = JwkSetJson)]
pub struct JwkSetJson {
    /// The signing key first, then retired keys whose tokens may still be valid.
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<crate::service::Jwk>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(jwks))
        .routes(routes!(authorization_server))
        .routes(routes!(openid_configuration))
        .routes(routes!(twilio_metadata))
}

/// Public keys that verify access tokens
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "metadata",
    responses((status = 200, body = JwkSetJson)))]
async fn jwks(State(auth): State<AuthorizationServer>) -> impl IntoResponse {
    // Short enough that a rotation reaches relying parties quickly; they refetch on an
    // unknown kid anyway.
    let cache = [(header::CACHE_CONTROL, "public, max-age=300")];
    let keys = auth.jwks().keys;
    (cache, Json(JwkSetJson { keys }))
}

/// Authorization server metadata (RFC 8414)
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "metadata",
    responses((status = 200, body = MetadataJson)))]
async fn authorization_server(State(auth): State<AuthorizationServer>) -> Json<MetadataJson> {
    Json(metadata(&auth))
}

/// The same metadata where OpenID Connect clients look for it
#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "metadata",
    responses((status = 200, body = MetadataJson)))]
async fn openid_configuration(State(auth): State<AuthorizationServer>) -> Json<MetadataJson> {
    Json(metadata(&auth))
}

/// The same metadata where Twilio's helper libraries look for it
#[utoipa::path(get, path = "/v2/oauth-authorization-server", tag = "metadata",
    responses((status = 200, body = MetadataJson)))]
async fn twilio_metadata(State(auth): State<AuthorizationServer>) -> Json<MetadataJson> {
    Json(metadata(&auth))
}

fn metadata(auth: &AuthorizationServer) -> MetadataJson {
    let issuer = auth.issuer();
    let base = issuer.trim_end_matches('/');
    let client_auth = || vec!["client_secret_basic", "client_secret_post"];
    MetadataJson {
        issuer: issuer.to_owned(),
        authorization_endpoint: format!("{base}/v2/authorize"),
        token_endpoint: format!("{base}/v2/token"),
        userinfo_endpoint: format!("{base}/v2/userinfo"),
        jwks_uri: format!("{base}/.well-known/jwks.json"),
        introspection_endpoint: format!("{base}/v2/introspect"),
        revocation_endpoint: format!("{base}/v2/revoke"),
        grant_types_supported: vec!["client_credentials", "authorization_code", "refresh_token"],
        response_types_supported: vec!["code"],
        response_modes_supported: vec!["query"],
        subject_types_supported: vec!["public"],
        id_token_signing_alg_values_supported: auth.signing_algs(),
        claims_supported: vec![
            "iss",
            "sub",
            "aud",
            "azp",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "preferred_username",
        ],
        // `plain` would let anyone who sees the authorization request redeem the code.
        code_challenge_methods_supported: vec!["S256"],
        authorization_response_iss_parameter_supported: true,
        scopes_supported: scopes::PROTOCOL_SCOPES
            .iter()
            .map(|(name, _)| *name)
            .chain(scopes::catalog().permissions().iter().map(|p| p.name))
            .collect(),
        token_endpoint_auth_methods_supported: client_auth(),
        introspection_endpoint_auth_methods_supported: client_auth(),
        revocation_endpoint_auth_methods_supported: client_auth(),
        service_documentation: format!("{base}/v1/openapi.json"),
    }
}
