//! The one mapping from the service's errors to HTTP.
//!
//! OAuth endpoints answer RFC 6749 §5.2 bodies (`error`, `error_description`); a 401 carries
//! `WWW-Authenticate: Basic`, as HTTP requires of every 401 and RFC 6749 of one after Basic
//! authentication. The management API answers Twilio's `{code, message, more_info, status}`.
//! Either way, a fault of the server answers "Something went wrong" and its text goes to the log
//! only.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::api::ApiErrorJson;
use crate::api::{ApiErrorCode, FieldErrorJson, NotFoundJson};
use crate::service::{ServiceError, TokenError, TooManyFailures};
use crate::store::StoreError;

const SOMETHING_WENT_WRONG: &str = "Something went wrong";

/// A request body over the server's limit: 413, in the shape of the route's other errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge {
    /// The limit in bytes (`ServerConfig::body_limit`).
    pub limit: usize,
}

impl BodyTooLarge {
    pub(super) fn message(self) -> String {
        format!(
            "the request body is larger than the {} bytes this server accepts",
            self.limit
        )
    }
}

/// An error body of RFC 6749 §5.2.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthErrorJson {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `invalid_target`, or `server_error`.
    pub error: &'static str,
    pub error_description: String,
}

/// An error of the token, introspection and revocation endpoints.
#[derive(Debug)]
pub enum OAuthError {
    Token(TokenError),
    TooManyFailures(TooManyFailures),
    BodyTooLarge(BodyTooLarge),
}

impl From<TokenError> for OAuthError {
    fn from(error: TokenError) -> OAuthError {
        OAuthError::Token(error)
    }
}

impl From<ServiceError> for OAuthError {
    fn from(error: ServiceError) -> OAuthError {
        OAuthError::Token(error.into())
    }
}

impl OAuthError {
    pub fn invalid_request(description: impl Into<String>) -> OAuthError {
        OAuthError::Token(TokenError::InvalidRequest(description.into()))
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let error = match self {
            OAuthError::TooManyFailures(limit) => {
                // RFC 6749 registers no code for this; `slow_down` (RFC 8628) is the registered
                // one that means "too many requests", and 429 with Retry-After says the rest.
                let body = OAuthErrorJson {
                    error: "slow_down",
                    error_description: limit.to_string(),
                };
                return with_retry_after(
                    (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response(),
                    limit.retry_after,
                );
            }
            OAuthError::BodyTooLarge(too_large) => {
                let body = OAuthErrorJson {
                    error: "invalid_request",
                    error_description: too_large.message(),
                };
                return (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response();
            }
            OAuthError::Token(error) => error,
        };
        let status = match &error {
            TokenError::InvalidClient => StatusCode::UNAUTHORIZED,
            TokenError::Service(fault) if store_unavailable(fault) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            TokenError::Service(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let description = match &error {
            TokenError::Service(fault) => {
                tracing::error!(error = %fault, "token endpoint failed");
                SOMETHING_WENT_WRONG.to_owned()
            }
            other => other.to_string(),
        };
        let body = OAuthErrorJson {
            error: error.code(),
            error_description: description,
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="oauth-console", charset="UTF-8""#),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return with_retry_after(response, STORE_RETRY_AFTER);
        }
        response
    }
}

/// An error of the management API (`/v1/…`).
#[derive(Debug)]
pub enum ApiError {
    Service(ServiceError),
    /// A request the service never saw: malformed JSON, a bad SID in the path, a bad header.
    BadRequest(String),
    TooManyFailures(TooManyFailures),
    /// A bearer access token that is not active (RFC 6750 `invalid_token`).
    InvalidToken(String),
    BodyTooLarge(BodyTooLarge),
    /// A change sent with `If-Match` naming a version that is no longer the current one
    /// (RFC 9110 §13.1.1).
    PreconditionFailed(String),
}

impl ApiError {
    /// The refusal of a change that was sent with `If-Match`: the service's "changed elsewhere"
    /// is then the failed precondition, 412; every other refusal is answered as usual.
    pub fn under_if_match(error: ServiceError) -> ApiError {
        match error {
            ServiceError::Conflict(message) => ApiError::PreconditionFailed(message),
            other => ApiError::Service(other),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        ApiError::Service(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut field_errors = Vec::new();
        let mut not_found = None;
        let (status, code, message) = match self {
            ApiError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest, message)
            }
            ApiError::InvalidToken(message) => {
                let mut response = api_error(
                    StatusCode::UNAUTHORIZED,
                    ApiErrorCode::Unauthenticated,
                    message,
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        r#"Bearer realm="oauth-console", error="invalid_token""#,
                    ),
                );
                return response;
            }
            ApiError::TooManyFailures(limit) => {
                let response = api_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    ApiErrorCode::TooManyRequests,
                    limit.to_string(),
                );
                return with_retry_after(response, limit.retry_after);
            }
            ApiError::BodyTooLarge(too_large) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiErrorCode::BodyTooLarge,
                too_large.message(),
            ),
            ApiError::PreconditionFailed(message) => (
                StatusCode::PRECONDITION_FAILED,
                ApiErrorCode::PreconditionFailed,
                message,
            ),
            ApiError::Service(error) => match error {
                ServiceError::Store(StoreError::Unavailable { .. }) => {
                    tracing::error!(error = %error, "management API request failed");
                    let response = api_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ApiErrorCode::Busy,
                        STORE_UNAVAILABLE.to_owned(),
                    );
                    return with_retry_after(response, STORE_RETRY_AFTER);
                }
                ServiceError::Overloaded { retry_after } => {
                    let response = api_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ApiErrorCode::Busy,
                        error.to_string(),
                    );
                    return with_retry_after(response, retry_after);
                }
                ServiceError::Invalid(ref invalid) => {
                    field_errors = invalid.0.iter().map(FieldErrorJson::from).collect();
                    (
                        StatusCode::BAD_REQUEST,
                        ApiErrorCode::BadRequest,
                        error.to_string(),
                    )
                }
                ServiceError::NotFound { what, ref id } => {
                    not_found = Some(NotFoundJson {
                        resource: what.to_owned(),
                        id: id.clone(),
                    });
                    (
                        StatusCode::NOT_FOUND,
                        ApiErrorCode::NotFound,
                        error.to_string(),
                    )
                }
                ServiceError::Forbidden(_) => (
                    StatusCode::FORBIDDEN,
                    ApiErrorCode::Forbidden,
                    error.to_string(),
                ),
                ServiceError::Conflict(_)
                | ServiceError::Store(crate::store::StoreError::Conflict { .. }) => (
                    StatusCode::CONFLICT,
                    ApiErrorCode::Conflict,
                    error.to_string(),
                ),
                ServiceError::BadCredentials
                | ServiceError::BadClient
                | ServiceError::NotSignedIn(_) => {
                    let mut response = api_error(
                        StatusCode::UNAUTHORIZED,
                        ApiErrorCode::Unauthenticated,
                        error.to_string(),
                    );
                    response.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static(r#"Bearer realm="oauth-console""#),
                    );
                    return response;
                }
                ServiceError::Store(_) | ServiceError::Crypto(_) => {
                    tracing::error!(error = %error, "management API request failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        ApiErrorCode::ServerFault,
                        SOMETHING_WENT_WRONG.to_owned(),
                    )
                }
            },
        };
        let mut body = error_body(status, code, message);
        body.errors = field_errors;
        body.not_found = not_found;
        (status, Json(body)).into_response()
    }
}

/// A service error as the sign-in and consent pages show it: a refusal in the service's words, a
/// fault of the server as a generic sentence (its text goes to the log only: a store path or a
/// key's state is nobody's business on a public page).
pub fn page_message(error: &ServiceError) -> (StatusCode, String) {
    match error {
        ServiceError::Invalid(_) | ServiceError::Conflict(_) => {
            (StatusCode::BAD_REQUEST, error.to_string())
        }
        ServiceError::NotFound { .. } => (StatusCode::NOT_FOUND, error.to_string()),
        ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, error.to_string()),
        ServiceError::Overloaded { .. } => (StatusCode::SERVICE_UNAVAILABLE, error.to_string()),
        ServiceError::Store(StoreError::Unavailable { .. }) => {
            tracing::error!(error = %error, "an authorization page failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                STORE_UNAVAILABLE.to_owned(),
            )
        }
        ServiceError::BadCredentials | ServiceError::BadClient | ServiceError::NotSignedIn(_) => {
            (StatusCode::UNAUTHORIZED, error.to_string())
        }
        ServiceError::Store(_) | ServiceError::Crypto(_) => {
            tracing::error!(error = %error, "an authorization page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{SOMETHING_WENT_WRONG} on our side; try again in a moment"),
            )
        }
    }
}

/// What a caller is told while the database does not answer: it is likely back within seconds
/// (a restart, a failover), and nothing was written.
const STORE_UNAVAILABLE: &str =
    "the server cannot reach its database at the moment; nothing was changed, try again shortly";
/// The `Retry-After` of a request refused while the database does not answer, in seconds.
const STORE_RETRY_AFTER: u32 = 1;

/// Whether the service failed only because the database did not answer for a moment.
fn store_unavailable(error: &ServiceError) -> bool {
    matches!(error, ServiceError::Store(StoreError::Unavailable { .. }))
}

fn error_body(status: StatusCode, code: ApiErrorCode, message: String) -> ApiErrorJson {
    let code = code.code();
    ApiErrorJson {
        code,
        message,
        more_info: format!("https://www.twilio.com/docs/errors/{code}"),
        status: status.as_u16(),
        errors: Vec::new(),
        not_found: None,
    }
}

fn api_error(status: StatusCode, code: ApiErrorCode, message: String) -> Response {
    let body = error_body(status, code, message);
    (status, Json(body)).into_response()
}

/// Why `/readyz` says not to send this server requests.
#[derive(Debug)]
pub enum NotReady {
    /// Shutting down after SIGTERM: requests in flight and the drain delay's still finish.
    Draining,
    Store(crate::store::StoreError),
    StoreTimeout(std::time::Duration),
}

impl IntoResponse for NotReady {
    /// 503 with `Retry-After`. The store's own words go to the log only: the balancer that asks
    /// may be reached by anyone, and the words may name paths or hosts.
    fn into_response(self) -> Response {
        let said = match self {
            NotReady::Draining => "draining: this server is shutting down\n",
            NotReady::Store(error) => {
                tracing::warn!(%error, "not ready: the store failed to answer");
                "not ready: the store does not answer\n"
            }
            NotReady::StoreTimeout(waited) => {
                tracing::warn!("not ready: the store did not answer within {waited:?}");
                "not ready: the store does not answer\n"
            }
        };
        with_retry_after((StatusCode::SERVICE_UNAVAILABLE, said).into_response(), 1)
    }
}

/// Why `/metrics` is not answered here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsRefused {
    /// The main listener answers `/metrics` to loopback peers only.
    NotLoopback,
    /// `--metrics-listen` serves it on another address.
    OnOwnListener,
}

impl IntoResponse for MetricsRefused {
    fn into_response(self) -> Response {
        match self {
            MetricsRefused::NotLoopback => (
                StatusCode::FORBIDDEN,
                "/metrics answers only this machine on this address; serve it elsewhere with --metrics-listen ADDR\n",
            )
                .into_response(),
            MetricsRefused::OnOwnListener => (
                StatusCode::NOT_FOUND,
                "/metrics is served on the --metrics-listen address\n",
            )
                .into_response(),
        }
    }
}

pub(super) fn with_retry_after(mut response: Response, seconds: u32) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_server_fault_never_shows_its_text() {
        let fault = || ServiceError::Crypto("the key file at /secret/path is damaged".into());
        for response in [
            ApiError::from(fault()).into_response(),
            OAuthError::from(fault()).into_response(),
        ] {
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            let body = body_text(response).await;
            assert!(body.contains(SOMETHING_WENT_WRONG), "{body}");
            assert!(!body.contains("/secret/path"), "{body}");
        }
    }

    #[tokio::test]
    async fn a_database_that_does_not_answer_is_503_with_retry_after_and_no_detail() {
        let down = || {
            ServiceError::Store(StoreError::Unavailable {
                database: "console@db.internal:5432/oauth".into(),
                detail: "connection refused".into(),
            })
        };
        for response in [
            ApiError::from(down()).into_response(),
            OAuthError::from(down()).into_response(),
        ] {
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers()[header::RETRY_AFTER], "1");
            let body = body_text(response).await;
            assert!(!body.contains("db.internal"), "{body}");
        }
        assert_eq!(page_message(&down()).0, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn the_openapi_document_lists_every_management_error_code_with_its_meaning() {
        let (_, openapi) = super::super::all_routes().split_for_parts();
        let document = serde_json::to_value(&openapi).unwrap();
        let code = &document["components"]["schemas"]["ApiErrorJson"]["properties"]["code"];
        let listed: Vec<u64> = code["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no enum at ApiErrorJson.code: {code}"))
            .iter()
            .filter_map(|c| c.as_u64())
            .collect();
        let all: Vec<u64> = ApiErrorCode::ALL
            .iter()
            .map(|c| u64::from(c.code()))
            .collect();
        assert_eq!(listed, all);
        let description = code["description"].as_str().unwrap();
        for error in ApiErrorCode::ALL {
            assert!(
                description.contains(&format!("{}: {}", error.code(), error.meaning())),
                "{description}"
            );
        }
    }

    #[test]
    fn a_store_or_key_fault_on_an_authorization_page_shows_no_internal_detail() {
        let faults = [
            ServiceError::Crypto("the key file at /secret/path is damaged".into()),
            ServiceError::Store(crate::store::StoreError::Corrupt(
                "record at /secret/path".into(),
            )),
        ];
        for fault in faults {
            let (status, message) = page_message(&fault);
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert!(message.starts_with(SOMETHING_WENT_WRONG), "{message}");
            assert!(!message.contains("/secret/path"), "{message}");
        }
        let refusal = ServiceError::Forbidden("dana is Billing of My organization".into());
        assert_eq!(
            page_message(&refusal).1,
            "dana is Billing of My organization"
        );
    }
}
