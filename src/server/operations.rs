//! What a load balancer and a monitoring system ask of a server: `GET /healthz` (the process is
//! up), `GET /readyz` (it should be sent requests: the store answers and it is not draining) and
//! `GET /metrics` (Prometheus's text format).
//!
//! `/metrics` says how busy the server is and what fails, which is no one's business outside the
//! operators: on the main listener it answers only a loopback peer (a scraper on the machine
//! itself), and with `serve --metrics-listen ADDR` it is served only on that address, with
//! `/healthz` and `/readyz` beside it ([`operations_router`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, FromRef, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::errors::{MetricsRefused, NotReady};
use crate::metrics::{CONTENT_TYPE, Metrics};
use crate::service::AuthorizationServer;

/// How long `/readyz` waits for the store before it answers that the store does not answer.
const STORE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether this server still takes new work; once draining, it never does again.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// From now on `/readyz` answers 503, so that load balancers stop sending requests here.
    pub fn drain(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Where `/metrics` is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAccess {
    /// On the main listener, to loopback peers only.
    Loopback,
    /// Only on a listener of its own (`--metrics-listen`); the main one answers 404.
    OwnListener,
}

impl FromRef<AppState> for Readiness {
    fn from_ref(state: &AppState) -> Readiness {
        state.readiness.clone()
    }
}

impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(state: &AppState) -> Arc<Metrics> {
        state.metrics.clone()
    }
}

impl FromRef<AppState> for MetricsAccess {
    fn from_ref(state: &AppState) -> MetricsAccess {
        state.metrics_access
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// The routes of `--metrics-listen`: the same three, `/metrics` open to whoever reaches it.
pub(super) fn operations_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .route("/metrics", axum::routing::get(encoded_metrics))
        .with_state(state)
}

/// Whether the process is up
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up and answering", content_type = "text/plain", body = String)))]
async fn healthz() -> &'static str {
    "ok\n"
}

/// Whether to send this server requests
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "The store answers and the server is not shutting down", content_type = "text/plain", body = String),
        (status = 503, description = "Draining after SIGTERM, or the store does not answer; Retry-After says when to ask again", content_type = "text/plain", body = String),
    ))]
async fn readyz(
    State(readiness): State<Readiness>,
    State(auth): State<AuthorizationServer>,
) -> Result<&'static str, NotReady> {
    if readiness.is_draining() {
        return Err(NotReady::Draining);
    }
    match tokio::time::timeout(STORE_CHECK_TIMEOUT, auth.service().check_store()).await {
        Ok(Ok(())) => Ok("ready\n"),
        Ok(Err(error)) => Err(NotReady::Store(error)),
        Err(_) => Err(NotReady::StoreTimeout(STORE_CHECK_TIMEOUT)),
    }
}

/// The server's metrics, in the Prometheus text format
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Tokens by grant and outcome, request latency by route, store latency and errors, the client cache, sessions, authorizations and the sweeper's removals", content_type = "text/plain", body = String),
        (status = 403, description = "Asked from another machine: the main listener answers loopback peers only", content_type = "text/plain", body = String),
        (status = 404, description = "Served on --metrics-listen instead", content_type = "text/plain", body = String),
    ))]
async fn metrics(
    State(access): State<MetricsAccess>,
    State(metrics): State<Arc<Metrics>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Result<Response, MetricsRefused> {
    match access {
        MetricsAccess::OwnListener => Err(MetricsRefused::OnOwnListener),
        MetricsAccess::Loopback if !peer.ip().to_canonical().is_loopback() => {
            Err(MetricsRefused::NotLoopback)
        }
        MetricsAccess::Loopback => Ok(encoded_metrics(State(metrics)).await),
    }
}

async fn encoded_metrics(State(metrics): State<Arc<Metrics>>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.encode()).into_response()
}
