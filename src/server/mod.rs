//! The HTTP server: `oauth-console serve`. Adapters only — each area's handlers read a request,
//! call one service method and write the answer; [`errors`] is the one mapping from the
//! service's errors to HTTP.
//!
//! - [`authorize`]: the authorization-code flow's sign-in and consent pages, and userinfo.
//! - [`token`]: `POST /v2/token`.
//! - [`introspection`]: `POST /v2/introspect` and `POST /v2/revoke`.
//! - [`permissions`]: `POST /v2/permissions/check`.
//! - [`well_known`]: the JWKS and the authorization-server metadata.
//! - [`management`]: the JSON management API under `/v1/`, and its OpenAPI document.
//!
//! Every route is registered through utoipa's router, so `/v1/openapi.json` lists exactly the
//! routes served.

mod authorize;
mod errors;
mod introspection;
mod limiter;
mod management;
mod oauth_form;
mod permissions;
mod token;
mod well_known;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use limiter::LimiterConfig;

use crate::service::AuthorizationServer;
use limiter::FailureLimiter;

/// How the server behaves at its edge; the defaults suit a real deployment.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The longest a request may take, reading included; a slower one answers 408.
    pub request_timeout: Duration,
    /// The largest request body accepted.
    pub body_limit: usize,
    pub limiter: LimiterConfig,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            request_timeout: Duration::from_secs(10),
            body_limit: 64 * 1024,
            limiter: LimiterConfig::default(),
        }
    }
}

/// What every handler may take a part of, through `State` and [`FromRef`].
#[derive(Clone)]
pub struct AppState {
    auth: AuthorizationServer,
    limiter: Arc<FailureLimiter>,
}

impl AppState {
    pub fn new(auth: AuthorizationServer, config: &ServerConfig) -> AppState {
        let clock = auth.service().clock();
        AppState {
            limiter: Arc::new(FailureLimiter::new(config.limiter, clock)),
            auth,
        }
    }
}

impl FromRef<AppState> for AuthorizationServer {
    fn from_ref(state: &AppState) -> AuthorizationServer {
        state.auth.clone()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "oauth-console",
        description = "A Twilio-compatible OAuth 2.0 authorization server and the management API of its apps"
    ),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// The ways a caller authenticates: a client's HTTP Basic credentials, a session token for
/// `/v1/`, an access token for the permission check.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |format: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(format)
                    .build(),
            )
        };
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
        components.add_security_scheme("session", bearer("session token from POST /v1/sessions"));
        components.add_security_scheme("access_token", bearer("JWT"));
    }
}

/// The whole application: every route, with no-store on everything but the public metadata,
/// bounded bodies, timeouts and request tracing.
pub fn router(state: AppState, config: &ServerConfig) -> Router {
    let no_store = |router: OpenApiRouter<AppState>| {
        router
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::PRAGMA,
                HeaderValue::from_static("no-cache"),
            ))
    };
    let private = OpenApiRouter::new()
        .merge(authorize::routes())
        .merge(token::routes())
        .merge(introspection::routes())
        .merge(permissions::routes())
        .merge(management::routes());
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(no_store(private))
        .merge(well_known::routes())
        .routes(routes!(openapi_json))
        .split_for_parts();
    router
        .layer(Extension(Arc::new(openapi)))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(RequestBodyTimeoutLayer::new(config.request_timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(
            // Method and path only: a query string or a header could carry a credential.
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
            }),
        )
        .with_state(state)
}

/// This API's OpenAPI 3.1 document
#[utoipa::path(get, path = "/v1/openapi.json", tag = "metadata",
    responses((status = 200, description = "The OpenAPI document of every route", content_type = "application/json")))]
async fn openapi_json(Extension(openapi): Extension<Arc<utoipa::openapi::OpenApi>>) -> Response {
    Json(openapi.as_ref()).into_response()
}

/// Serves until `shutdown` completes, then stops taking connections and lets requests in
/// flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
