//! Console benchmarks (run with `cargo bench --bench console`; not timed tests):
//!
//! 1. start to first frame with 10,000 apps in the store: open the sled store, read the
//!    signed-in user, their owners and the first page of apps, and draw — the budget is 100 ms;
//! 2. one frame of the apps list with 100,000 apps in the store — the budget is 5 ms.
//!
//! The stores are made once (through the service, as the console would) and kept under
//! `target/bench-stores/`, since making 100,000 apps takes a while.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth_console::backend::{Backend, LocalBackend};
use oauth_console::model::{AppSettings, GrantType, OwnerKind, scopes};
use oauth_console::service::{ConsoleService, NewApp, OsEntropy, SystemClock};
use oauth_console::store::SledStore;
use oauth_console::tui::{Headless, MemoryClipboard};
use ratatui::crossterm::event::KeyCode;

const WIDTH: u16 = 160;
const HEIGHT: u16 = 50;
/// Creates in flight at once while making a bench store.
const CONCURRENT_CREATES: usize = 8;

fn service(dir: &Path) -> ConsoleService {
    let store = SledStore::open(dir).expect("the bench store opens");
    ConsoleService::new(Arc::new(store), Arc::new(SystemClock), Arc::new(OsEntropy))
}

async fn backend(service: &ConsoleService) -> Arc<dyn Backend> {
    let user = service.local_user(None).await.expect("a user").sid;
    Arc::new(LocalBackend::new(
        service.clone(),
        user,
        "http://localhost:8080".into(),
    ))
}

/// A store with `count` apps for the first account, made once and reused.
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
    let service = service(&dir);
    service
        .bootstrap("admin", Some("bench password, never used".into()))
        .await
        .expect("bootstrap");
    let backend = backend(&service).await;
    let owners = backend.owners().await.expect("owners");
    let account = owners
        .iter()
        .find(|o| o.owner.kind() == OwnerKind::Account)
        .expect("an account")
        .owner
        .sid
        .clone();
    let scopes: Vec<String> = scopes::catalog()
        .for_owner(OwnerKind::Account)
        .take(3)
        .map(|p| p.name.to_owned())
        .collect();
    let started = Instant::now();
    // Many creates at once let sled group their flushes.
    for chunk in (0..count).collect::<Vec<_>>().chunks(CONCURRENT_CREATES) {
        let mut tasks = Vec::new();
        for n in chunk {
            let backend = backend.clone();
            let new = NewApp {
                owner: account.clone(),
                grant_type: GrantType::ClientCredentials,
                settings: AppSettings {
                    name: format!("Bench app {n:06}"),
                    scopes: scopes.clone(),
                    ..AppSettings::default()
                },
                region: None,
            };
            tasks.push(tokio::spawn(async move { backend.create_app(new).await }));
        }
        for task in tasks {
            task.await.expect("task").expect("create");
        }
    }
    eprintln!("made {count} apps in {:.1?}", started.elapsed());
    std::fs::write(&done, b"").expect("marker");
    dir
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

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
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
    });
}
