//! The binary as a shell user meets it: the config file and its precedence, `config show`,
//! errors with stable codes and exit statuses, completions from the store (also one that `serve`
//! holds) and man pages.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

use super::cli::{MESSAGES_READ, json, oauth_console, run, stderr, stdout};

/// The binary with no settings from the environment and no config file but `config`'s.
fn bare(config: Option<&Path>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-console"));
    for variable in [
        "OAUTH_CONSOLE_DATA_DIR",
        "OAUTH_CONSOLE_USER",
        "OAUTH_CONSOLE_ISSUER",
        "OAUTH_CONSOLE_SERVER",
        "OAUTH_CONSOLE_LISTEN",
        "OAUTH_CONSOLE_MAX_CONNECTIONS",
        "OAUTH_CONSOLE_CONFIG",
        "OAUTH_CONSOLE_CONFIG_DIR",
        "OAUTH_CONSOLE_COMPLETE",
        "OAUTH_CONSOLE_THEME",
    ] {
        command.env_remove(variable);
    }
    command
        .env("OAUTH_CONSOLE_ADMIN_PASSWORD", "a long test password")
        .stdin(Stdio::null());
    match config {
        Some(file) => command.arg("--config").arg(file),
        // The platform's config directory (and so its config.toml) is under it.
        None => command.env("XDG_CONFIG_HOME", "/nonexistent/oauth-console-config"),
    };
    command
}

fn write_config(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn setting<'a>(shown: &'a Value, key: &str) -> &'a Value {
    shown["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {shown}"))
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "# what this server types on every start\nissuer = \"https://file.example\"\nlisten = \"127.0.0.1:9100\"\nmax_connections = 64\n",
    );
    let shown = json(
        &bare(Some(&config))
            .env("OAUTH_CONSOLE_ISSUER", "https://env.example")
            .env("OAUTH_CONSOLE_LISTEN", "127.0.0.1:9200")
            .args([
                "--issuer",
                "https://flag.example",
                "config",
                "show",
                "--json",
            ])
            .output()
            .unwrap(),
    );
    let file = config.display().to_string();
    assert_eq!(shown["file"], file.as_str());
    let issuer = setting(&shown, "issuer");
    assert_eq!(issuer["value"], "https://flag.example");
    assert_eq!(issuer["source"]["kind"], "flag");
    let listen = setting(&shown, "listen");
    assert_eq!(listen["value"], "127.0.0.1:9200");
    assert_eq!(listen["source"]["variable"], "OAUTH_CONSOLE_LISTEN");
    let connections = setting(&shown, "max_connections");
    assert_eq!(connections["value"], "64");
    assert_eq!(connections["source"]["kind"], "file");
    assert_eq!(connections["source"]["file"], file.as_str());
    assert_eq!(connections["source"]["line"], 4);
    let ttl = setting(&shown, "refresh_token_ttl");
    assert_eq!(ttl["value"], "30d");
    assert_eq!(ttl["source"]["kind"], "default");
    // The same in the table a person reads.
    let table = stdout(
        &bare(Some(&config))
            .env("OAUTH_CONSOLE_LISTEN", "127.0.0.1:9200")
            .args(["config", "show"])
            .output()
            .unwrap(),
    );
    let line = |key: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} in {table}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("issuer"),
        format!("issuer https://file.example file {file}:2")
    );
    assert_eq!(
        line("listen"),
        "listen 127.0.0.1:9200 environment OAUTH_CONSOLE_LISTEN"
    );
    assert_eq!(line("refresh_token_ttl"), "refresh_token_ttl 30d default");
}

#[test]
fn config_show_masks_a_password_in_a_url() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "server = \"https://ops:hunter2@id.example\"\n");
    let output = bare(Some(&config))
        .args(["config", "show"])
        .output()
        .unwrap();
    let shown = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(shown.contains("https://ops:****@id.example"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn a_mistake_in_the_config_file_is_one_line_naming_file_line_key_and_what_is_allowed_and_nothing_starts()
 {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    for (text, expected) in [
        (
            "issuer = \"https://id.example\"\nmax_conections = 10\n",
            ":2: unknown key 'max_conections'; the keys are issuer, data_dir, server, database_url,",
        ),
        (
            "\n\nsigning_alg = \"HS256\"\n",
            ":3: signing_alg = \"HS256\" is refused (",
        ),
        (
            "max_failed_attempts = 0\n",
            ":1: max_failed_attempts = \"0\" is refused (",
        ),
    ] {
        let config = write_config(dir.path(), text);
        let output = bare(Some(&config))
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{text}");
        let said = stderr(&output);
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(
            said.starts_with(&format!("error: {}{expected}", config.display())),
            "{said}"
        );
        assert!(!data_dir.exists(), "a store was made despite {text}");
    }
    let config = write_config(dir.path(), "listen = 8080\n");
    let output = bare(Some(&config))
        .args(["apps", "list", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let refusal: Value = serde_json::from_slice(&output.stderr).unwrap();
    assert_eq!(refusal["code"], "invalid_config");
    assert!(
        refusal["error"]
            .as_str()
            .unwrap()
            .ends_with("listen takes an address and port, like 127.0.0.1:8080"),
        "{refusal}"
    );
    // A file named with --config must be there.
    let missing = bare(Some(&dir.path().join("missing.toml")))
        .args(["config", "show"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("missing.toml"),
        "{}",
        stderr(&missing)
    );
}

/// A `serve` running as a child, and what its first log line said.
struct Serving {
    child: Child,
    address: String,
    issuer: String,
}

impl Serving {
    fn start(mut command: Command) -> Serving {
        let mut child = command.stderr(Stdio::piped()).spawn().unwrap();
        let mut log = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let field = |line: &str, name: &str| {
            line.split(&format!("{name}="))
                .nth(1)
                .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        };
        let (address, issuer) = loop {
            line.clear();
            assert!(log.read_line(&mut line).unwrap() > 0, "serve stopped");
            if let (Some(address), Some(issuer)) = (field(&line, "address"), field(&line, "issuer"))
            {
                break (address, issuer);
            }
        };
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        Serving {
            child,
            address,
            issuer,
        }
    }

    /// One HTTP/1.1 request; the status and the body.
    fn request(&self, head: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        write!(
            stream,
            "{head}\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status = answer[9..12].parse().unwrap();
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// Ctrl-C, as a person stops it; a server still running 30 s later (its drain is 5 s, its
    /// requests' grace 10 s) fails the test rather than hanging the suite.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        let asked = std::time::Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if asked.elapsed() > std::time::Duration::from_secs(30) {
                self.child.kill().unwrap();
                panic!("serve did not stop within 30 s of Ctrl-C");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

#[test]
fn serve_starts_from_the_config_file_alone_and_a_flag_overrides_one_value() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let config = write_config(
        dir.path(),
        &format!(
            "issuer = \"https://file.example\"\nlisten = \"127.0.0.1:0\"\ndata_dir = \"{}\"\nsigning_alg = \"RS256\"\n",
            data_dir.display()
        ),
    );
    let serving = Serving::start({
        let mut command = bare(Some(&config));
        command.arg("serve");
        command
    });
    assert_eq!(serving.issuer, "https://file.example");
    assert_ne!(serving.address, "127.0.0.1:8080");
    let (status, metadata) = serving.request("GET /.well-known/openid-configuration HTTP/1.1", "");
    assert_eq!(status, 200, "{metadata}");
    let metadata: Value = serde_json::from_str(&metadata).unwrap();
    assert_eq!(metadata["issuer"], "https://file.example");
    let algs = metadata["id_token_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    assert!(algs.contains(&Value::from("RS256")), "{metadata}");
    serving.stop();
    assert!(
        data_dir.join("conf").exists(),
        "the file's data_dir was not used"
    );

    let serving = Serving::start({
        let mut command = bare(Some(&config));
        command.args(["serve", "--issuer", "https://flag.example"]);
        command
    });
    assert_eq!(serving.issuer, "https://flag.example");
    serving.stop();
}

#[track_caller]
fn refused(output: &Output, code: &str, exit: i32) -> Value {
    assert_eq!(output.status.code(), Some(exit), "{}", stderr(output));
    let said = stderr(output);
    let last = said.lines().last().unwrap_or_default();
    let body: Value =
        serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {said}"));
    assert_eq!(body["code"], code, "{body}");
    assert!(!body["error"].as_str().unwrap().is_empty());
    body
}

#[test]
fn every_failure_with_json_carries_a_stable_code_and_its_documented_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let owners = json(&run(data, &["owners", "--json"]));
    let account = owners[0]["sid"].as_str().unwrap().to_owned();

    refused(&run(data, &["apps", "show", "--json"]), "usage", 2);
    refused(&run(data, &["apps", "--json"]), "usage", 2);
    let unknown = format!("OQ{}", "0".repeat(32));
    refused(
        &run(data, &["apps", "show", &unknown, "--json"]),
        "app_not_found",
        4,
    );
    let invalid = refused(
        &run(
            data,
            &[
                "apps",
                "create",
                "--name",
                "",
                "--scope",
                MESSAGES_READ,
                "--json",
            ],
        ),
        "invalid_field",
        3,
    );
    assert_eq!(invalid["errors"][0]["field"], "name", "{invalid}");
    refused(
        &run(data, &["--user", "nobody", "apps", "list", "--json"]),
        "user_not_found",
        4,
    );
    let created = json(&run(
        data,
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
    refused(
        &run(data, &["apps", "delete", client_id, "--json"]),
        "not_confirmed",
        2,
    );

    let mut add = oauth_console(data)
        .args([
            "users", "add", "bill", "--owner", &account, "--role", "Billing",
        ])
        .args(["--password-stdin", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long password for bill\n")
        .unwrap();
    assert!(add.wait_with_output().unwrap().status.success());
    refused(
        &run(
            data,
            &[
                "--user",
                "bill",
                "apps",
                "create",
                "--name",
                "x",
                "--scope",
                MESSAGES_READ,
                "--json",
            ],
        ),
        "forbidden",
        6,
    );
    let again = oauth_console(data)
        .args([
            "users",
            "add",
            "bill",
            "--owner",
            &account,
            "--role",
            "Developer",
            "--json",
        ])
        .output()
        .unwrap();
    refused(&again, "conflict", 5);

    // Over a server: none listens on a port just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let sessions = dir.path().join("sessions");
    let remote = |args: &[&str]| {
        let mut command = bare(None);
        command
            .arg("--config-dir")
            .arg(&sessions)
            .args(["--server", &server])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"password\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    refused(&remote(&["apps", "list", "--json"]), "not_signed_in", 6);
    refused(
        &remote(&["login", "--username", "admin", "--password-stdin", "--json"]),
        "unreachable",
        7,
    );
    // Without --json, the exit status alone tells the same.
    let plain = run(data, &["apps", "show", &unknown]);
    assert_eq!(plain.status.code(), Some(4));
    assert!(
        stderr(&plain).starts_with("error: OAuth app"),
        "{}",
        stderr(&plain)
    );
}

/// What `fish` would offer after `words` (the last being the word under the cursor), asked as
/// the shell code from `completions fish` asks.
fn completed(words: &[&str]) -> Vec<String> {
    let output = bare(None)
        .env("OAUTH_CONSOLE_COMPLETE", "fish")
        .args(["--", "oauth-console"])
        .args(words)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output).lines().map(str::to_owned).collect()
}

/// [`completed`] without the flags, which clap offers beside a value.
fn values_completed(words: &[&str]) -> Vec<String> {
    completed(words)
        .into_iter()
        .filter(|c| !c.starts_with('-'))
        .collect()
}

#[test]
fn a_complete_variable_of_another_tool_changes_nothing() {
    let output = bare(None)
        .env("COMPLETE", "1")
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("oauth-console "));
}

#[test]
fn tab_offers_the_client_ids_of_the_store_also_while_serve_holds_it_and_serve_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.display().to_string();
    // No store: nothing offered, and none made.
    let none = values_completed(&["--data-dir", &data_arg, "apps", "show", ""]);
    assert!(none.is_empty(), "{none:?}");
    assert!(!data.exists());

    let created = json(&run(
        &data,
        &[
            "apps",
            "create",
            "--name",
            "billing-sync",
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    let client_id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    let offered = completed(&["--data-dir", &data_arg, "apps", "show", "OQ"]);
    assert_eq!(offered, [format!("{client_id}\tbilling-sync")]);
    let owners = values_completed(&["--data-dir", &data_arg, "apps", "list", "--owner", ""]);
    assert_eq!(owners.len(), 3, "{owners:?}");
    assert!(
        owners
            .iter()
            .all(|o| o.starts_with("AC") || o.starts_with("OR")),
        "{owners:?}"
    );

    let serving = Serving::start({
        let mut command = oauth_console(&data);
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        command
    });
    let offered = values_completed(&["--data-dir", &data_arg, "apps", "rotate-secret", ""]);
    assert_eq!(offered, [format!("{client_id}\tbilling-sync")]);
    let offered = values_completed(&["--data-dir", &data_arg, "audit", "--app", ""]);
    assert_eq!(offered, [format!("{client_id}\tbilling-sync")]);
    // Over the server, with the session `login` saved.
    let sessions = dir.path().join("sessions");
    let server = format!("http://{}", serving.address);
    let mut login = bare(None)
        .arg("--config-dir")
        .arg(&sessions)
        .args([
            "--server",
            &server,
            "login",
            "--username",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long test password\n")
        .unwrap();
    let login = login.wait_with_output().unwrap();
    assert!(login.status.success(), "{}", stderr(&login));
    let sessions_arg = sessions.display().to_string();
    let remote = ["--config-dir", &sessions_arg, "--server", &server];
    let offered = values_completed(&[&remote[..], &["apps", "delete", ""]].concat());
    assert_eq!(offered, [format!("{client_id}\tbilling-sync")]);
    let unknown_server = [
        "--config-dir",
        &sessions_arg,
        "--server",
        "http://127.0.0.1:9",
    ];
    let offered = values_completed(&[&unknown_server[..], &["apps", "delete", ""]].concat());
    assert!(offered.is_empty(), "{offered:?}");
    // The server still has its store and answers as before.
    let (status, token) = serving.request(
        "POST /v2/token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
        &format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}"),
    );
    assert_eq!(status, 200, "{token}");
    serving.stop();
    // Subcommands and flags still come from clap.
    let commands = completed(&["--data-dir", &data_arg, "ap"]);
    assert!(
        commands.iter().any(|c| c.starts_with("apps\t")),
        "{commands:?}"
    );
}

#[test]
fn completions_print_shell_code_that_calls_the_binary_back_for_each_shell() {
    for (shell, expected) in [
        ("bash", "complete -o nospace -o bashdefault -o nosort -F"),
        ("zsh", "#compdef oauth-console"),
        (
            "fish",
            "complete --keep-order --exclusive --command oauth-console",
        ),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName oauth-console",
        ),
    ] {
        let output = bare(None).args(["completions", shell]).output().unwrap();
        let code = stdout(&output);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(code.contains(expected), "{shell}: {code}");
        assert!(code.contains("OAUTH_CONSOLE_COMPLETE"), "{shell}: {code}");
        assert!(
            code.contains(env!("CARGO_BIN_EXE_oauth-console")),
            "{shell}: {code}"
        );
    }
}

#[test]
fn man_writes_a_page_for_every_command_with_the_exit_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let output = bare(None).arg("man").arg(&pages).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    for page in [
        "oauth-console.1",
        "oauth-console-apps.1",
        "oauth-console-apps-show.1",
        "oauth-console-config-show.1",
        "oauth-console-serve.1",
    ] {
        let text =
            std::fs::read_to_string(pages.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.starts_with(".ie \\n(.g .ds Aq"), "{page}: {text}");
    }
    let top = std::fs::read_to_string(pages.join("oauth-console.1")).unwrap();
    assert!(top.contains("unreachable"), "{top}");
    let serve = std::fs::read_to_string(pages.join("oauth-console-serve.1")).unwrap();
    assert!(serve.contains("max\\-failed\\-attempts"), "{serve}");
}

#[test]
fn max_failed_attempts_from_the_config_file_refuses_a_guesser_after_that_many_failures() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let created = json(&run(
        &data,
        &[
            "apps",
            "create",
            "--name",
            "guessed",
            "--scope",
            MESSAGES_READ,
            "--json",
        ],
    ));
    let client_id = created["client_id"].as_str().unwrap();
    let config = write_config(dir.path(), "max_failed_attempts = 2\n");
    let serving = Serving::start({
        let mut command = bare(Some(&config));
        command
            .arg("--data-dir")
            .arg(&data)
            .args(["serve", "--listen", "127.0.0.1:0"]);
        command
    });
    let guess = || {
        serving
            .request(
                "POST /v2/token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
                &format!(
                    "grant_type=client_credentials&client_id={client_id}&client_secret=wrong-guess"
                ),
            )
            .0
    };
    assert_eq!([guess(), guess(), guess()], [401, 401, 429]);
    serving.stop();
}

#[test]
fn the_consoles_theme_comes_from_a_flag_the_environment_or_the_file_and_a_bad_one_names_the_themes()
{
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "# for the light terminal\ntheme = \"light\"\n");
    let theme = |command: &mut Command| {
        let shown = json(&command.args(["config", "show", "--json"]).output().unwrap());
        let theme = setting(&shown, "theme");
        (
            theme["value"].as_str().unwrap().to_owned(),
            theme["source"]["kind"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(theme(&mut bare(None)), ("default".into(), "default".into()));
    assert_eq!(
        theme(&mut bare(Some(&config))),
        ("light".into(), "file".into())
    );
    assert_eq!(
        theme(bare(Some(&config)).env("OAUTH_CONSOLE_THEME", "default")),
        ("default".into(), "environment".into())
    );
    assert_eq!(
        theme(
            bare(Some(&config))
                .env("OAUTH_CONSOLE_THEME", "default")
                .args(["--theme", "light"])
        ),
        ("light".into(), "flag".into())
    );
    let config = write_config(dir.path(), "theme = \"solarized\"\n");
    let output = bare(Some(&config))
        .args(["config", "show"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output);
    assert_eq!(
        said.trim_end(),
        format!(
            "error: {}:1: theme = \"solarized\" is refused (not one of default, light); theme takes default or light",
            config.display()
        )
    );
    let typed = bare(None)
        .args(["--theme", "dark", "config", "show"])
        .output()
        .unwrap();
    assert_eq!(typed.status.code(), Some(2));
    assert!(
        stderr(&typed).contains("[possible values: default, light]"),
        "{}",
        stderr(&typed)
    );
}
