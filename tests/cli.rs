//! The `oauth-console` binary as a script would run it: real processes over a temporary data
//! directory.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub(crate) const MESSAGES_READ: &str = "/twilio/messaging/messages/read";

pub(crate) fn oauth_console(data_dir: &Path) -> Command {
    oauth_console_at(Path::new(env!("CARGO_BIN_EXE_oauth-console")), data_dir)
}

/// `program` (a build of oauth-console) on `data_dir`, with no settings from the environment.
pub(crate) fn oauth_console_at(program: &Path, data_dir: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("OAUTH_CONSOLE_DATA_DIR")
        .env_remove("OAUTH_CONSOLE_USER")
        .env_remove("OAUTH_CONSOLE_ADMIN_USER")
        .env("OAUTH_CONSOLE_ADMIN_PASSWORD", "a long test password")
        .stdin(Stdio::null());
    command
}

pub(crate) fn run(data_dir: &Path, args: &[&str]) -> Output {
    oauth_console(data_dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
pub(crate) fn json(output: &Output) -> Value {
    assert!(output.status.success(), "failed: {}", stderr(output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

fn app_count(dir: &Path) -> usize {
    json(&run(dir, &["apps", "list", "--json"]))["apps"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn create_prints_a_client_id_and_secret_then_list_and_audit_show_it() {
    let dir = tempfile::tempdir().unwrap();
    let created = json(&run(
        dir.path(),
        &[
            "apps",
            "create",
            "--name",
            "demo",
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    let client_id = created["client_id"].as_str().unwrap();
    assert_eq!(client_id.len(), 34);
    assert!(client_id.starts_with("OQ"));
    assert_eq!(created["client_secret"].as_str().unwrap().len(), 43);

    let list = run(dir.path(), &["apps", "list"]);
    let table = stdout(&list);
    assert!(table.starts_with("NAME  CLIENT ID"), "{table}");
    assert!(
        table.contains(&format!("demo  {client_id}  client-credentials")),
        "{table}"
    );

    let audit = json(&run(dir.path(), &["audit", "--json"]));
    let event = &audit["events"][0];
    assert_eq!(event["event_type"], "oauth-apps.created");
    assert_eq!(event["actor"], "admin");
    assert_eq!(event["app_sid"], client_id);
    // The secret is shown once: `show` has no trace of it.
    let shown = stdout(&run(dir.path(), &["apps", "show", client_id]));
    assert!(!shown.contains(created["client_secret"].as_str().unwrap()));
    assert!(shown.contains("Token expiration      1h"), "{shown}");
}

#[test]
fn the_first_start_says_once_on_stderr_how_to_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let first = oauth_console(dir.path())
        .env_remove("OAUTH_CONSOLE_ADMIN_PASSWORD")
        .env("OAUTH_CONSOLE_ADMIN_USER", "root-admin")
        .args(["owners", "--json"])
        .output()
        .unwrap();
    let said = stderr(&first);
    assert!(
        said.contains("User 'root-admin' (Owner of all three) has the password: "),
        "{said}"
    );
    let owners = json(&first);
    let kinds: Vec<_> = owners
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["account", "subaccount", "organization"]);
    let password = said
        .split("has the password: ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap();
    assert!(!stdout(&first).contains(password), "never in --json output");
    let second = run(dir.path(), &["owners"]);
    assert_eq!(stderr(&second), "", "said only once");
}

#[test]
fn bad_input_exits_non_zero_with_one_line_naming_the_limit_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let account_scopes: Vec<String> = json(&run(dir.path(), &["scopes", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap().to_owned())
        .collect();
    assert!(account_scopes.len() > 400, "the catalog is the real one");
    let mut too_many = vec!["apps", "create", "--name", "many"];
    for scope in account_scopes.iter().take(101) {
        too_many.extend(["--scope", scope.as_str()]);
    }
    let org_sid = json(&run(dir.path(), &["owners", "--json"]))[0]["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            too_many,
            "an app may have at most 100 scopes; 101 were selected",
        ),
        (
            vec![
                "apps",
                "create",
                "--name",
                "ttl",
                "--scope",
                MESSAGES_READ,
                "--token-ttl",
                "30s",
            ],
            "token expiration must be between 1 minute and 30 days (1m to 30d); 30s was given",
        ),
        (
            vec![
                "apps",
                "create",
                "--name",
                "unknown",
                "--scope",
                "/twilio/fax/faxes/read",
            ],
            "'/twilio/fax/faxes/read' is not a scope of account apps",
        ),
        (
            vec!["apps", "create", "--name", "", "--scope", MESSAGES_READ],
            "name is required (1 to 64 characters)",
        ),
        (
            vec![
                "apps",
                "create",
                "--name",
                "code",
                "--scope",
                MESSAGES_READ,
                "--grant-type",
                "authorization-code",
                "--owner",
                &org_sid,
                "--redirect-uri",
                "https://example.com/cb",
            ],
            "account apps support the client-credentials grant type only",
        ),
    ];
    for (args, expected) in cases {
        let output = run(dir.path(), &args);
        assert!(!output.status.success(), "{args:?} succeeded");
        let said = stderr(&output);
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(said.contains(expected), "{args:?}: {said}");
    }
    assert_eq!(app_count(dir.path()), 0, "nothing written");
    let bad_page = run(dir.path(), &["apps", "list", "--after", "not-a-token"]);
    assert_eq!(
        stderr(&bad_page),
        "error: 'not-a-token' is not a page token: pass the one printed with the previous page\n"
    );

    let created = json(&run(
        dir.path(),
        &[
            "apps",
            "create",
            "--name",
            "ok",
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    let id = created["client_id"].as_str().unwrap();
    let grace = run(dir.path(), &["apps", "rotate-secret", id, "--grace", "31d"]);
    assert!(!grace.status.success());
    assert!(
        stderr(&grace)
            .contains("grace period must be between 0 and 30 days (0s to 30d); 31d was given")
    );
    let events = json(&run(dir.path(), &["audit", "--json"]));
    assert_eq!(
        events["events"].as_array().unwrap().len(),
        1,
        "only the create was audited"
    );
}

#[test]
fn rotations_keep_the_two_newest_secrets_and_delete_needs_yes_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let created = json(&run(
        dir.path(),
        &[
            "apps",
            "create",
            "--name",
            "r",
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    let id = created["client_id"].as_str().unwrap();
    let first = json(&run(dir.path(), &["apps", "rotate-secret", id, "--json"]));
    assert!(first["previous_secret_expires_at"].is_string());
    json(&run(dir.path(), &["apps", "rotate-secret", id, "--json"]));
    let shown = json(&run(dir.path(), &["apps", "show", id, "--json"]));
    let secrets = shown["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2, "{shown}");
    assert!(secrets[0]["expires_at"].is_string() && secrets[1]["expires_at"].is_null());
    let zero = json(&run(
        dir.path(),
        &["apps", "rotate-secret", id, "--grace", "0", "--json"],
    ));
    assert_eq!(zero["app"]["secrets"].as_array().unwrap().len(), 1);

    let unconfirmed = run(dir.path(), &["apps", "delete", id]);
    assert!(!unconfirmed.status.success());
    assert!(stderr(&unconfirmed).contains("pass --yes"));
    assert_eq!(app_count(dir.path()), 1);
    let deleted = json(&run(dir.path(), &["apps", "delete", id, "--yes", "--json"]));
    assert_eq!(deleted["deleted"], true);
    assert_eq!(app_count(dir.path()), 0);
    let missing = run(dir.path(), &["apps", "show", id]);
    assert!(stderr(&missing).contains("was not found"));
}

#[test]
fn end_grace_needs_yes_off_a_terminal_ends_the_older_secret_and_says_when_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let created = json(&run(
        dir.path(),
        &[
            "apps",
            "create",
            "--name",
            "g",
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    let id = created["client_id"].as_str().unwrap();
    let nothing = run(dir.path(), &["apps", "end-grace", id, "--yes"]);
    assert!(!nothing.status.success());
    assert_eq!(
        stderr(&nothing).trim(),
        "error: OAuth app 'g' has no secret in a grace period: only its current secret works, so there is nothing to end (rotating makes a new secret)"
    );
    let rotated = json(&run(dir.path(), &["apps", "rotate-secret", id, "--json"]));
    let current = rotated["app"]["secrets"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let unconfirmed = run(dir.path(), &["apps", "end-grace", id]);
    assert!(!unconfirmed.status.success());
    assert!(
        stderr(&unconfirmed).contains("pass --yes"),
        "{}",
        stderr(&unconfirmed)
    );
    let shown = json(&run(dir.path(), &["apps", "show", id, "--json"]));
    assert_eq!(shown["secrets"].as_array().unwrap().len(), 2);

    let ended = run(dir.path(), &["apps", "end-grace", id, "--yes"]);
    assert!(ended.status.success(), "{}", stderr(&ended));
    assert_eq!(
        stdout(&ended),
        format!(
            "Ended the grace period of 'g' ({id}): its older secret no longer works; secret {current} carries on.\n"
        )
    );
    let shown = json(&run(dir.path(), &["apps", "show", id, "--json"]));
    let secrets = shown["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 1, "{shown}");
    assert_eq!(secrets[0]["id"], current.as_str());
    let audit = stdout(&run(dir.path(), &["audit", "--type", "secret-grace-ended"]));
    assert!(audit.contains("oauth-apps.secret-grace-ended"), "{audit}");
}

#[test]
fn a_billing_user_is_refused_and_a_developer_of_one_account_cannot_see_another() {
    let dir = tempfile::tempdir().unwrap();
    let owners = json(&run(dir.path(), &["owners", "--json"]));
    let account = owners[0]["sid"].as_str().unwrap();
    let subaccount = owners[1]["sid"].as_str().unwrap();
    let app = json(&run(
        dir.path(),
        &[
            "apps",
            "create",
            "--name",
            "main",
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    let app_id = app["client_id"].as_str().unwrap();
    json(&run(
        dir.path(),
        &[
            "users", "add", "bill", "--owner", account, "--role", "billing", "--json",
        ],
    ));
    json(&run(
        dir.path(),
        &[
            "users",
            "add",
            "dev",
            "--owner",
            subaccount,
            "--role",
            "Developer",
            "--json",
        ],
    ));

    let refused = run(
        dir.path(),
        &[
            "--user",
            "bill",
            "apps",
            "create",
            "--name",
            "x",
            "--scope",
            MESSAGES_READ,
        ],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("bill is Billing of Main account"),
        "{}",
        stderr(&refused)
    );

    let hidden = run(dir.path(), &["--user", "dev", "apps", "show", app_id]);
    assert!(stderr(&hidden).contains("was not found, or you have no access to it"));
    let list = run(
        dir.path(),
        &["--user", "dev", "apps", "list", "--owner", account],
    );
    assert!(!list.status.success());
    let own_list = json(&run(
        dir.path(),
        &["--user", "dev", "apps", "list", "--json"],
    ));
    assert_eq!(
        own_list["apps"].as_array().unwrap().len(),
        0,
        "defaults to the subaccount, which is empty"
    );
}

#[test]
fn authorized_applications_list_for_the_organization_and_revoke_needs_yes() {
    let dir = tempfile::tempdir().unwrap();
    let listed = json(&run(dir.path(), &["authorized", "list", "--json"]));
    assert_eq!(listed["authorizations"].as_array().unwrap().len(), 0);
    assert_eq!(
        stdout(&run(dir.path(), &["authorized", "list"]))
            .lines()
            .last(),
        Some("No authorized applications.")
    );
    let unknown = format!("AZ{}", "0".repeat(32));
    let unconfirmed = run(dir.path(), &["authorized", "revoke", &unknown]);
    assert!(
        stderr(&unconfirmed).contains("pass --yes"),
        "{}",
        stderr(&unconfirmed)
    );
    let missing = run(dir.path(), &["authorized", "revoke", &unknown, "--yes"]);
    assert!(
        stderr(&missing).contains(&format!("authorization {unknown} was not found")),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_data_directory_in_use_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    json(&run(dir.path(), &["owners", "--json"]));
    let _held = oauth_console::store::SledStore::open(dir.path()).unwrap();
    let refused = run(dir.path(), &["apps", "list"]);
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(
        said.contains("is in use by another oauth-console process"),
        "{said}"
    );
    assert!(said.contains("use another --data-dir"), "{said}");
}

#[test]
fn replay_prints_each_marked_frame_of_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("demo.scenario");
    std::fs::write(
        &scenario,
        "size 110 24\napps 2\nsnapshot list\nkey n\ntype Replayed\nkey Ctrl-s\nsnapshot scopes\n",
    )
    .unwrap();
    let output = run(dir.path(), &["replay", scenario.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("── list ──\n"), "{text}");
    assert!(text.contains("Demo app 002"));
    assert!(text.contains("── scopes ──\n"));
    assert!(text.contains("▶ 2 Scopes & permissions"));
    assert_eq!(text.lines().count(), 2 * 25);
}

#[test]
fn replay_names_the_line_of_a_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("bad.scenario");
    std::fs::write(&scenario, "key n\npress Enter\n").unwrap();
    let output = run(dir.path(), &["replay", scenario.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("line 2: 'press' is not a step"),
        "{}",
        stderr(&output)
    );
}

/// The frames `replay FILE` prints, by snapshot name.
fn replayed_frames(dir: &Path, scenario: &Path) -> Vec<(String, String)> {
    let output = run(dir, &["replay", scenario.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut frames: Vec<(String, String)> = Vec::new();
    for line in stdout(&output).lines() {
        match line
            .strip_prefix("── ")
            .and_then(|rest| rest.strip_suffix(" ──"))
        {
            Some(name) => frames.push((name.to_owned(), String::new())),
            None => {
                let (_, frame) = frames.last_mut().expect("a frame starts with its name");
                frame.push_str(line);
                frame.push('\n');
            }
        }
    }
    frames
}

/// A cast's header and its events, each line parsed as the JSON it must be.
fn read_cast(path: &Path) -> (Value, Vec<(f64, String, String)>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().map(|line| {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    });
    let header = lines.next().expect("a header line");
    let events = lines
        .map(|event| {
            let [time, code, data] = event.as_array().expect("an event is an array").as_slice()
            else {
                panic!("an event is [time, code, data]: {event}");
            };
            (
                time.as_f64().expect("a time in seconds"),
                code.as_str().expect("a code").to_owned(),
                data.as_str().expect("the output").to_owned(),
            )
        })
        .collect();
    (header, events)
}

/// The screen a terminal of the cast's size shows after `events`, row by row.
fn played(header: &Value, events: &[(f64, String, String)]) -> Vec<String> {
    let size = |key: &str| {
        std::num::NonZeroU16::new(u16::try_from(header[key].as_u64().unwrap()).unwrap()).unwrap()
    };
    let mut terminal = vt100::Parser::new(size("height"), size("width"), 0);
    for (_, code, data) in events {
        match code.as_str() {
            "o" => terminal.process(data.as_bytes()),
            "r" => {
                let (width, height) = data.split_once('x').expect("a resize is WIDTHxHEIGHT");
                terminal
                    .screen_mut()
                    .set_size(height.parse().unwrap(), width.parse().unwrap());
            }
            other => panic!("not an asciicast v2 event code: {other}"),
        }
    }
    let width = terminal.screen().size().1.get();
    terminal
        .screen()
        .rows(0, width)
        .map(|row| row.trim_end().to_owned())
        .collect()
}

fn rows(frame: &str) -> Vec<String> {
    frame.lines().map(|row| row.trim_end().to_owned()).collect()
}

#[test]
fn replay_records_a_cast_whose_terminal_shows_the_console_frames_and_whose_waits_take_their_time() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |wait: &str| {
        let path = dir.path().join(format!("cast-{wait}.scenario"));
        std::fs::write(
            &path,
            format!(
                "size 100 26\napps 2\nkey n\ntype Cast demo\nsnapshot typed\nwait {wait}\nkey Tab\ntype Sent as keys\nsnapshot described\n"
            ),
        )
        .unwrap();
        path
    };
    let cast = |wait: &str| {
        let out = dir.path().join(format!("{wait}.cast"));
        let output = run(
            dir.path(),
            &[
                "replay",
                scenario(wait).to_str().unwrap(),
                "--cast",
                out.to_str().unwrap(),
            ],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            stdout(&output).contains("asciinema play"),
            "{}",
            stdout(&output)
        );
        read_cast(&out)
    };
    let (header, events) = cast("30s");
    assert_eq!(header["version"], 2);
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(100), Some(26))
    );
    assert!(header["timestamp"].as_u64().is_some(), "{header}");
    assert!(
        header["title"]
            .as_str()
            .unwrap()
            .contains("cast-30s.scenario")
    );
    let times: Vec<f64> = events.iter().map(|(time, ..)| *time).collect();
    assert!(
        times.windows(2).all(|t| t[0] < t[1]),
        "times grow: {times:?}"
    );
    // One frame per key and typed character: "Cast demo" typed shows letter by letter.
    assert!(
        events.len() > "Cast demoSent as keys".len(),
        "{}",
        events.len()
    );

    // Every frame is the console's: the terminal shows each snapshot as `replay` prints it.
    let frames = replayed_frames(dir.path(), &scenario("30s"));
    let gap = times
        .windows(2)
        .position(|t| t[1] - t[0] >= 30.0)
        .expect("the wait");
    assert_eq!(
        played(&header, &events[..=gap]),
        rows(&frames[0].1),
        "typed"
    );
    assert_eq!(played(&header, &events), rows(&frames[1].1), "described");

    // A longer wait is that much longer, and nothing else changes.
    let (_, longer) = cast("90s");
    assert_eq!(longer.len(), events.len());
    for ((short, ..), (long, ..)) in events[..=gap].iter().zip(&longer) {
        assert!((short - long).abs() < 1e-9);
    }
    for ((short, ..), (long, ..)) in events[gap + 1..].iter().zip(&longer[gap + 1..]) {
        assert!((long - short - 60.0).abs() < 1e-6, "{short} then {long}");
    }
}

#[test]
fn replay_records_a_resize_as_the_new_size_and_the_console_redrawn_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("resize.scenario");
    std::fs::write(
        &scenario,
        "size 110 30\napps 3\nkey n\ntype Résumé 日本\nresize 80 24\nsnapshot small\n",
    )
    .unwrap();
    let out = dir.path().join("resize.cast");
    let output = run(
        dir.path(),
        &[
            "replay",
            scenario.to_str().unwrap(),
            "--cast",
            out.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let (header, events) = read_cast(&out);
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(110), Some(30))
    );
    let resizes: Vec<&str> = events
        .iter()
        .filter(|(_, code, _)| code == "r")
        .map(|(_, _, data)| data.as_str())
        .collect();
    assert_eq!(resizes, ["80x24"]);
    let frames = replayed_frames(dir.path(), &scenario);
    assert_eq!(played(&header, &events), rows(&frames[0].1));
}

/// The text of an SVG picture, put back on its grid: each `<text>` at the column and row its
/// position falls in.
fn svg_rows(svg: &str) -> (f64, f64, Vec<String>) {
    let document = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML ({e})"));
    let root = document.root_element();
    let number = |node: roxmltree::Node, name: &str| -> f64 {
        node.attribute(name).unwrap().parse().unwrap()
    };
    let (width, height) = (number(root, "width"), number(root, "height"));
    let mut grid: Vec<Vec<char>> = Vec::new();
    for text in root.descendants().filter(|n| n.has_tag_name("text")) {
        let column = (number(text, "x") / 8.4).round() as usize;
        let row = (number(text, "y") / 16.0).floor() as usize;
        if grid.len() <= row {
            grid.resize(row + 1, Vec::new());
        }
        let line = &mut grid[row];
        for (at, c) in (column..).zip(text.text().unwrap_or("").chars()) {
            if line.len() <= at {
                line.resize(at + 1, ' ');
            }
            line[at] = c;
        }
    }
    let rows = grid
        .into_iter()
        .map(|line| line.into_iter().collect::<String>().trim_end().to_owned())
        .collect();
    (width, height, rows)
}

#[test]
fn replay_pictures_every_snapshot_of_the_seed_flow_as_an_svg_holding_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/create-account-app.scenario");
    let pictures = dir.path().join("pictures");
    let output = run(
        dir.path(),
        &[
            "replay",
            scenario.to_str().unwrap(),
            "--svg",
            pictures.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let frames = replayed_frames(dir.path(), &scenario);
    assert_eq!(frames.len(), 5);
    let (_, scopes) = &frames[2];
    insta::assert_snapshot!("replay_wizard_scopes_and_permissions", scopes);
    for (name, frame) in &frames {
        let path = pictures.join(format!("{name}.svg"));
        assert!(
            stdout(&output).contains(&format!("Wrote {}", path.display())),
            "{}",
            stdout(&output)
        );
        let (width, height, text) = svg_rows(&std::fs::read_to_string(&path).unwrap());
        // The scenario's terminal is 110 × 24, a cell 8.4 × 16 pixels.
        assert_eq!((width, height), (924.0, 384.0), "{name}");
        let mut expected = rows(frame);
        while expected.last().is_some_and(String::is_empty) {
            expected.pop();
        }
        assert_eq!(text, expected, "{name}");
    }
}

#[test]
fn replay_refuses_two_snapshots_that_would_be_one_picture_and_writes_none() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("twice.scenario");
    std::fs::write(&scenario, "snapshot list/one\nkey n\nsnapshot list one\n").unwrap();
    let pictures = dir.path().join("pictures");
    let output = run(
        dir.path(),
        &[
            "replay",
            scenario.to_str().unwrap(),
            "--svg",
            pictures.to_str().unwrap(),
        ],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains("'list/one' and 'list one' would both be pictured as list-one.svg"),
        "{}",
        stderr(&output)
    );
    assert!(!pictures.exists());
}

#[test]
fn the_console_without_a_terminal_says_what_to_use_instead() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("the console needs a terminal"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn serve_beside_a_command_or_without_a_terminal_says_what_to_run_instead() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["--serve", "127.0.0.1:0", "apps", "list"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("oauth-console serve --listen 127.0.0.1:0"),
        "{}",
        stderr(&output)
    );
    let output = run(dir.path(), &["--serve", "127.0.0.1:0"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("the console needs a terminal; for the server alone"),
        "{}",
        stderr(&output)
    );
}

/// A refusal with `--json`: its stable code, exit status and message.
#[track_caller]
fn refused_with(output: &Output, code: &str, exit: i32) -> String {
    assert_eq!(output.status.code(), Some(exit), "{}", stderr(output));
    let said = stderr(output);
    let body: Value = serde_json::from_str(said.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {said}"));
    assert_eq!(body["code"], code, "{body}");
    body["error"].as_str().unwrap().to_owned()
}

#[test]
fn read_only_refuses_every_change_before_it_is_made_and_reads_as_ever() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let owners = json(&run(data, &["owners", "--json"]));
    let account = owners[0]["sid"].as_str().unwrap().to_owned();
    let created = json(&run(
        data,
        &[
            "apps",
            "create",
            "--name",
            "kept",
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    let id = created["client_id"].as_str().unwrap().to_owned();
    json(&run(data, &["apps", "rotate-secret", &id, "--json"]));
    let before = json(&run(data, &["apps", "show", &id, "--json"]));
    let file = data.join("apps.json");
    let file = file.to_str().unwrap();
    json(&run(data, &["export", file, "--json"]));

    let changes: [(&[&str], &str); 9] = [
        (
            &["apps", "create", "--name", "new", "--scope", MESSAGES_READ],
            "create apps",
        ),
        (&["apps", "update", &id, "--name", "renamed"], "change apps"),
        (&["apps", "rotate-secret", &id], "rotate secrets"),
        (&["apps", "end-grace", &id, "--yes"], "end grace periods"),
        (&["apps", "delete", &id, "--yes"], "delete apps"),
        (&["import", file, "--prune"], "import apps"),
        (
            &[
                "users", "add", "eve", "--owner", &account, "--role", "Owner",
            ],
            "add users",
        ),
        (&["users", "set-read-only", "admin", "true"], "change users"),
        (&["keys", "rotate"], "rotate signing keys"),
    ];
    for (args, doing) in changes {
        let output = oauth_console(data)
            .arg("--read-only")
            .args(args)
            .arg("--json")
            .output()
            .unwrap();
        let message = refused_with(&output, "forbidden", 6);
        assert_eq!(
            message,
            format!(
                "read-only: this console or command was started with --read-only, so it may not {doing}"
            ),
            "{args:?}"
        );
    }
    // The environment and the config file say it as the flag does.
    let by_env = oauth_console(data)
        .env("OAUTH_CONSOLE_READ_ONLY", "true")
        .args(["apps", "rotate-secret", &id, "--json"])
        .output()
        .unwrap();
    refused_with(&by_env, "forbidden", 6);
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("config.toml");
    std::fs::write(&config, "read_only = true\n").unwrap();
    let config = config.to_str().unwrap();
    let by_file = run(
        data,
        &["--config", config, "apps", "rotate-secret", &id, "--json"],
    );
    refused_with(&by_file, "forbidden", 6);

    assert_eq!(
        json(&run(data, &["--read-only", "apps", "show", &id, "--json"])),
        before,
        "nothing changed, and reading works read-only"
    );
    assert_eq!(app_count(data), 1);
    json(&run(data, &["--read-only", "audit", "--json"]));
    json(&run(
        data,
        &["--read-only", "import", file, "--dry-run", "--json"],
    ));
    let users = json(&run(data, &["users", "--json"]));
    assert_eq!(users[0]["read_only"], false, "{users}");
}

#[test]
fn read_only_comes_from_the_flag_the_environment_or_the_config_file_as_config_show_says() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("config.toml");
    std::fs::write(&config, "read_only = true\npresent = true\n").unwrap();
    let config = config.to_str().unwrap();
    let setting = |shown: &Value, key: &str| -> Value {
        shown["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no {key} in {shown}"))
    };
    let from_file = json(&run(
        data,
        &["--config", config, "config", "show", "--json"],
    ));
    let read_only = setting(&from_file, "read_only");
    assert_eq!(read_only["value"], "true", "{read_only}");
    assert_eq!(read_only["source"]["kind"], "file", "{read_only}");
    assert_eq!(read_only["source"]["line"], 1, "{read_only}");
    assert_eq!(setting(&from_file, "present")["source"]["line"], 2);
    let by_env = oauth_console(data)
        .env("OAUTH_CONSOLE_READ_ONLY", "false")
        .args(["--config", config, "config", "show", "--json"])
        .output()
        .unwrap();
    let read_only = setting(&json(&by_env), "read_only");
    assert_eq!(read_only["value"], "false", "{read_only}");
    assert_eq!(read_only["source"]["kind"], "environment", "{read_only}");
    let default = json(&run(data, &["config", "show", "--json"]));
    assert_eq!(setting(&default, "read_only")["value"], "false");
    let bad = config_dir.path().join("bad.toml");
    std::fs::write(&bad, "read_only = \"yes\"\n").unwrap();
    let refused = run(data, &["--config", bad.to_str().unwrap(), "owners"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("read_only takes true or false"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn a_read_only_user_may_read_and_is_refused_every_change_until_an_owner_lifts_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let owners = json(&run(data, &["owners", "--json"]));
    let account = owners[0]["sid"].as_str().unwrap().to_owned();
    let added = json(&run(
        data,
        &[
            "users",
            "add",
            "viewer",
            "--owner",
            &account,
            "--role",
            "Developer",
            "--read-only-user",
            "--json",
        ],
    ));
    assert_eq!(added["user"]["read_only"], true, "{added}");
    let create = [
        "--user",
        "viewer",
        "apps",
        "create",
        "--name",
        "x",
        "--scope",
        MESSAGES_READ,
        "--json",
    ];
    let message = refused_with(&run(data, &create), "forbidden", 6);
    assert_eq!(
        message,
        "read-only: viewer may read but not create apps; an Owner or Administrator can lift it"
    );
    json(&run(data, &["--user", "viewer", "apps", "list", "--json"]));
    let listed = stdout(&run(data, &["users"]));
    assert!(listed.contains("Developer of"), "{listed}");
    assert!(listed.contains("(read-only)"), "{listed}");
    // Nobody lifts their own flag, and a read-only user changes no one's.
    let own = run(
        data,
        &[
            "--user",
            "viewer",
            "users",
            "set-read-only",
            "viewer",
            "false",
            "--json",
        ],
    );
    refused_with(&own, "forbidden", 6);
    let lifted = json(&run(
        data,
        &["users", "set-read-only", "viewer", "false", "--json"],
    ));
    assert_eq!(lifted["read_only"], false, "{lifted}");
    json(&run(data, &create));
    assert_eq!(app_count(data), 1);
}
