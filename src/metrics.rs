//! What a running server counts and times, for `GET /metrics` in the Prometheus text format.
//!
//! A leaf like [`model`](crate::model): every layer records into one [`Metrics`] (the store through
//! [`MeteredStore`](crate::store::MeteredStore), the service its grants, sessions, client cache and
//! sweeps, the server its requests), and none of them depends on another through it. Each
//! [`ConsoleService`](crate::service::ConsoleService) has its own, so servers in one process (the
//! tests') count apart.
//!
//! Every label takes its values from a closed set this code names, never from a request as sent:
//! a route is its template (`/v1/owners/{owner_sid}/apps`), an unknown method or grant type is
//! `other`, so that no client can grow the number of series.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of what [`Metrics::encode`] writes: Prometheus's text format 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Request latencies, in seconds: a cached client-credentials token takes well under a
/// millisecond, a sign-in (argon2) tens of milliseconds, and the request timeout is 10 s.
const REQUEST_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Store call latencies, in seconds: a sled read takes microseconds, a durable commit a flush.
const STORE_BUCKETS: [f64; 13] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

#[derive(Clone, Copy)]
struct Buckets(&'static [f64]);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(self.0.iter().copied())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    grant: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: Arc<str>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreErrorLabels {
    operation: &'static str,
    error: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

/// The grant types a token request is counted under; anything else is `other`.
const GRANTS: [&str; 3] = ["client_credentials", "authorization_code", "refresh_token"];

/// What happened to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEvent {
    /// A sign-in (management API or the authorization pages) started one.
    Started,
    /// A sign-in was refused: wrong username or password.
    Refused,
    /// Signed out.
    Ended,
}

impl SessionEvent {
    fn label(self) -> &'static str {
        match self {
            SessionEvent::Started => "started",
            SessionEvent::Refused => "refused",
            SessionEvent::Ended => "ended",
        }
    }
}

/// What happened to an authorization (a person's consent to an app).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationEvent {
    /// A person approved an app, making or widening an authorization.
    Approved,
    /// Revoked by an admin, or through its refresh token (RFC 7009).
    Revoked,
    /// Revoked because a spent code or refresh token came back: a replay.
    RevokedOnReplay,
}

impl AuthorizationEvent {
    fn label(self) -> &'static str {
        match self {
            AuthorizationEvent::Approved => "approved",
            AuthorizationEvent::Revoked => "revoked",
            AuthorizationEvent::RevokedOnReplay => "revoked_on_replay",
        }
    }
}

/// The measures of one server; see the module doc.
pub struct Metrics {
    registry: Registry,
    tokens: Family<TokenLabels, Counter>,
    requests: Family<RequestLabels, Histogram, Buckets>,
    store_calls: Family<OperationLabels, Histogram, Buckets>,
    store_errors: Family<StoreErrorLabels, Counter>,
    /// Resolved once: the client-credentials path counts one of them per token.
    cache_hits: Counter,
    cache_misses: Counter,
    notifications: Counter,
    notification_losses: Counter,
    sessions: Family<EventLabels, Counter>,
    authorizations: Family<EventLabels, Counter>,
    swept: Family<KindLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("oauth_console");
        let tokens = Family::default();
        registry.register(
            "tokens",
            "Token requests answered, by grant type and outcome (issued, or the RFC 6749 error code)",
            tokens.clone(),
        );
        let requests = Family::new_with_constructor(Buckets(&REQUEST_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's headers to its answer, by method, route template and status",
            requests.clone(),
        );
        let store_calls = Family::new_with_constructor(Buckets(&STORE_BUCKETS));
        registry.register(
            "store_operation_duration_seconds",
            "Time the store took to answer, by operation (commit, purge, or the record read)",
            store_calls.clone(),
        );
        let store_errors = Family::default();
        registry.register(
            "store_errors",
            "Store calls that failed, by operation and error (conflict: a concurrent writer won)",
            store_errors.clone(),
        );
        let client_cache: Family<ResultLabels, Counter> = Family::default();
        registry.register(
            "client_cache_lookups",
            "Apps looked up for client authentication, by result: hit (served from memory) or miss (read from the store)",
            client_cache.clone(),
        );
        let notifications = Counter::default();
        registry.register(
            "client_cache_notifications",
            "Change notifications received over the shared store (from every server, this one's too), each making this server forget the cached apps or reload the signing keys it names",
            notifications.clone(),
        );
        let notification_losses = Counter::default();
        registry.register(
            "client_cache_notification_losses",
            "Times the connection that hears change notifications dropped, each making this server forget its whole client cache and listen again",
            notification_losses.clone(),
        );
        let sessions = Family::default();
        registry.register(
            "sessions",
            "Sign-ins and sessions, by event: started, refused (wrong username or password), ended",
            sessions.clone(),
        );
        let authorizations = Family::default();
        registry.register(
            "authorizations",
            "Authorizations, by event: approved, revoked, revoked_on_replay",
            authorizations.clone(),
        );
        let swept = Family::default();
        registry.register(
            "swept_records",
            "Records the sweeper removed because they no longer matter, by kind",
            swept.clone(),
        );
        Metrics {
            registry,
            tokens,
            requests,
            store_calls,
            store_errors,
            cache_hits: client_cache.get_or_create_owned(&ResultLabels { result: "hit" }),
            cache_misses: client_cache.get_or_create_owned(&ResultLabels { result: "miss" }),
            notifications,
            notification_losses,
            sessions,
            authorizations,
            swept,
        }
    }

    /// The label a token request's `grant_type` is counted under.
    pub fn grant_label(grant_type: &str) -> &'static str {
        GRANTS
            .into_iter()
            .find(|known| *known == grant_type)
            .unwrap_or("other")
    }

    /// A token request's answer: `grant` from [`Metrics::grant_label`], `outcome` `issued` or the
    /// error code it got.
    pub fn token(&self, grant: &'static str, outcome: &'static str) {
        self.tokens
            .get_or_create(&TokenLabels { grant, outcome })
            .inc();
    }

    /// An answered request. `route` is the route's template, or `unmatched` for none, so that
    /// the number of series stays bounded whatever paths clients send.
    pub fn request(&self, method: &str, route: Arc<str>, status: u16, took: Duration) {
        let method = match method {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "PATCH" => "PATCH",
            "DELETE" => "DELETE",
            "HEAD" => "HEAD",
            "OPTIONS" => "OPTIONS",
            _ => "other",
        };
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .observe(took.as_secs_f64());
    }

    /// A store call that answered, after `took`.
    pub fn store_call(&self, operation: &'static str, took: Duration) {
        self.store_calls
            .get_or_create(&OperationLabels { operation })
            .observe(took.as_secs_f64());
    }

    /// A store call that failed with the error named `error`.
    pub fn store_error(&self, operation: &'static str, error: &'static str) {
        self.store_errors
            .get_or_create(&StoreErrorLabels { operation, error })
            .inc();
    }

    pub fn client_cache_hit(&self) {
        self.cache_hits.inc();
    }

    pub fn client_cache_miss(&self) {
        self.cache_misses.inc();
    }

    /// A store's change notification reached this server's client cache.
    pub fn notification_received(&self) {
        self.notifications.inc();
    }

    /// The connection hearing change notifications dropped.
    pub fn notification_connection_lost(&self) {
        self.notification_losses.inc();
    }

    pub fn session(&self, event: SessionEvent) {
        self.sessions
            .get_or_create(&EventLabels {
                event: event.label(),
            })
            .inc();
    }

    pub fn authorization(&self, event: AuthorizationEvent) {
        self.authorizations
            .get_or_create(&EventLabels {
                event: event.label(),
            })
            .inc();
    }

    /// The sweeper removed `count` records of `kind`.
    pub fn swept(&self, kind: &'static str, count: usize) {
        if count > 0 {
            self.swept
                .get_or_create(&KindLabels { kind })
                .inc_by(u64::try_from(count).unwrap_or(u64::MAX));
        }
    }

    /// Everything measured so far, in the Prometheus text format ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Err(error) =
            prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
        {
            tracing::error!(%error, "the metrics could not be written");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_type_a_client_made_up_is_counted_as_other_not_as_a_series_of_its_own() {
        let metrics = Metrics::new();
        for (grant_type, outcome) in [
            ("client_credentials", "issued"),
            ("made-up-grant-1", "unsupported_grant_type"),
            ("made-up-grant-2", "unsupported_grant_type"),
        ] {
            metrics.token(Metrics::grant_label(grant_type), outcome);
        }
        let text = metrics.encode();
        assert!(
            text.contains(
                r#"oauth_console_tokens_total{grant="client_credentials",outcome="issued"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"oauth_console_tokens_total{grant="other",outcome="unsupported_grant_type"} 2"#
            ),
            "{text}"
        );
        assert!(!text.contains("made-up"), "{text}");
    }
}
