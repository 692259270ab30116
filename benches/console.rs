//! Console benchmarks (run with `cargo bench --bench console`, or `-- local` / `-- remote` for
//! one part; not timed tests):
//!
//! 1. start to first frame with 10,000 apps in the store: open the sled store, read the
//!    signed-in user, their owners and the first page of apps, and draw — the budget is 100 ms;
//! 2. one frame of the apps list with 100,000 apps in the store — the budget is 5 ms;
//! 3. the same 100,000 apps over a server (`serve` in this process on 127.0.0.1:0, the console
//!    over a `RemoteBackend`, as `oauth-console --server URL` runs it): each page the list
//!    fetches, from the first to the 500th — the budget is 100 ms a page — and what a person
//!    waits for: start, scrolling, jumping to the end, sorting and filtering.
//!
//! The stores are made once and kept under `target/bench-stores/`. Their apps are written to the
//! store in batches rather than created one by one through the service: the lists read the same
//! records either way, and 100,000 creates, each flushed, take a long while.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth_console::backend::{Backend, LocalBackend, RemoteBackend, ServerTrust};
use oauth_console::model::{
    AppSettings, GrantType, ListApps, OAuthApp, OwnerKind, SecretDigest, SecretRecord, Sid,
    SidKind, Timestamp, UserRef, scopes,
};
use oauth_console::server::{self, AppState, ServerConfig};
use oauth_console::service::{
    AuthorizationConfig, AuthorizationServer, Clock, ConsoleService, OsEntropy, SystemClock,
};
use oauth_console::store::{Expect, SledStore, Store, Write};
use oauth_console::tui::{Headless, MemoryClipboard};
use ratatui::crossterm::event::KeyCode;

const WIDTH: u16 = 160;
const HEIGHT: u16 = 50;
/// Apps written to a bench store in one commit.
const BATCH: usize = 1000;
/// The bench stores' `admin` signs in with it over a server.
const PASSWORD: &str = "bench password, never used elsewhere";
/// Apps a page, as the console asks for them.
const PAGE_SIZE: usize = 200;

fn service(dir: &Path) -> ConsoleService {
    service_and_store(dir).0
}

fn service_and_store(dir: &Path) -> (ConsoleService, Arc<SledStore>) {
    let store = Arc::new(SledStore::open(dir).expect("the bench store opens"));
    let service = ConsoleService::new(store.clone(), Arc::new(SystemClock), Arc::new(OsEntropy));
    (service, store)
}

async fn backend(service: &ConsoleService) -> Arc<dyn Backend> {
    let user = service.local_user(None).await.expect("a user").sid;
    Arc::new(LocalBackend::new(
        service.clone(),
        user,
        "http://localhost:8080".into(),
    ))
}

/// A store with `count` apps for the first account, made once and reused; the apps were created
/// a second apart, ending now.
async fn store_with(count: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-stores")
        .join(format!("apps-{count}"));
    let done = dir.join("READY");
    if done.exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the bench store directory");
    let (service, store) = service_and_store(&dir);
    service
        .bootstrap("admin", Some(PASSWORD.into()))
        .await
        .expect("bootstrap");
    let admin = service.local_user(None).await.expect("a user");
    let account = account_of(&service).await;
    let scopes: Vec<String> = scopes::catalog()
        .for_owner(OwnerKind::Account)
        .take(3)
        .map(|p| p.name.to_owned())
        .collect();
    let started = Instant::now();
    let now = SystemClock.now();
    let apps = (0..count).map(|n| {
        let created_at = Timestamp(now.0 - 1000 * (count - n) as i64);
        OAuthApp {
            sid: Sid::new(SidKind::OAuthApp, rand::random()),
            owner: account.clone(),
            grant_type: GrantType::ClientCredentials,
            settings: AppSettings {
                name: format!("Bench app {n:06}"),
                scopes: scopes.clone(),
                ..AppSettings::default()
            },
            secrets: vec![SecretRecord {
                digest: SecretDigest::of(&format!("bench secret {n}")),
                created_at,
                expires_at: None,
                created_by: Some(UserRef {
                    sid: admin.sid.clone(),
                    username: admin.username.clone(),
                }),
            }],
            created_at,
            updated_at: created_at,
            created_by: UserRef {
                sid: admin.sid.clone(),
                username: admin.username.clone(),
            },
            version: 1,
        }
    });
    let apps: Vec<OAuthApp> = apps.collect();
    for batch in apps.chunks(BATCH) {
        let writes = batch
            .iter()
            .map(|app| Write::PutApp {
                app: app.clone(),
                expect: Expect::Absent,
            })
            .collect();
        store.commit(writes).await.expect("a batch of apps");
    }
    eprintln!("made {count} apps in {:.1?}", started.elapsed());
    std::fs::write(&done, b"").expect("marker");
    dir
}

/// The first account of the store's first user: where the bench apps are.
async fn account_of(service: &ConsoleService) -> Sid {
    let user = service.local_user(None).await.expect("a user").sid;
    service
        .owners(&user)
        .await
        .expect("owners")
        .into_iter()
        .find(|o| o.owner.kind() == OwnerKind::Account)
        .expect("an account")
        .owner
        .sid
}

fn summary(name: &str, mut samples: Vec<Duration>, budget: Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{name}: n={} min {:.2?} median {:.2?} p99 {:.2?} max {:.2?} (budget {budget:?}: {})",
        samples.len(),
        samples[0],
        at(0.5),
        at(0.99),
        samples[samples.len() - 1],
        if at(0.99) <= budget { "within" } else { "OVER" }
    );
}

async fn first_frame(dir: &Path) -> Vec<Duration> {
    let mut samples = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let service = service(dir);
        let backend = backend(&service).await;
        let mut console =
            Headless::start(backend, Arc::new(MemoryClipboard::default()), WIDTH, HEIGHT)
                .await
                .expect("console");
        console.draw();
        samples.push(started.elapsed());
        drop(console);
        drop(service);
    }
    samples
}

async fn list_frames(dir: &Path) -> (Vec<Duration>, Vec<Duration>) {
    let service = service(dir);
    let backend = backend(&service).await;
    let mut console = Headless::start(backend, Arc::new(MemoryClipboard::default()), WIDTH, HEIGHT)
        .await
        .expect("console");
    // Scroll a few pages in, so that the list holds several pages and the view is mid-list.
    for _ in 0..40 {
        console.press(KeyCode::PageDown).await;
    }
    let mut draws = Vec::new();
    for _ in 0..2000 {
        let started = Instant::now();
        console.draw();
        draws.push(started.elapsed());
    }
    // A key press that moves the cursor, then its frame: what a person waits for.
    let mut moves = Vec::new();
    for i in 0..2000 {
        let started = Instant::now();
        console
            .press(if i % 2 == 0 {
                KeyCode::Down
            } else {
                KeyCode::Up
            })
            .await;
        console.draw();
        moves.push(started.elapsed());
    }
    (draws, moves)
}

/// Typing a filter that matches one app in 100,000: the store reads every app's record to find
/// it, off the drawing thread; this is how long the answer takes to arrive.
async fn rare_filter(dir: &Path) -> Vec<Duration> {
    let service = service(dir);
    let backend = backend(&service).await;
    let mut console = Headless::start(backend, Arc::new(MemoryClipboard::default()), WIDTH, HEIGHT)
        .await
        .expect("console");
    console.press(KeyCode::Char('/')).await;
    let mut samples = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        console.type_text("000042").await;
        samples.push(started.elapsed() / 6);
        for _ in 0..6 {
            console.press(KeyCode::Backspace).await;
        }
    }
    samples
}

/// `serve` over the store in `dir`, in this process on 127.0.0.1:0, until the bench ends; its
/// base URL.
async fn serve(dir: &Path) -> String {
    let service = service(dir);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let auth = AuthorizationServer::start(
        service,
        AuthorizationConfig {
            issuer: base.clone(),
            default_audience: base.clone(),
            signing_alg: None,
        },
    )
    .await
    .expect("the authorization server");
    let config = ServerConfig::default();
    let state = AppState::new(auth, &config);
    tokio::spawn(
        async move { server::serve(listener, state, &config, std::future::pending()).await },
    );
    base
}

/// A backend over the server at `base`, signed in as the bench store's admin.
async fn remote_backend(base: &str) -> Arc<dyn Backend> {
    let session = RemoteBackend::sign_in(base, &ServerTrust::platform(), "admin", PASSWORD)
        .await
        .expect("sign in");
    Arc::new(
        RemoteBackend::connect(base, &ServerTrust::platform(), session.token)
            .await
            .expect("connect"),
    )
}

/// Every page of the list from the first to the last, asked for as the console asks: how long
/// each took to arrive.
async fn remote_pages(backend: &dyn Backend, account: &Sid) -> Vec<Duration> {
    let mut samples = Vec::new();
    let mut after = None;
    loop {
        let started = Instant::now();
        let page = backend
            .apps(
                account,
                ListApps {
                    page_size: PAGE_SIZE,
                    after,
                    ..ListApps::default()
                },
            )
            .await
            .expect("a page");
        samples.push(started.elapsed());
        match page.next {
            Some(next) => after = Some(next),
            None => return samples,
        }
    }
}

async fn remote_console(backend: &Arc<dyn Backend>) -> Headless {
    Headless::start(
        backend.clone(),
        Arc::new(MemoryClipboard::default()),
        WIDTH,
        HEIGHT,
    )
    .await
    .expect("console")
}

/// How long `key` takes, with its frame, `times` over; the headless console waits for any page
/// the key asks for, as a person would.
async fn presses(console: &mut Headless, key: KeyCode, times: usize) -> Vec<Duration> {
    let mut samples = Vec::new();
    for _ in 0..times {
        let started = Instant::now();
        console.press(key).await;
        console.draw();
        samples.push(started.elapsed());
    }
    samples
}

async fn over_a_server(dir: &Path) {
    let base = serve(dir).await;
    let backend = remote_backend(&base).await;
    let owners = backend.owners().await.expect("owners");
    let account = owners
        .iter()
        .find(|o| o.owner.kind() == OwnerKind::Account)
        .expect("an account")
        .owner
        .sid
        .clone();

    let pages = remote_pages(&*backend, &account).await;
    println!(
        "over a server, 100,000 apps: {} pages of {PAGE_SIZE}; page 1 {:.2?}, page {} {:.2?}, last page {:.2?}",
        pages.len(),
        pages[0],
        pages.len() / 2,
        pages[pages.len() / 2 - 1],
        pages[pages.len() - 1]
    );
    summary(
        "page of 200 apps over a server, every page in turn",
        pages,
        Duration::from_millis(100),
    );

    let mut starts = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let mut console = remote_console(&backend).await;
        console.draw();
        starts.push(started.elapsed());
    }
    summary(
        "start to first frame over a server, 100,000 apps (signed in)",
        starts,
        Duration::from_millis(100),
    );

    // PageDown from the top to the bottom: most presses only move, one in four or five waits
    // for the next page.
    let mut console = remote_console(&backend).await;
    let rows = 100_000 / usize::from(HEIGHT - 6) + 10;
    summary(
        "PageDown and its frame over a server, top to bottom of 100,000 apps",
        presses(&mut console, KeyCode::PageDown, rows).await,
        Duration::from_millis(100),
    );
    summary(
        "Up and its frame over a server, 100,000 apps loaded",
        presses(&mut console, KeyCode::Up, 500).await,
        Duration::from_millis(5),
    );

    // End goes to the last app loaded and asks for the next page: each press, one page further.
    let mut console = remote_console(&backend).await;
    summary(
        "End and its frame over a server (the last app loaded, and the next page)",
        presses(&mut console, KeyCode::End, 50).await,
        Duration::from_millis(100),
    );

    // The far end of the list in one request: oldest first.
    let mut console = remote_console(&backend).await;
    summary(
        "s (sort oldest first: the far end of the list) and its frame over a server",
        presses(&mut console, KeyCode::Char('s'), 20).await,
        Duration::from_millis(100),
    );

    let mut console = remote_console(&backend).await;
    console.press(KeyCode::Char('/')).await;
    let mut filters = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        console.type_text("000042").await;
        filters.push(started.elapsed() / 6);
        for _ in 0..6 {
            console.press(KeyCode::Backspace).await;
        }
    }
    summary(
        "filter keystroke answered over a server (1 match in 100,000 apps; not a frame budget)",
        filters,
        Duration::from_millis(500),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a part's name chooses it alone.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let chosen = |part: &str| {
        args.iter().any(|a| a == part) || !args.iter().any(|a| a == "local" || a == "remote")
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        if chosen("local") {
            local().await;
        }
        if chosen("remote") {
            over_a_server(&store_with(100_000).await).await;
        }
    });
}

async fn local() {
    let ten_thousand = store_with(10_000).await;
    summary(
        "start to first frame, 10,000 apps",
        first_frame(&ten_thousand).await,
        Duration::from_millis(100),
    );
    let hundred_thousand = store_with(100_000).await;
    summary(
        "start to first frame, 100,000 apps",
        first_frame(&hundred_thousand).await,
        Duration::from_millis(100),
    );
    let (draws, moves) = list_frames(&hundred_thousand).await;
    summary(
        "apps list frame, 100,000 apps",
        draws,
        Duration::from_millis(5),
    );
    summary(
        "key press (↓) and its frame, 100,000 apps",
        moves,
        Duration::from_millis(5),
    );
    summary(
        "filter keystroke answered (1 match in 100,000 apps; not a frame budget)",
        rare_filter(&hundred_thousand).await,
        Duration::from_millis(500),
    );
}
