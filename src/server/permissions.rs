//! `POST /v2/permissions/check`: may the bearer token call METHOD URL? Answered from the scope
//! catalog, with the owner in the URL checked against the token's.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::credentials::bearer_token;
use super::errors::{ApiError, ApiErrorJson};
use super::management::JsonBody;
use crate::service::{AuthorizationServer, PermissionDecision};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PermissionCheckJson {
    /// GET, POST, PUT, PATCH or DELETE.
    pub method: String,
    /// The full URL of the call, e.g.
    /// `https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json`.
    pub url: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PermissionAnswerJson {
    pub allowed: bool,
    /// The token's scope that allows the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The owner the token acts for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_sid: Option<String>,
    /// Why the call is refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(check))
}

/// Check whether an access token may call an endpoint
#[utoipa::path(
    post,
    path = "/v2/permissions/check",
    tag = "oauth",
    request_body = PermissionCheckJson,
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The token may make the call", body = PermissionAnswerJson),
        (status = 403, description = "The token is active but may not make the call", body = PermissionAnswerJson),
        (status = 401, description = "No token, or one that is not active", body = ApiErrorJson),
    )
)]
async fn check(
    State(auth): State<AuthorizationServer>,
    headers: HeaderMap,
    JsonBody(call): JsonBody<PermissionCheckJson>,
) -> Result<Response, ApiError> {
    let token = bearer_token(&headers)
        .map_err(|error| ApiError::BadRequest(error.to_string()))?
        .unwrap_or_default();
    let decision = auth
        .check_permission(token, &call.method, &call.url)
        .await?;
    Ok(match decision {
        PermissionDecision::Allowed { permission, claims } => Json(PermissionAnswerJson {
            allowed: true,
            permission: Some(permission.to_owned()),
            client_id: Some(claims.client_id),
            owner_sid: Some(claims.sub),
            reason: None,
        })
        .into_response(),
        PermissionDecision::Denied(reason) => {
            let answer = PermissionAnswerJson {
                allowed: false,
                permission: None,
                client_id: None,
                owner_sid: None,
                reason: Some(reason),
            };
            (StatusCode::FORBIDDEN, Json(answer)).into_response()
        }
        PermissionDecision::InvalidToken => ApiError::InvalidToken(
            "the access token is missing, expired, revoked, or not one this server issued".into(),
        )
        .into_response(),
    })
}
