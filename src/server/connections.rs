//! Connections: at most `max_connections` at once, none idle for longer than `idle_timeout`,
//! whatever its protocol.
//!
//! hyper's header timeout covers only HTTP/1 once it knows the protocol, so a socket that sends
//! nothing, a partial HTTP/2 preface, an idle h2c connection or an idle keep-alive would each hold
//! a descriptor for ever. Instead each connection counts its requests in flight; once it has had
//! none for `idle_timeout` (from its start, or from the end of its last request), it is shut down
//! gracefully (HTTP/2 `GOAWAY`, or a close between HTTP/1 requests) and dropped if it lingers.
//!
//! At the cap, the idle connections are closed at once to make room, and a newcomer waits up to
//! [`AT_CAPACITY_WAIT`] for a place; if every connection is busy, it is answered `503` with
//! `Retry-After` and closed, so the server keeps serving whoever holds a place. A failing
//! `accept` (out of descriptors, typically) backs off and is logged once until it recovers.
//!
//! With TLS, the handshake is the first part of a connection's life: it runs in the connection's
//! place, counts as idle (so a handshake that never finishes is closed after `idle_timeout`, and
//! at once when room is needed), and a refusal at the cap is a handshake offering only HTTP/1.1
//! and then the same 503, both within [`REFUSAL_LINGER`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use super::ServerConfig;
use super::tls::Tls;

/// How long a connection arriving at the cap waits for a place before it is refused.
const AT_CAPACITY_WAIT: Duration = Duration::from_millis(250);

/// How long a connection told to close (idle, or making room) may take to finish writing.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// How long refused connections may take to read their answer, and how many may at once; past
/// that they are dropped unanswered.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);
const REFUSALS_AT_ONCE: usize = 64;

/// The longest `accept` waits after failing repeatedly.
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

const AT_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
Content-Type: text/plain\r\nContent-Length: 46\r\nConnection: close\r\n\r\n\
the server is at its connection limit; retry\r\n";

/// One connection's requests in flight, and when the last one ended.
struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds from `started` to the end of the latest request.
    last_done: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_done: AtomicU64::new(0),
        }
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    fn idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }

    /// When the connection will have been idle for `timeout`, if it is idle now.
    fn idle_deadline(&self, timeout: Duration) -> Instant {
        let last_done = Duration::from_millis(self.last_done.load(Ordering::SeqCst));
        self.started + last_done + timeout
    }
}

/// A request in flight; ends when dropped, also when the request is cancelled.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let elapsed = u64::try_from(self.0.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.0.last_done.store(elapsed, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What every connection's task shares with the accept loop.
struct Shared {
    router: Router,
    builder: Builder<TokioExecutor>,
    idle_timeout: Duration,
    /// Notified when a connection cannot get a place: the idle ones close.
    make_room: Notify,
    /// Becomes `true` when the server stops: every connection finishes and closes.
    stopping: watch::Receiver<bool>,
    /// `Some` when connections speak TLS.
    tls: Option<Arc<Tls>>,
}

/// Accepts connections until `shutdown` completes, then lets each finish what it is doing (for up
/// to `grace`).
pub(super) async fn accept_until(
    listener: TcpListener,
    router: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    let (stop, stopping) = watch::channel(false);
    let shared = Arc::new(Shared {
        router,
        builder,
        idle_timeout: config.idle_timeout,
        make_room: Notify::new(),
        stopping,
        tls: config.tls.clone(),
    });
    let max_connections = config.max_connections.max(1);
    let places = Arc::new(Semaphore::new(max_connections));
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff: Option<Duration> = None;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    // Out of descriptors and the like: closing idle connections frees some, and
                    // waiting longer each time keeps this loop from spinning meanwhile.
                    let wait = match backoff {
                        None => {
                            tracing::warn!(%error, "accepting connections failed; retrying with backoff until it works again");
                            Duration::from_millis(10)
                        }
                        Some(wait) => (wait * 2).min(MAX_ACCEPT_BACKOFF),
                    };
                    backoff = Some(wait);
                    shared.make_room.notify_waiters();
                    tokio::time::sleep(wait).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if backoff.take().is_some() {
            tracing::info!("accepting connections again");
        }
        // Each answer is one write; Nagle's algorithm would only hold it back.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY could not be set");
        }
        let place = match places.clone().try_acquire_owned() {
            Ok(place) => Some(place),
            Err(_) => {
                // At the limit: the idle connections close, and this one takes a place they
                // free, or one freed by a request finishing, if it comes soon.
                shared.make_room.notify_waiters();
                tokio::time::timeout(AT_CAPACITY_WAIT, places.clone().acquire_owned())
                    .await
                    .ok()
                    .and_then(Result::ok)
            }
        };
        match place {
            Some(place) => {
                tokio::spawn(serve_connection(shared.clone(), stream, peer, place));
            }
            None => {
                tracing::debug!(%peer, max_connections, "refused a connection at the limit");
                if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                    tokio::spawn(refuse(shared.tls.clone(), stream, refusal));
                }
            }
        }
    }
    drop(listener);
    if stop.send(true).is_err() {
        tracing::debug!("no connection was open at shutdown");
    }
    let all_closed = places.acquire_many(u32::try_from(max_connections).unwrap_or(u32::MAX));
    if tokio::time::timeout(grace, all_closed).await.is_err() {
        tracing::warn!("requests still in flight after {grace:?}; stopping anyway");
    }
}

/// Serves one connection, after its TLS handshake when the server speaks TLS, until it ends,
/// goes idle, makes room or the server stops. The place is given back when this returns.
async fn serve_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    _place: OwnedSemaphorePermit,
) {
    match &shared.tls {
        None => serve_http(&shared, stream, peer).await,
        Some(tls) => {
            if let Some(stream) = handshake(&shared, tls, stream, peer).await {
                serve_http(&shared, stream, peer).await;
            }
        }
    }
}

/// The TLS handshake of a connection given a place, or `None` when it failed, took longer than
/// `idle_timeout`, was in the way of a newcomer at the cap, or the server stops.
async fn handshake(
    shared: &Shared,
    tls: &Tls,
    stream: TcpStream,
    peer: SocketAddr,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    let accepting = tls.acceptor().accept(stream);
    let mut stopping = shared.stopping.clone();
    tokio::select! {
        accepted = accepting => match accepted {
            Ok(stream) => Some(stream),
            Err(error) => {
                tracing::debug!(%peer, %error, "a TLS handshake failed");
                None
            }
        },
        () = tokio::time::sleep(shared.idle_timeout) => {
            tracing::debug!(%peer, "a TLS handshake did not finish in time; closed the connection");
            None
        }
        () = shared.make_room.notified() => None,
        _ = stopping.changed() => None,
    }
}

/// Serves HTTP on a connection until it ends, goes idle, makes room or the server stops.
async fn serve_http<S>(shared: &Shared, stream: S, peer: SocketAddr)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let service = {
        let router = shared.router.clone();
        let activity = activity.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let in_flight = activity.begin();
            request.extensions_mut().insert(ConnectInfo(peer));
            let answer = router.clone().oneshot(request.map(axum::body::Body::new));
            async move {
                let answered = answer.await;
                drop(in_flight);
                answered
            }
        })
    };
    let connection = shared
        .builder
        .serve_connection_with_upgrades(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    let mut stopping = shared.stopping.clone();
    let stop_now = loop {
        // Busy: look again in `idle_timeout`; a request's own timeout ends it before then.
        let idle_deadline = if activity.idle() {
            activity.idle_deadline(shared.idle_timeout)
        } else {
            Instant::now() + shared.idle_timeout
        };
        tokio::select! {
            ended = connection.as_mut() => {
                if let Err(error) = ended {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(idle_deadline) => {
                if activity.idle() && Instant::now() >= activity.idle_deadline(shared.idle_timeout) {
                    break false;
                }
            }
            () = shared.make_room.notified() => {
                if activity.idle() {
                    break false;
                }
            }
            _ = stopping.changed() => break true,
        }
    };
    connection.as_mut().graceful_shutdown();
    if stop_now {
        // Shutting down: requests in flight finish, within the server's own grace.
        if let Err(error) = connection.await {
            tracing::debug!(%error, "connection ended with an error");
        }
    } else if tokio::time::timeout(CLOSE_GRACE, connection).await.is_err() {
        tracing::debug!(%peer, "an idle connection did not close in time; dropped it");
    }
}

/// Answers 503 to a connection past the limit (after its TLS handshake, when the server speaks
/// TLS) and closes it, reading what it sent meanwhile so that closing does not reset the
/// connection before the answer is read.
async fn refuse(tls: Option<Arc<Tls>>, stream: TcpStream, _refusal: OwnedSemaphorePermit) {
    let linger = async {
        match tls {
            None => answer_at_capacity(stream).await,
            Some(tls) => answer_at_capacity(tls.refusal_acceptor().accept(stream).await?).await,
        }
    };
    if let Ok(Err(error)) = tokio::time::timeout(REFUSAL_LINGER, linger).await {
        tracing::debug!(%error, "a refused connection failed");
    }
}

async fn answer_at_capacity<S>(mut stream: S) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    stream.write_all(AT_CAPACITY).await?;
    stream.shutdown().await?;
    let mut sink = [0; 1024];
    while stream.read(&mut sink).await? > 0 {}
    Ok(())
}
