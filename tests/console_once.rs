//! The console scenarios that mean something over one backend only, run once rather than
//! returning at once in one of console.rs's two copies: signing in exists only over a server
//! (the embedded store has no sessions), and a token tool with no server to ask only over the
//! embedded store (a remote console always has its server). They reuse the embedded-store copy's
//! world and console (`crate::console`); a remote console here is built by hand over
//! [`RemoteBackend`].

use std::sync::Arc;
use std::time::Duration;

use oauth_console::backend::{RemoteBackend, ServerTrust, Timeouts};
use oauth_console::tui::state::Screen;
use oauth_console::tui::{Headless, MemoryClipboard};

use crate::console::{
    Console, HEIGHT, PASSWORD, WIDTH, World, app_with_secret, snapshot_settings, world,
};

#[tokio::test]
async fn the_token_tool_without_a_server_says_to_start_one() {
    let w = world().await;
    let (_, secret) = app_with_secret(&w, "Billing sync").await;
    // A port that was just free: nothing listens there.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut c = w.console_with(&w.admin, &base).await;
    c.keys("T").await;
    assert!(c.frame().contains("Client ID"));
    c.keys("Esc").await;
    assert!(
        c.frame().contains("OAuth apps"),
        "Esc goes back to the list"
    );
    c.keys("Enter T").await;
    c.type_text(&secret).await;
    c.keys("Enter").await;
    let frame = c.stable_frame(&base);
    snapshot_settings().bind(|| insta::assert_snapshot!("token_tool_no_server", frame));
    assert!(c.status().contains("--serve"), "{}", c.status());
}

/// Who signed in from a console, in order.
type SavedSessions = Arc<std::sync::Mutex<Vec<String>>>;

impl World {
    /// The console over the server at `base` before anyone has signed in there, as
    /// `oauth-console --server URL` opens without a saved session; the usernames of the sessions
    /// it starts go to `saved`, as the CLI's sessions file keeps them.
    async fn signed_out_console(&self, backend: RemoteBackend, saved: &SavedSessions) -> Console {
        let saved = saved.clone();
        let backend = backend.saving_sessions_with(Arc::new(move |session| {
            saved.lock().unwrap().push(session.user.username.clone());
        }));
        let clipboard = Arc::new(MemoryClipboard::default());
        let ui = Headless::start(Arc::new(backend), clipboard.clone(), WIDTH, HEIGHT)
            .await
            .unwrap();
        Console {
            ui,
            clipboard,
            _server: None,
        }
    }
}

impl Console {
    /// The frame with the port of the server at `base` masked by as many `#`, so that the frame
    /// keeps its shape whatever port the test got.
    fn frame_over(&mut self, base: &str) -> String {
        let (host, port) = base.rsplit_once(':').unwrap();
        self.frame()
            .replace(base, &format!("{host}:{}", "#".repeat(port.len())))
    }
}

/// A snapshot of a frame, masked as console.rs's are.
fn snap_over(name: &str, frame: String) {
    snapshot_settings().bind(|| insta::assert_snapshot!(name, frame));
}

/// A port on 127.0.0.1 where nothing listens (bound, then let go).
async fn unused_address() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

#[tokio::test]
async fn over_a_server_without_a_session_the_console_opens_on_a_sign_in_screen() {
    let w = world().await;
    w.app("Reports").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (base, _server) = w.management_server(listener).await;
    let saved = SavedSessions::default();
    let mut c = w
        .signed_out_console(
            RemoteBackend::signed_out(&base, &ServerTrust::platform()).unwrap(),
            &saved,
        )
        .await;
    snap_over("sign_in_empty", c.frame_over(&base));

    // Enter goes from the username to the password; an empty field is named, not sent.
    c.keys("Enter Enter").await;
    assert!(c.frame().contains("type your username"), "{}", c.frame());
    c.type_text("admin").await;
    c.keys("Enter").await;
    c.type_text("not the password").await;
    assert!(
        !c.frame().contains("not the password"),
        "the password shows"
    );
    c.keys("Enter").await;
    snap_over("sign_in_wrong_password", c.frame_over(&base));
    assert!(saved.lock().unwrap().is_empty());

    c.type_text(PASSWORD).await;
    c.keys("Enter").await;
    snap_over("sign_in_done_apps", c.frame_over(&base));
    assert_eq!(*saved.lock().unwrap(), ["admin"]);
}

#[tokio::test]
async fn a_saved_session_the_server_no_longer_knows_opens_on_the_sign_in_screen() {
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (base, _server) = w.management_server(listener).await;
    let ended = RemoteBackend::connect(
        &base,
        &ServerTrust::platform(),
        "a session signed out since".into(),
    )
    .await
    .unwrap();
    let mut c = w.signed_out_console(ended, &SavedSessions::default()).await;
    assert!(matches!(c.ui.state().screen, Screen::SignIn(_)));
    assert_eq!(c.frame_over(&base), {
        let fresh = RemoteBackend::signed_out(&base, &ServerTrust::platform()).unwrap();
        let mut fresh = w.signed_out_console(fresh, &SavedSessions::default()).await;
        fresh.frame_over(&base)
    });
}

#[tokio::test]
async fn a_sign_in_screen_over_a_stopped_server_says_to_start_it_and_carries_on_once_it_runs() {
    let w = world().await;
    w.app("Reports").await;
    let address = unused_address().await;
    let base = format!("http://{address}");
    let saved = SavedSessions::default();
    // The console opens though nothing answers: it asks the server only on signing in.
    let mut c = w
        .signed_out_console(
            RemoteBackend::signed_out(&base, &ServerTrust::platform()).unwrap(),
            &saved,
        )
        .await;
    c.type_text("admin").await;
    c.keys("Enter").await;
    c.type_text(PASSWORD).await;
    c.keys("Enter").await;
    snap_over("sign_in_server_down", c.frame_over(&base));

    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let (_, _server) = w.management_server(listener).await;
    // What was typed is still there: Enter again signs in.
    c.keys("Enter").await;
    assert!(c.frame().contains("Reports"), "{}", c.frame());
    assert_eq!(*saved.lock().unwrap(), ["admin"]);
}

#[tokio::test]
async fn a_server_that_never_answers_is_said_after_the_timeout_with_what_to_do() {
    let w = world().await;
    // The kernel accepts connections for a listener that never reads from them.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", silent.local_addr().unwrap());
    let backend = RemoteBackend::signed_out(&base, &ServerTrust::platform())
        .unwrap()
        .with_timeouts(Timeouts {
            connect: Duration::from_millis(200),
            request: Duration::from_millis(300),
        })
        .unwrap();
    let mut c = w
        .signed_out_console(backend, &SavedSessions::default())
        .await;
    c.type_text("admin").await;
    c.keys("Enter").await;
    c.type_text(PASSWORD).await;
    c.keys("Enter").await;
    snap_over("sign_in_no_answer", c.frame_over(&base));
    drop(silent);
}

#[tokio::test]
async fn repeated_wrong_passwords_on_the_sign_in_screen_say_when_to_try_again() {
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (base, _server) = w.management_server(listener).await;
    let mut c = w
        .signed_out_console(
            RemoteBackend::signed_out(&base, &ServerTrust::platform()).unwrap(),
            &SavedSessions::default(),
        )
        .await;
    c.type_text("admin").await;
    c.keys("Enter").await;
    // The server allows 10 failures a minute for one username.
    for _ in 0..10 {
        c.type_text("not the password").await;
        c.keys("Enter").await;
        assert!(
            c.frame().contains("wrong username or password"),
            "{}",
            c.frame()
        );
    }
    c.type_text(PASSWORD).await;
    c.keys("Enter").await;
    let frame = c.frame();
    assert!(
        frame.contains("too many failed authentication attempts; try again in "),
        "{frame}"
    );
    assert!(matches!(c.ui.state().screen, Screen::SignIn(_)));
}
