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
//! - [`operations`]: `/healthz`, `/readyz` and `/metrics`, for load balancers and monitoring.
//! - [`observe`]: every request's id, span, latency and access-log line.
//!
//! Every route is registered through utoipa's router, so `/v1/openapi.json` lists exactly the
//! routes served.

mod authorize;
mod connections;
mod credentials;
mod errors;
mod introspection;
mod management;
mod oauth_form;
mod observe;
mod operations;
mod permissions;
mod tls;
mod token;
mod well_known;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use crate::service::LimiterConfig;
pub use observe::{MAX_REQUEST_ID_LEN, REQUEST_ID};
pub use operations::{MetricsAccess, Readiness};
#[cfg(unix)]
pub use tls::reload_on_hangup;
pub use tls::{Tls, TlsError, TlsFiles};

use crate::metrics::Metrics;
use crate::service::{AuthorizationServer, FailureLimiter};

/// How long a server told to stop keeps serving with `/readyz` failing, for load balancers to
/// notice (a few of their health checks) before it stops taking connections.
pub const DEFAULT_DRAIN_DELAY: Duration = Duration::from_secs(5);

/// Below the 1,024 descriptors a process gets by default on Linux, leaving room for the store's.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 900;

/// How the server behaves at its edge; the defaults suit a real deployment.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The longest a request may take once its headers are in, body included; a slower one
    /// answers 408.
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers. axum's own `serve` sets no such
    /// limit, so a client trickling headers would hold its connection for ever; hyper enforces
    /// this one and closes the connection.
    pub header_read_timeout: Duration,
    /// How long a connection may go without a request in flight, whatever its protocol (a
    /// socket that sends nothing, a partial HTTP/2 preface, an idle keep-alive or h2c
    /// connection) before it is closed.
    pub idle_timeout: Duration,
    /// Connections open at once at most; past it the idle ones are closed to make room, and a
    /// newcomer that finds none is answered 503 with `Retry-After`.
    pub max_connections: usize,
    /// The largest request body accepted.
    pub body_limit: usize,
    pub limiter: LimiterConfig,
    /// `Some` for HTTPS (`serve --tls-cert`): every connection speaks TLS, none plain HTTP.
    pub tls: Option<Arc<Tls>>,
    /// Once told to stop, how long the server goes on serving with `/readyz` answering 503
    /// before it stops taking connections and lets the requests in flight finish.
    pub drain_delay: Duration,
    pub metrics_access: MetricsAccess,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            request_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: DEFAULT_MAX_CONNECTIONS as usize,
            body_limit: 64 * 1024,
            limiter: LimiterConfig::default(),
            tls: None,
            drain_delay: DEFAULT_DRAIN_DELAY,
            metrics_access: MetricsAccess::Loopback,
        }
    }
}

/// What every handler may take a part of, through `State` and [`FromRef`].
#[derive(Clone)]
pub struct AppState {
    auth: AuthorizationServer,
    limiter: Arc<FailureLimiter>,
    body_limit: BodyLimit,
    readiness: Readiness,
    metrics: Arc<Metrics>,
    metrics_access: MetricsAccess,
    /// The OpenAPI document, serialized once.
    openapi_json: Arc<str>,
}

impl AppState {
    pub fn new(auth: AuthorizationServer, config: &ServerConfig) -> AppState {
        let (_, openapi) = all_routes().split_for_parts();
        AppState {
            limiter: Arc::new(auth.failure_limiter(config.limiter)),
            body_limit: BodyLimit(config.body_limit),
            readiness: Readiness::default(),
            metrics: auth.service().metrics().clone(),
            metrics_access: config.metrics_access,
            auth,
            openapi_json: openapi
                .to_json()
                .unwrap_or_else(|error| format!(r#"{{"error":"{error}"}}"#))
                .into(),
        }
    }
}

/// [`ServerConfig::body_limit`], for the body extractors to name in a 413.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl FromRef<AppState> for BodyLimit {
    fn from_ref(state: &AppState) -> BodyLimit {
        state.body_limit
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

/// Every route, each registered with its OpenAPI description; no-store on everything but the
/// public metadata.
fn all_routes() -> OpenApiRouter<AppState> {
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
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(no_store(private))
        .merge(well_known::routes())
        .merge(no_store(operations::routes()))
        .routes(routes!(openapi_json))
}

/// The whole application: the routes with bounded bodies, a timeout, a request id, span,
/// metrics and access-log line for each request ([`observe`]) and `X-Content-Type-Options:
/// nosniff` on every answer.
fn router(state: AppState, config: &ServerConfig) -> Router {
    let (router, _) = all_routes().split_for_parts();
    let metrics = state.metrics.clone();
    router
        .layer(DefaultBodyLimit::max(config.body_limit))
        // The handler's future reads the body too, so this one timer bounds slow bodies as well.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        // Around the timeout, so that a 408 is counted and logged too. `Router::layer` wraps
        // each route (and the fallback) after routing, so the route's template is known.
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            observe::observe,
        ))
        // Outermost, so that every answer has it, a 404 or a timeout too: a browser must not
        // guess a JSON error or a JWKS into HTML or script.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(state)
}

/// This API's OpenAPI 3.1 document
#[utoipa::path(get, path = "/v1/openapi.json", tag = "metadata",
    responses((status = 200, description = "The OpenAPI document of every route", content_type = "application/json")))]
async fn openapi_json(State(state): State<AppState>) -> Response {
    let json = [(header::CONTENT_TYPE, "application/json")];
    (json, state.openapi_json.to_string()).into_response()
}

/// How long requests in flight get to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves until `shutdown` completes, then drains: `/readyz` answers 503 at once while requests
/// are still served for [`ServerConfig::drain_delay`], so that a load balancer stops sending
/// here before anything is refused; then it stops taking connections and lets requests in
/// flight finish (for up to [`SHUTDOWN_GRACE`]). Each request carries its peer's address as
/// `ConnectInfo`, for the failure limiter; [`connections`] bounds how many connections there are
/// and how long they may idle.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let readiness = state.readiness.clone();
    let drain_delay = config.drain_delay;
    let drained = async move {
        shutdown.await;
        readiness.drain();
        if !drain_delay.is_zero() {
            tracing::info!(
                "draining: /readyz answers 503 and requests are still served for {drain_delay:?}, then the server stops taking connections"
            );
            tokio::time::sleep(drain_delay).await;
        }
    };
    // Over a shared store: other servers' changes and failure counts, followed beside serving.
    let following = {
        let (auth, limiter) = (state.auth.clone(), state.limiter.clone());
        tokio::spawn(async move {
            tokio::join!(auth.follow_changes(), limiter.follow_refusals());
        })
    };
    let router = router(state, config);
    connections::accept_until(listener, router, config, drained, SHUTDOWN_GRACE).await;
    following.abort();
    Ok(())
}

/// Serves `/healthz`, `/readyz` and `/metrics` on a listener of their own (`--metrics-listen`),
/// for as long as the returned future is polled; its `/readyz` drains with the main server's,
/// since they share `state`.
pub async fn serve_operations(listener: TcpListener, state: AppState, config: &ServerConfig) {
    let router = operations::operations_router(state);
    connections::accept_until(
        listener,
        router,
        config,
        std::future::pending(),
        SHUTDOWN_GRACE,
    )
    .await;
}

/// A future that completes on Ctrl-C or, on Unix, SIGTERM. The signals are taken over here, when
/// this is called, not when the future is first polled: called before the server says it is
/// listening, a signal sent as soon as it says so is never lost between the handler's install
/// and the listener's registration (which left a SIGINT caught and ignored, the server running on).
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: draining, then finishing requests in flight");
    })
}
