//! `oauth-console replay FILE`: a scenario run headless against a fresh store in a temporary
//! directory, with a fixed clock and seeded randomness, so that the same file gives the same
//! frames on every machine. The README's screen captures come from here.
//!
//! [`play`] is the one driver: it performs each step on the headless console and tells every
//! [`Recording`] what just happened. [`Frames`] keeps the `snapshot` frames as text (what
//! `replay` prints), [`cast::Cast`] writes an asciinema recording (`--cast`) and
//! [`svg::Pictures`] a picture of each `snapshot` (`--svg`), all from the same drawn cells.

mod cast;
mod svg;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use ratatui::crossterm::event::KeyCode;

use crate::backend::{Backend, LocalBackend};
use crate::model::{AppSettings, NewApp, OwnerKind, Seconds, Timestamp, scopes};
use crate::service::{ConsoleService, ManualClock, SeededEntropy};
use crate::store::SledStore;
use crate::tui::replay::{Scenario, Step, parse};
use crate::tui::state::Theme;
use crate::tui::{Headless, MemoryClipboard};

/// 2026-11-23 19:39:01 UTC: every replay starts at this instant.
pub const REPLAY_START: Timestamp = Timestamp(1_795_462_741_000);
/// The seed of every replay's SIDs and secrets.
pub const REPLAY_SEED: u64 = 7;

/// Where `replay` writes besides (or instead of) printing the frames.
pub struct Media {
    /// An asciinema v2 recording of the whole scenario.
    pub cast: Option<PathBuf>,
    /// A directory for one SVG picture per `snapshot`.
    pub svg: Option<PathBuf>,
}

pub async fn run(file: &Path, media: Media) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the scenario {}", file.display()))?;
    let scenario = parse(&text).with_context(|| format!("in {}", file.display()))?;
    let dir = tempfile::tempdir().context("cannot make a temporary directory for the store")?;
    let clock = Arc::new(ManualClock::new(REPLAY_START));
    let (backend, _) = fresh_backend(dir.path(), clock.clone()).await?;
    let title = file.file_name().map_or_else(
        || file.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut frames = Frames::default();
    let mut cast = media
        .cast
        .as_ref()
        .map(|_| cast::Cast::new(scenario.size, REPLAY_START, &title));
    let mut pictures = media.svg.as_ref().map(|_| svg::Pictures::default());
    {
        let mut recordings: Vec<&mut dyn Recording> = Vec::new();
        match (&mut cast, &mut pictures) {
            (None, None) => recordings.push(&mut frames),
            (cast, pictures) => {
                recordings.extend(cast.as_mut().map(|c| c as &mut dyn Recording));
                recordings.extend(pictures.as_mut().map(|p| p as &mut dyn Recording));
            }
        }
        play(&scenario, backend, &clock, &mut recordings).await?;
    }
    // Written only once the whole scenario has played, so that a mistake leaves no half a file.
    let mut out = std::io::stdout().lock();
    if let (Some(path), Some(cast)) = (&media.cast, cast) {
        let length = cast.length();
        std::fs::write(path, cast.into_bytes())
            .with_context(|| format!("cannot write the recording {}", path.display()))?;
        writeln!(
            out,
            "Wrote {} ({}.{:03} s at {} × {}); play it with: asciinema play {}",
            path.display(),
            length.as_secs(),
            length.subsec_millis(),
            scenario.size.0,
            scenario.size.1,
            path.display()
        )?;
    }
    if let (Some(dir), Some(pictures)) = (&media.svg, pictures) {
        for path in pictures.write_to(dir)? {
            writeln!(out, "Wrote {}", path.display())?;
        }
    }
    for (name, frame) in frames.0 {
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

/// What a [`Recording`] is told, each time with the console as it is right after.
pub enum Moment<'a> {
    /// The console has read the session and the first list; nothing has been pressed yet.
    Started,
    /// A key of a `key` line was pressed.
    Key,
    /// A character of a `type` line was typed.
    Typed,
    Click,
    /// The clock moved on by this much, and a countdown on screen caught up.
    Waited(Seconds),
    Resized,
    Snapshot(&'a str),
    /// The last step has been played.
    Finished,
}

/// One kind of output of a replay, fed as the scenario plays.
pub trait Recording {
    fn record(&mut self, moment: &Moment<'_>, console: &mut Headless) -> anyhow::Result<()>;
}

/// The frame of each `snapshot`, named, as text.
#[derive(Default)]
pub struct Frames(pub Vec<(String, String)>);

impl Recording for Frames {
    fn record(&mut self, moment: &Moment<'_>, console: &mut Headless) -> anyhow::Result<()> {
        if let Moment::Snapshot(name) = moment {
            self.0.push(((*name).to_owned(), console.frame()));
        }
        Ok(())
    }
}

/// Runs the steps, telling each recording after every key, typed character, click, wait, resize
/// and snapshot.
pub async fn play(
    scenario: &Scenario,
    backend: Arc<dyn Backend>,
    clock: &ManualClock,
    recordings: &mut [&mut dyn Recording],
) -> anyhow::Result<()> {
    demo_apps(&*backend, clock, scenario.apps).await?;
    let (width, height) = scenario.size;
    let mut console =
        Headless::start(backend, Arc::new(MemoryClipboard::default()), width, height).await?;
    // Text frames look the same either way; recordings and pictures show the colours a terminal
    // would (none under NO_COLOR).
    console.set_theme(Theme::Default.unless_no_color());
    let mut tell = |moment: Moment<'_>, console: &mut Headless| -> anyhow::Result<()> {
        for recording in recordings.iter_mut() {
            recording.record(&moment, console)?;
        }
        Ok(())
    };
    tell(Moment::Started, &mut console)?;
    for step in &scenario.steps {
        match step {
            Step::Key(key) => {
                console.key(*key).await;
                tell(Moment::Key, &mut console)?;
            }
            Step::Text(text) => {
                for c in text.chars() {
                    console.press(KeyCode::Char(c)).await;
                    tell(Moment::Typed, &mut console)?;
                }
            }
            Step::Click(column, row) => {
                console.click(*column, *row).await;
                tell(Moment::Click, &mut console)?;
            }
            Step::Wait(by) => {
                clock.advance(*by);
                // What a second's tick does in a terminal: a countdown on screen catches up.
                console.tick().await;
                tell(Moment::Waited(*by), &mut console)?;
            }
            Step::Resize(width, height) => {
                console.resize(*width, *height).await;
                tell(Moment::Resized, &mut console)?;
            }
            Step::Snapshot(name) => tell(Moment::Snapshot(name), &mut console)?,
        }
    }
    tell(Moment::Finished, &mut console)
}
