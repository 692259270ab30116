//! Every request's record: a request id (the client's `X-Request-Id` when it is a plain token,
//! else a new one) echoed in the answer, a `request` span that every log line of the request is
//! written in, its latency in `/metrics`, and one access-log line when it is answered.
//!
//! The span and the line carry the method, the route's template and, once known, a client ID of
//! the right shape; never the path as sent, a query string, a header or a form field, any of
//! which could hold a credential.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::metrics::Metrics;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client; a longer one is replaced.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// The route of a request that matched none, as the span and the metrics name it.
const UNMATCHED: &str = "unmatched";

/// The client's request id if there is exactly one and it is 1 to [`MAX_REQUEST_ID_LEN`] letters,
/// digits, `-`, `_`, `.` or `:` (which leaves no room for a line break, a quote or an escape
/// sequence in a log line), else a new random one.
fn request_id(headers: &HeaderMap) -> HeaderValue {
    let mut sent = headers.get_all(&REQUEST_ID).iter();
    if let (Some(value), None) = (sent.next(), sent.next()) {
        let bytes = value.as_bytes();
        if (1..=MAX_REQUEST_ID_LEN).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        {
            return value.clone();
        }
    }
    let generated = format!("{:032x}", rand::random::<u128>());
    HeaderValue::from_str(&generated).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// Records the client a request authenticates as, when `client_id` has the shape of one, on the
/// request's span (for every later log line of the request and its access line).
pub fn record_client_id(client_id: &str) {
    if crate::service::is_client_id(client_id) {
        tracing::Span::current().record("client_id", tracing::field::display(client_id));
    }
}

/// The middleware: see the module doc. It runs after routing, so the route's template is known.
pub(super) async fn observe(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request_id(request.headers());
    let route: Arc<str> = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .into();
    let method = request.method().clone();
    let span = tracing::info_span!(
        "request",
        request_id = %id.to_str().unwrap_or_default(),
        method = %method,
        route = %route,
        client_id = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = response.status();
    response.headers_mut().insert(REQUEST_ID, id);
    metrics.request(method.as_str(), route, status.as_u16(), took);
    // Whole microseconds, so that the number reads as it was measured.
    let latency_ms = (took.as_secs_f64() * 1_000_000.0).round() / 1000.0;
    // INFO whatever the status: a fault is logged with its cause where it is mapped (errors.rs),
    // and a 503 from a draining /readyz is the server doing its job.
    span.in_scope(|| tracing::info!(status = status.as_u16(), latency_ms, "answered"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(&REQUEST_ID, HeaderValue::from_bytes(value).unwrap());
        }
        headers
    }

    #[test]
    fn a_request_id_that_could_forge_or_bloat_a_log_line_is_replaced_by_a_new_one() {
        let plain = "req-42_a.b:c";
        assert_eq!(request_id(&sent(&[plain.as_bytes()])), plain);
        for hostile in [
            &b"x\" \"level\":\"ERROR"[..],
            b"a\tforged",
            &[b'a'; MAX_REQUEST_ID_LEN + 1][..],
            b"caf\xc3\xa9",
        ] {
            let id = request_id(&sent(&[hostile]));
            assert_ne!(id.as_bytes(), hostile);
            assert_eq!(id.len(), 32, "{id:?}");
            assert!(id.as_bytes().iter().all(u8::is_ascii_hexdigit), "{id:?}");
        }
        let two = request_id(&sent(&[b"one", b"two"]));
        assert_eq!(two.len(), 32, "{two:?}");
    }
}
