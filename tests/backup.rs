//! Backup, restore, export and import as a script runs them: the real binary over temporary data
//! directories, and a real `serve` for the secrets and signing keys that must still work.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

const MESSAGES_READ: &str = "/twilio/messaging/messages/read";
const MESSAGES_LIST: &str = "/twilio/messaging/messages/list";

fn oauth_console(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-console"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("OAUTH_CONSOLE_DATA_DIR")
        .env_remove("OAUTH_CONSOLE_USER")
        .env_remove("OAUTH_CONSOLE_SERVER")
        .env_remove("OAUTH_CONSOLE_ADMIN_USER")
        .env("OAUTH_CONSOLE_ADMIN_PASSWORD", "a long test password")
        .stdin(Stdio::null());
    command
}

fn run(data_dir: &Path, args: &[&str]) -> Output {
    oauth_console(data_dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn json(output: &Output) -> Value {
    assert!(output.status.success(), "failed: {}", stderr(output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

#[track_caller]
fn refusal(output: &Output) -> String {
    assert!(!output.status.success(), "succeeded: {}", stdout(output));
    stderr(output)
}

/// `oauth-console serve` on a free port of 127.0.0.1, killed when dropped.
struct Serving {
    child: Child,
    base: String,
}

impl Serving {
    fn start(data_dir: &Path) -> Serving {
        let mut child = oauth_console(data_dir)
            // Stopped by the test, with no balancer to wait for.
            .args(["serve", "--listen", "127.0.0.1:0", "--drain-delay", "0s"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut log = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let address = loop {
            line.clear();
            assert!(log.read_line(&mut line).unwrap() > 0, "serve stopped");
            if let Some(rest) = line.split("address=").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep reading the log so that the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        Serving {
            child,
            base: format!("http://{address}"),
        }
    }

    /// Stops the server as Ctrl-C would, and waits for it to let the data directory go.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        self.child.wait().unwrap();
    }

    /// The status of a client-credentials token request with these credentials.
    fn token(&self, client_id: &str, secret: &str) -> u16 {
        let request = reqwest::Client::new()
            .post(format!("{}/v2/token", self.base))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")]);
        let response = block_on(request.send()).unwrap();
        response.status().as_u16()
    }

    fn jwks(&self) -> Value {
        let url = format!("{}/.well-known/jwks.json", self.base);
        block_on(async { reqwest::get(url).await?.json().await }).unwrap()
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn create(dir: &Path, name: &str) -> (String, String) {
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
    (
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn a_backup_taken_while_serving_restores_into_a_fresh_directory_where_old_secrets_and_keys_work() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (client_id, secret) = create(&data, "Billing sync");
    let serving = Serving::start(&data);
    assert_eq!(serving.token(&client_id, &secret), 200);
    let jwks = serving.jwks();
    // serve holds the data directory; it writes the backup for the command.
    let file = dir.path().join("store.backup");
    let backed_up = json(&run(&data, &["backup", file.to_str().unwrap(), "--json"]));
    assert_eq!(backed_up["read_by_running_process"], true);
    serving.stop();
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a backup holds the signing keys");
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains(&secret),
        "secrets are in a backup only as their digests"
    );

    let restored = dir.path().join("restored");
    let said = json(&run(
        &restored,
        &["restore", file.to_str().unwrap(), "--json"],
    ));
    assert_eq!(said["records"], backed_up["records"]);
    let serving = Serving::start(&restored);
    assert_eq!(
        serving.token(&client_id, &secret),
        200,
        "the old secret works on the restored store"
    );
    assert_eq!(serving.jwks(), jwks, "the same signing keys");
    serving.stop();
    let list = json(&run(&restored, &["apps", "list", "--json"]));
    assert_eq!(list["apps"][0]["client_id"], client_id.as_str());
    // The restored store takes new apps like any other.
    create(&restored, "After restore");
}

#[test]
fn a_backup_from_a_newer_format_or_cut_short_is_refused_with_what_to_do_and_restores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create(&data, "Billing sync");
    let file = dir.path().join("store.backup");
    json(&run(&data, &["backup", file.to_str().unwrap(), "--json"]));
    let text = std::fs::read_to_string(&file).unwrap();

    let newer = dir.path().join("newer.backup");
    std::fs::write(&newer, text.replacen("\"version\":1", "\"version\":2", 1)).unwrap();
    let target = dir.path().join("from-newer");
    let said = refusal(&run(&target, &["restore", newer.to_str().unwrap()]));
    assert!(
        said.contains(
            "is backup format 2; this oauth-console reads up to format 1: restore it with the newer oauth-console that wrote it"
        ),
        "{said}"
    );
    assert!(!target.exists(), "nothing restored");

    let lines: Vec<&str> = text.lines().collect();
    let cut = dir.path().join("cut.backup");
    std::fs::write(&cut, lines[..lines.len() - 1].join("\n")).unwrap();
    let target = dir.path().join("from-cut");
    let said = refusal(&run(&target, &["restore", cut.to_str().unwrap()]));
    assert!(
        said.contains("ends before its last line (it was cut short): make the backup again"),
        "{said}"
    );
    assert!(!target.exists(), "nothing restored");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("restoring")),
        "no half-written store left beside it"
    );
}

#[test]
fn restore_refuses_a_data_directory_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (client_id, _) = create(&data, "Billing sync");
    let file = dir.path().join("store.backup");
    json(&run(&data, &["backup", file.to_str().unwrap(), "--json"]));
    let other = dir.path().join("other");
    let (other_app, _) = create(&other, "Other");
    let said = refusal(&run(&other, &["restore", file.to_str().unwrap()]));
    assert!(
        said.contains("is not empty: restore only into a new or empty data directory"),
        "{said}"
    );
    let list = json(&run(&other, &["apps", "list", "--json"]));
    assert_eq!(list["apps"][0]["client_id"], other_app.as_str());
    assert_ne!(other_app, client_id);
    // An empty directory is fine.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    json(&run(&empty, &["restore", file.to_str().unwrap(), "--json"]));
}

#[test]
fn export_edit_dry_run_import_and_import_again_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (billing, _) = create(&data, "Billing sync");
    create(&data, "Legacy");
    let file = dir.path().join("apps.yaml");
    let exported = run(&data, &["export", file.to_str().unwrap()]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("version: 1\nowners:\n"), "{text}");
    assert!(!text.contains("secret"), "{text}");

    // Edit: a description and a scope for Billing sync, a new app, Legacy left out.
    let mut file_json: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let owners = file_json["owners"].as_mapping_mut().unwrap();
    let (_, account) = owners.iter_mut().next().unwrap();
    let apps = account["apps"].as_mapping_mut().unwrap();
    let legacy = apps
        .iter()
        .find(|(_, app)| app["friendly_name"] == "Legacy")
        .map(|(id, _)| id.clone())
        .unwrap();
    apps.remove(&legacy);
    let entry = &mut apps[billing.as_str()];
    entry["description"] = "Syncs invoices".into();
    entry["scopes"]
        .as_sequence_mut()
        .unwrap()
        .push(MESSAGES_LIST.into());
    let new_id = format!("OQ{}", "ab".repeat(16));
    apps.insert(
        new_id.as_str().into(),
        serde_yaml_ng::from_str(&format!(
            "{{friendly_name: Nightly export, grant_type: client-credentials, scopes: ['{MESSAGES_READ}']}}"
        ))
        .unwrap(),
    );
    std::fs::write(&file, serde_yaml_ng::to_string(&file_json).unwrap()).unwrap();

    let plan = run(&data, &["import", file.to_str().unwrap(), "--dry-run"]);
    let said = stdout(&plan);
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(
        said.starts_with("Dry run: nothing was changed.\n"),
        "{said}"
    );
    assert!(said.contains(&format!("update     {billing}  Billing sync\n           description: (not set) -> \"Syncs invoices\"\n")), "{said}");
    assert!(
        said.contains(&format!("create     {new_id}  Nightly export\n")),
        "{said}"
    );
    assert!(said.contains("keep"), "{said}");
    assert!(
        said.contains("1 to create, 1 to update, 0 unchanged, 0 to delete, 1 kept."),
        "{said}"
    );
    let list = json(&run(&data, &["apps", "list", "--json"]));
    assert_eq!(
        list["apps"].as_array().unwrap().len(),
        2,
        "a dry run changes nothing"
    );

    let applied = json(&run(&data, &["import", file.to_str().unwrap(), "--json"]));
    assert_eq!(applied["applied"], true);
    assert_eq!(
        (applied["created"].as_u64(), applied["updated"].as_u64()),
        (Some(1), Some(1))
    );
    let created = applied["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["action"] == "create")
        .unwrap();
    assert_eq!(created["client_id"], new_id.as_str());
    assert_eq!(created["client_secret"].as_str().unwrap().len(), 43);

    let again = run(&data, &["import", file.to_str().unwrap()]);
    let said = stdout(&again);
    assert!(
        said.contains("0 created, 0 updated, 2 unchanged, 0 deleted, 1 kept."),
        "{said}"
    );
    assert!(
        said.contains("Nothing to change: the apps already match the file."),
        "{said}"
    );
    assert!(!said.contains("Client secret"), "{said}");
    let events = json(&run(&data, &["audit", "--json"]));
    assert_eq!(
        events["events"].as_array().unwrap().len(),
        4,
        "two creates, then one create and one update: nothing for the second import"
    );

    let pruned = json(&run(
        &data,
        &["import", file.to_str().unwrap(), "--prune", "--json"],
    ));
    assert_eq!(pruned["deleted"], 1);
    assert_eq!(
        json(&run(&data, &["apps", "list", "--json"]))["apps"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_bad_import_file_gets_one_line_naming_the_entry_the_field_and_the_limit_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (billing, _) = create(&data, "Billing sync");
    let file = dir.path().join("apps.json");
    assert!(
        run(&data, &["export", file.to_str().unwrap()])
            .status
            .success()
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let long = "x".repeat(65);
    std::fs::write(
        &file,
        text.replace("\"Billing sync\"", &format!("\"{long}\"")),
    )
    .unwrap();
    let said = refusal(&run(&data, &["import", file.to_str().unwrap()]));
    assert_eq!(
        said,
        format!(
            "error: {}: nothing was imported: entry {billing} ({long}): name may be at most 64 characters; 65 were given\n",
            file.display()
        )
    );
    std::fs::write(&file, text.replace("\"version\": 1", "\"version\": 7")).unwrap();
    let said = refusal(&run(&data, &["import", file.to_str().unwrap()]));
    assert!(
        said.contains("this apps file is version 7; this oauth-console reads up to version 1"),
        "{said}"
    );
    std::fs::write(&file, text.replace("\"friendly_name\"", "\"nmae\"")).unwrap();
    let said = refusal(&run(&data, &["import", file.to_str().unwrap()]));
    assert!(said.contains("unknown field `nmae`"), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    let list = json(&run(&data, &["apps", "list", "--json"]));
    assert_eq!(list["apps"][0]["friendly_name"], "Billing sync");
}
