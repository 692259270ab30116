//! `oauth-console replay FILE`: a scenario run headless against a fresh store in a temporary
//! directory, with a fixed clock and seeded randomness, so that the same file prints the same
//! frames on every machine. The README's screen captures come from here.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::backend::{Backend, LocalBackend};
use crate::model::{AppSettings, NewApp, OwnerKind, Seconds, Timestamp, scopes};
use crate::service::{ConsoleService, ManualClock, SeededEntropy};
use crate::store::SledStore;
use crate::tui::replay::{Scenario, Step, parse};
use crate::tui::{Headless, MemoryClipboard};

/// 2026-11-23 19:39:01 UTC: every replay starts at this instant.
pub const REPLAY_START: Timestamp = Timestamp(1_795_462_741_000);
/// The seed of every replay's SIDs and secrets.
pub const REPLAY_SEED: u64 = 7;

pub async fn run(file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the scenario {}", file.display()))?;
    let scenario = parse(&text).with_context(|| format!("in {}", file.display()))?;
    let dir = tempfile::tempdir().context("cannot make a temporary directory for the store")?;
    let clock = Arc::new(ManualClock::new(REPLAY_START));
    let (backend, _) = fresh_backend(dir.path(), clock.clone()).await?;
    let frames = play(&scenario, backend, &clock).await?;
    let mut out = std::io::stdout().lock();
    for (name, frame) in frames {
        writeln!(out, "── {name} ──")?;
        write!(out, "{frame}")?;
    }
    Ok(())
}

/// A new store with the first user (admin) and its owners, over a clock the caller moves.
pub async fn fresh_backend(
    dir: &Path,
    clock: Arc<ManualClock>,
) -> anyhow::Result<(Arc<dyn Backend>, ConsoleService)> {
    let store = SledStore::open(dir)?;
    let service = ConsoleService::new(
        Arc::new(store),
        clock,
        Arc::new(SeededEntropy::new(REPLAY_SEED)),
    );
    service
        .bootstrap("admin", Some("replay password, never used".into()))
        .await?;
    let user = service.local_user(None).await?.sid;
    let backend = LocalBackend::new(service.clone(), user, "http://localhost:8080".into());
    Ok((Arc::new(backend), service))
}

/// Makes `count` demo apps for the first account, a second apart.
pub async fn demo_apps(
    backend: &dyn Backend,
    clock: &ManualClock,
    count: usize,
) -> anyhow::Result<()> {
    let owners = backend.owners().await?;
    let Some(account) = owners.iter().find(|o| o.owner.kind() == OwnerKind::Account) else {
        anyhow::bail!("the store has no account to make demo apps for");
    };
    let scopes: Vec<String> = scopes::catalog()
        .for_owner(OwnerKind::Account)
        .take(3)
        .map(|p| p.name.to_owned())
        .collect();
    for n in 1..=count {
        clock.advance(Seconds::MINUTE);
        backend
            .create_app(NewApp {
                owner: account.owner.sid.clone(),
                grant_type: crate::model::GrantType::ClientCredentials,
                settings: AppSettings {
                    name: format!("Demo app {n:03}"),
                    description: "Made by a replay".into(),
                    scopes: scopes.clone(),
                    ..AppSettings::default()
                },
                region: None,
            })
            .await?;
    }
    Ok(())
}

/// Runs the steps and returns each marked frame with its name.
pub async fn play(
    scenario: &Scenario,
    backend: Arc<dyn Backend>,
    clock: &ManualClock,
) -> anyhow::Result<Vec<(String, String)>> {
    demo_apps(&*backend, clock, scenario.apps).await?;
    let (width, height) = scenario.size;
    let mut console =
        Headless::start(backend, Arc::new(MemoryClipboard::default()), width, height).await?;
    let mut frames = Vec::new();
    for step in &scenario.steps {
        match step {
            Step::Key(key) => console.key(*key).await,
            Step::Text(text) => console.type_text(text).await,
            Step::Click(column, row) => console.click(*column, *row).await,
            Step::Wait(by) => {
                clock.advance(*by);
                // What a second's tick does in a terminal: a countdown on screen catches up.
                console.tick().await;
            }
            Step::Resize(width, height) => console.resize(*width, *height).await,
            Step::Snapshot(name) => frames.push((name.clone(), console.frame())),
        }
    }
    Ok(frames)
}
