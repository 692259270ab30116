//! A process killed at any moment leaves a store that opens with every answered write in it: the
//! torn files a kill inside sled's open leaves are repaired, other damage is refused with what to
//! do, and a loop SIGKILLs real processes inside open, commit and shutdown.
//!
//! `scripts/sigkill-loop.sh` runs the same loop for 500 rounds under a CPU hog, against a release
//! build (`SIGKILL_ROUNDS`, `OAUTH_CONSOLE_BIN`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::Value;

use crate::cli::{MESSAGES_READ, json, oauth_console_at, run, stderr};

fn create(dir: &Path, name: &str) -> String {
    let created = json(&run(
        dir,
        &[
            "apps",
            "create",
            "--name",
            name,
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    created["client_id"].as_str().unwrap().to_owned()
}

/// The client IDs of the apps listed, and of the apps the audit events are about; `Err` with what
/// the command said when the store does not open.
fn apps_and_audited(
    mut run: impl FnMut(&[&str]) -> Output,
) -> Result<(Vec<String>, Vec<String>), String> {
    let ids = |output: Output, list: &str, field: &str| {
        if !output.status.success() {
            return Err(stderr(&output));
        }
        let body: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
        Ok(body[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item[field].as_str().unwrap().to_owned())
            .collect::<Vec<_>>())
    };
    let apps = ids(
        run(&["apps", "list", "--limit", "1000", "--json"]),
        "apps",
        "client_id",
    )?;
    let audited = ids(
        run(&["audit", "--limit", "1000", "--json"]),
        "events",
        "app_sid",
    )?;
    Ok((apps, audited))
}

/// The files opening moved aside, by name.
fn repaired_files(dir: &Path) -> Vec<String> {
    let Ok(repairs) = std::fs::read_dir(dir.join("repaired")) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for repair in repairs {
        for file in std::fs::read_dir(repair.unwrap().path()).unwrap() {
            names.push(file.unwrap().file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    names
}

#[test]
fn a_snapshot_a_killed_open_left_unfinished_is_moved_aside_and_every_app_and_event_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let created: Vec<String> = (1..=3)
        .map(|n| create(dir.path(), &format!("app {n}")))
        .collect();
    // What a kill between sled's create of the snapshot file and its first write leaves: sled
    // 0.34.7 picks it as the newest snapshot, being last in name order, and refuses it.
    plant(&dir.path().join("snap.FFFFFFFFFFFFFFFF.generating"), b"");

    let listed = run(dir.path(), &["apps", "list", "--limit", "1000", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let said = stderr(&listed);
    assert!(
        said.contains("moved aside a file that a process killed while opening the store left torn")
            && said.contains("file=snap.FFFFFFFFFFFFFFFF.generating")
            && said.contains("repaired/"),
        "{said}"
    );
    let (apps, audited) = apps_and_audited(|args| run(dir.path(), args)).unwrap();
    for id in &created {
        assert!(apps.contains(id), "{id} was lost: {apps:?}");
        assert!(
            audited.contains(id),
            "{id} lost its audit event: {audited:?}"
        );
    }
    assert_eq!(
        repaired_files(dir.path()),
        ["snap.FFFFFFFFFFFFFFFF.generating"]
    );
    assert!(!dir.path().join("snap.FFFFFFFFFFFFFFFF.generating").exists());
}

/// sled's `conf` as a kill between its text and its checksum leaves it: the text alone.
fn torn_conf() -> Vec<u8> {
    let scratch = tempfile::tempdir().unwrap();
    create(scratch.path(), "scratch");
    let whole = std::fs::read(scratch.path().join("conf")).unwrap();
    whole[..whole.len() - 4].to_vec()
}

#[test]
fn a_conf_a_killed_first_open_left_torn_is_moved_aside_and_the_store_starts() {
    let dir = tempfile::tempdir().unwrap();
    make_private(dir.path());
    plant(&dir.path().join("conf"), &torn_conf());

    let id = create(dir.path(), "first");
    let (apps, audited) = apps_and_audited(|args| run(dir.path(), args)).unwrap();
    assert_eq!((apps, audited), (vec![id.clone()], vec![id]));
    assert_eq!(repaired_files(dir.path()), ["conf"]);
}

#[test]
fn damage_that_opening_cannot_repair_is_refused_with_what_to_do_and_left_as_it_was() {
    let refused = |dir: &Path| {
        let output = run(dir, &["apps", "list"]);
        assert!(!output.status.success());
        let said = stderr(&output);
        assert!(
            said.contains(&format!(
                "the data directory {} is damaged beyond what opening repairs",
                dir.display()
            )) && said.contains("keep it as it is for inspection, and restore a backup"),
            "{said}"
        );
        assert!(repaired_files(dir).is_empty());
    };

    // A finished snapshot (the open after a write makes one) whose checksum no longer matches.
    let dir = tempfile::tempdir().unwrap();
    create(dir.path(), "kept");
    json(&run(dir.path(), &["apps", "list", "--json"]));
    let snapshot = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snap.")
        })
        .expect("opening after a write leaves a snapshot");
    let mut garbled = std::fs::read(&snapshot).unwrap();
    garbled[0] ^= 0xFF;
    std::fs::write(&snapshot, &garbled).unwrap();
    refused(dir.path());
    assert_eq!(std::fs::read(&snapshot).unwrap(), garbled);

    // A torn conf beside a log that holds records: which settings wrote it is unknown.
    let dir = tempfile::tempdir().unwrap();
    create(dir.path(), "kept");
    std::fs::write(dir.path().join("conf"), torn_conf()).unwrap();
    refused(dir.path());
}

/// Where in a process's life a kill landed, told by the marks it logged before it died.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Phase {
    /// Before the store finished opening (sled's recovery, snapshot and settings writes).
    Open,
    /// Opened, no commit begun.
    AfterOpen,
    /// Between a commit's start and its flush.
    Commit,
    /// Every commit durable, the client ID not yet printed.
    BeforeAnswer,
    /// The client ID printed, the process not yet gone (dropping the store flushes it).
    Shutdown,
}

const AIMED_AT: [Phase; 3] = [Phase::Open, Phase::Commit, Phase::Shutdown];

/// What a process wrote, as it wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Opened,
    Committing,
    Durable,
    Answered,
}

fn phase_of(marks: &[Mark]) -> Phase {
    let count = |mark| marks.iter().filter(|m| **m == mark).count();
    if marks.contains(&Mark::Answered) {
        Phase::Shutdown
    } else if count(Mark::Opened) == 0 {
        Phase::Open
    } else if count(Mark::Committing) == 0 {
        Phase::AfterOpen
    } else if count(Mark::Committing) > count(Mark::Durable) {
        Phase::Commit
    } else {
        Phase::BeforeAnswer
    }
}

/// The client ID in what `apps create --json` printed, whole or cut off after it.
fn client_id_in(printed: &str) -> Option<String> {
    let start = printed.find("\"client_id\": \"")? + "\"client_id\": \"".len();
    let id = printed.get(start..start + 34)?;
    printed[start + 34..]
        .starts_with('"')
        .then(|| id.to_owned())
}

/// Reads the child's output on two threads, sending each mark with the moment it arrived.
fn watch(
    child: &mut Child,
) -> (
    mpsc::Receiver<(Mark, Instant)>,
    std::thread::JoinHandle<String>,
) {
    let (marks, received) = mpsc::channel();
    let log = BufReader::new(child.stderr.take().unwrap());
    let log_marks = marks.clone();
    std::thread::spawn(move || {
        for line in log.lines().map_while(Result::ok) {
            let mark = if line.contains("store opened") {
                Mark::Opened
            } else if line.contains("committing") {
                Mark::Committing
            } else if line.contains("commit durable") {
                Mark::Durable
            } else {
                continue;
            };
            let _ = log_marks.send((mark, Instant::now()));
        }
    });
    let mut out = child.stdout.take().unwrap();
    let printed = std::thread::spawn(move || {
        let mut printed = Vec::new();
        let mut chunk = [0; 4096];
        while let Ok(read @ 1..) = out.read(&mut chunk) {
            printed.extend_from_slice(&chunk[..read]);
            if client_id_in(&String::from_utf8_lossy(&printed)).is_some() {
                let _ = marks.send((Mark::Answered, Instant::now()));
            }
        }
        String::from_utf8_lossy(&printed).into_owned()
    });
    (received, printed)
}

/// When `wanted` arrived, keeping every mark up to it in `seen`; `None` when the process ended
/// (both readers closed) or hung without it.
fn wait_for(
    wanted: Mark,
    marks: &mpsc::Receiver<(Mark, Instant)>,
    seen: &mut Vec<(Mark, Instant)>,
) -> Option<Instant> {
    while let Ok((mark, at)) = marks.recv_timeout(Duration::from_secs(30)) {
        seen.push((mark, at));
        if mark == wanted {
            return Some(at);
        }
    }
    None
}

/// How long each aimed-at phase lasted in the runs that finished: a kill aimed at one waits a
/// random part of its median length after the phase began, so that most land inside it.
struct PhaseLengths(HashMap<Phase, Vec<Duration>>);

impl PhaseLengths {
    fn learn(&mut self, phase: Phase, began: Instant, ended: Instant) {
        self.0.entry(phase).or_default().push(ended - began);
    }

    fn median(&self, phase: Phase) -> Duration {
        let mut lengths = self.0.get(&phase).cloned().unwrap_or_default();
        lengths.sort();
        lengths.get(lengths.len() / 2).copied().unwrap_or_default()
    }

    /// Learns the phases `marks` show whole; shutdown only from a process that `exited` itself.
    fn learn_from(&mut self, spawned: Instant, marks: &[(Mark, Instant)], exited: Option<Instant>) {
        let first = |wanted| marks.iter().find(|(m, _)| *m == wanted).map(|(_, at)| *at);
        if let Some(opened) = first(Mark::Opened) {
            self.learn(Phase::Open, spawned, opened);
        }
        // The last commit is the create's (a new store's first open commits its first user too).
        let last = |wanted| {
            marks
                .iter()
                .rev()
                .find(|(m, _)| *m == wanted)
                .map(|(_, at)| *at)
        };
        if let (Some(began), Some(durable)) = (last(Mark::Committing), last(Mark::Durable)) {
            self.learn(Phase::Commit, began, durable);
        }
        if let (Some(answered), Some(exited)) = (first(Mark::Answered), exited) {
            self.learn(Phase::Shutdown, answered, exited);
        }
    }
}

/// What the loop saw.
#[derive(Debug, Default)]
struct Tally {
    rounds: usize,
    kills: HashMap<Phase, usize>,
    finished_before_the_kill: usize,
    acknowledged: usize,
    unopenable: Vec<String>,
    lost: Vec<String>,
    torn_commits: usize,
    /// Torn files the checks' opens moved aside: kills that left a store sled 0.34.7 refuses.
    repairs: usize,
}

/// Rounds of `apps create` SIGKILLed at a random moment of the phase each round aims at, on data
/// directories that start new every few rounds (so that first opens are killed too); after each
/// round the store must open with every acknowledged app and its audit event.
fn sigkill_loop(program: &Path, rounds: usize) -> Tally {
    const ROUNDS_PER_DIRECTORY: usize = 10;
    let command = |dir: &Path| {
        let mut command = oauth_console_at(program, dir);
        command.env("RUST_LOG", "warn,oauth_console::store=debug");
        command
    };
    let mut rng = rand::rng();
    let mut lengths = PhaseLengths(HashMap::new());
    let mut tally = Tally::default();
    let mut dir = tempfile::tempdir().unwrap();
    let mut acknowledged: Vec<String> = Vec::new();
    // Two runs left alone, on a new store and on a used one, give the first phase lengths.
    let scratch = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let spawned = Instant::now();
        let mut child = command(scratch.path())
            .args([
                "apps",
                "create",
                "--name",
                "calibration",
                "--scope",
                MESSAGES_READ,
                "--json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (marks, printed) = watch(&mut child);
        child.wait().unwrap();
        let exited = Instant::now();
        printed.join().unwrap();
        lengths.learn_from(spawned, &marks.try_iter().collect::<Vec<_>>(), Some(exited));
    }
    for round in 0..rounds {
        if round % ROUNDS_PER_DIRECTORY == 0 && round > 0 {
            dir = tempfile::tempdir().unwrap();
            acknowledged.clear();
        }
        let aim = AIMED_AT[rng.random_range(0..AIMED_AT.len())];
        let spawned = Instant::now();
        let mut child = command(dir.path())
            .args([
                "apps",
                "create",
                "--name",
                "survivor",
                "--scope",
                MESSAGES_READ,
                "--json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (marks, printed) = watch(&mut child);
        let mut seen = Vec::new();
        let began = match aim {
            Phase::Commit => wait_for(Mark::Committing, &marks, &mut seen),
            Phase::Shutdown => wait_for(Mark::Answered, &marks, &mut seen),
            _ => Some(spawned),
        };
        if let Some(began) = began {
            let wait = lengths.median(aim).mul_f64(rng.random_range(0.0..1.0));
            std::thread::sleep((began + wait).saturating_duration_since(Instant::now()));
        }
        let killed = child.try_wait().unwrap().is_none() && child.kill().is_ok();
        child.wait().unwrap();
        let exited = Instant::now();
        let printed = printed.join().unwrap();
        seen.extend(marks.try_iter());
        let marks_only: Vec<Mark> = seen.iter().map(|(mark, _)| *mark).collect();
        if killed {
            *tally.kills.entry(phase_of(&marks_only)).or_default() += 1;
        } else {
            tally.finished_before_the_kill += 1;
        }
        lengths.learn_from(spawned, &seen, (!killed).then_some(exited));
        if let Some(id) = client_id_in(&printed) {
            acknowledged.push(id);
            tally.acknowledged += 1;
        }
        tally.rounds += 1;

        // Checked on a copy, so that the next round's process opens the state this kill left, as
        // the next command after a crash would: opening the checked store itself would write the
        // snapshot the next round's open would otherwise be killed writing.
        let copy = tempfile::tempdir().unwrap();
        copy_dir(dir.path(), copy.path());
        let check = |args: &[&str]| command(copy.path()).args(args).output().unwrap();
        let checked = apps_and_audited(|args| {
            let output = check(args);
            tally.repairs += stderr(&output).matches("moved aside a file").count();
            output
        });
        match checked {
            Err(refusal) => {
                let checked_copy = copy.keep();
                let kept = std::mem::replace(&mut dir, tempfile::tempdir().unwrap()).keep();
                tally.unopenable.push(format!(
                    "round {round} ({:?}): {} kept in {} (as the kill left it) and {} (as checked)",
                    phase_of(&marks_only),
                    refusal.trim(),
                    kept.display(),
                    checked_copy.display()
                ));
                acknowledged.clear();
            }
            Ok((apps, audited)) => {
                for id in &acknowledged {
                    if !apps.contains(id) || !audited.contains(id) {
                        tally.lost.push(format!("round {round}: {id}"));
                    }
                }
                acknowledged.retain(|id| apps.contains(id) && audited.contains(id));
                if apps.len() != audited.len() {
                    tally.torn_commits += 1;
                }
            }
        }
    }
    tally
}

/// A file as the killed process left it: owner-only, as every file oauth-console makes in a data
/// directory is (a data directory others may read is refused before anything is repaired).
fn plant(path: &Path, contents: &[u8]) {
    std::fs::write(path, contents).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
}

/// A directory as oauth-console makes one: its owner's alone.
fn make_private(dir: &Path) {
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
}

/// A copy with the modes of the original: the data directory's own checks see what they saw.
fn copy_dir(from: &Path, to: &Path) {
    make_private(to);
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn print_tally(tally: &Tally) {
    let kills = |phase| tally.kills.get(&phase).copied().unwrap_or(0);
    println!(
        "rounds {}: killed in open {}, after open {}, in commit {}, before the answer {}, in shutdown {}; \
         finished before the kill {}; acknowledged creates {}; torn files repaired on open {}; \
         unopenable stores {}; lost acknowledged writes {}; apps without their event {}",
        tally.rounds,
        kills(Phase::Open),
        kills(Phase::AfterOpen),
        kills(Phase::Commit),
        kills(Phase::BeforeAnswer),
        kills(Phase::Shutdown),
        tally.finished_before_the_kill,
        tally.acknowledged,
        tally.repairs,
        tally.unopenable.len(),
        tally.lost.len(),
        tally.torn_commits,
    );
    for line in tally.unopenable.iter().chain(&tally.lost) {
        println!("  {line}");
    }
}

#[test]
fn processes_sigkilled_inside_open_commit_and_shutdown_leave_a_store_that_opens_with_every_acknowledged_app()
 {
    let rounds = std::env::var("SIGKILL_ROUNDS")
        .ok()
        .map(|rounds| {
            rounds
                .parse()
                .expect("SIGKILL_ROUNDS is a number of rounds")
        })
        .unwrap_or(30);
    let program = std::env::var_os("OAUTH_CONSOLE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_oauth-console")));
    let tally = sigkill_loop(&program, rounds);
    print_tally(&tally);
    assert!(
        AIMED_AT.iter().all(|phase| tally.kills.contains_key(phase)),
        "every phase killed at least once: {:?}",
        tally.kills
    );
    assert!(tally.unopenable.is_empty(), "{:?}", tally.unopenable);
    assert!(tally.lost.is_empty(), "{:?}", tally.lost);
    assert_eq!(
        tally.torn_commits, 0,
        "an app and its event commit together"
    );
}
