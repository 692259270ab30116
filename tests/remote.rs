//! Remote mode as a person and a script meet it: a real server on 127.0.0.1:0 over a real sled
//! store, and the `oauth-console` binary with `--server` beside the same binary over its own data
//! directory. The two must print the same, SIDs, secrets and times aside.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use oauth_console::api::{AppDefinitionJson, AppsFileJson, FileFormat};
use oauth_console::backend::{
    Backend, BackendError, LocalBackend, RemoteBackend, ServerTrust, TokenError, TokenGrant,
    TokenRequest,
};
use oauth_console::model::{AppSettings, AppUpdate, GrantType, NewApp, Sid};
use oauth_console::server::{self, AppState, ServerConfig};
use oauth_console::service::{
    AuthorizationConfig, AuthorizationServer, ConsoleService, OsEntropy, ServiceError, SystemClock,
};
use oauth_console::store::SledStore;
use tokio::runtime::Runtime;

const MESSAGES_READ: &str = "/twilio/messaging/messages/read";
const PASSWORD: &str = "a long test password";

/// A server in this process, on its own runtime, that can be stopped and started again on the
/// same address over the same store.
struct Server {
    runtime: Runtime,
    service: ConsoleService,
    address: std::net::SocketAddr,
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let service = ConsoleService::new(
            Arc::new(SledStore::open(dir.path()).unwrap()),
            Arc::new(SystemClock),
            Arc::new(OsEntropy),
        );
        runtime
            .block_on(service.bootstrap("admin", Some(PASSWORD.into())))
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let mut server = Server {
            runtime,
            service,
            address,
            base: format!("http://{address}"),
            stop: None,
            task: None,
            _dir: dir,
        };
        server.serve(listener);
        server
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let auth = self
            .runtime
            .block_on(AuthorizationServer::start(
                self.service.clone(),
                AuthorizationConfig {
                    issuer: self.base.clone(),
                    default_audience: self.base.clone(),
                    signing_alg: Some(oauth_console::model::SigningAlg::ES256),
                },
            ))
            .unwrap();
        // No balancer to wait for: stopped, it stops at once.
        let config = ServerConfig {
            drain_delay: std::time::Duration::ZERO,
            ..ServerConfig::default()
        };
        let state = AppState::new(auth, &config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.task = Some(self.runtime.spawn(async move {
            server::serve(listener, state, &config, async {
                stopped.await.ok();
            })
            .await
        }));
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            self.runtime.block_on(task).unwrap().unwrap();
        }
    }

    fn restart(&mut self) {
        let listener = self
            .runtime
            .block_on(tokio::net::TcpListener::bind(self.address))
            .unwrap();
        self.serve(listener);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-console"));
    for name in [
        "OAUTH_CONSOLE_DATA_DIR",
        "OAUTH_CONSOLE_USER",
        "OAUTH_CONSOLE_ADMIN_USER",
        "OAUTH_CONSOLE_SERVER",
        "OAUTH_CONSOLE_CONFIG_DIR",
        "OAUTH_CONSOLE_ISSUER",
    ] {
        command.env_remove(name);
    }
    command
        .env("OAUTH_CONSOLE_ADMIN_PASSWORD", PASSWORD)
        .stdin(Stdio::null());
    command
}

/// The binary over a server, with its sessions in `config`.
fn remote(server: &str, config: &Path, args: &[&str]) -> Output {
    binary()
        .arg("--server")
        .arg(server)
        .arg("--config-dir")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

fn login(server: &str, config: &Path, password: &str) -> Output {
    let mut child = binary()
        .args(["login", "--server", server, "--username", "admin"])
        .arg("--password-stdin")
        .arg("--config-dir")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What a command printed, in a form that compares across two stores: each SID becomes
/// `<SID n>` in order of first appearance, and secrets, page tokens and times placeholders of
/// their own length, so that table columns still line up the same.
struct Normalizer {
    sids: Vec<String>,
}

impl Normalizer {
    fn new() -> Normalizer {
        Normalizer { sids: Vec::new() }
    }

    fn run(&mut self, output: &Output) -> String {
        let code = output.status.code().unwrap_or(-1);
        format!(
            "exit {code}\n--- stdout\n{}--- stderr\n{}",
            self.text(&text(&output.stdout)),
            self.text(&text(&output.stderr))
        )
    }

    fn text(&mut self, input: &str) -> String {
        let input = mask_times(input);
        let mut out = String::new();
        let mut word = String::new();
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        for c in input.chars().chain(std::iter::once('\n')) {
            if is_word(c) {
                word.push(c);
                continue;
            }
            out.push_str(&self.word(&word));
            word.clear();
            out.push(c);
        }
        out.pop();
        out
    }

    fn word(&mut self, word: &str) -> String {
        let hex = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        };
        let sid = word.len() == 34
            && word[..2].chars().all(|c| c.is_ascii_uppercase())
            && hex(&word[2..]);
        if sid {
            let n = match self.sids.iter().position(|s| s == word) {
                Some(n) => n,
                None => {
                    self.sids.push(word.to_owned());
                    self.sids.len() - 1
                }
            };
            format!("{:<34}", format!("<SID {n}>"))
        } else if word.len() == 8 && hex(word) {
            // A secret's short id, derived from the secret.
            "<ID>    ".to_owned()
        } else if word.len() == 43 {
            format!("{:<43}", "<SECRET>")
        } else if word.len() >= 40 && hex(word) {
            format!("{:<w$}", "<TOKEN>", w = word.len())
        } else {
            word.to_owned()
        }
    }
}

/// Times in RFC 3339 (`2026-11-23T19:39:01Z`) and short (`2026-11-23 19:39`) form, masked.
fn mask_times(input: &str) -> String {
    let chars: Vec<char> = input.chars().collect();
    let fits = |at: usize, pattern: &str| {
        pattern.chars().enumerate().all(|(i, p)| {
            chars
                .get(at + i)
                .is_some_and(|&c| if p == 'd' { c.is_ascii_digit() } else { c == p })
        })
    };
    let mut out = String::new();
    let mut at = 0;
    while at < chars.len() {
        if let Some(pattern) = ["dddd-dd-ddTdd:dd:ddZ", "dddd-dd-dd dd:dd"]
            .into_iter()
            .find(|p| fits(at, p))
        {
            out.push_str(&format!("{:<w$}", "<TIME>", w = pattern.len()));
            at += pattern.len();
        } else {
            out.push(chars[at]);
            at += 1;
        }
    }
    out
}

/// The commands of the parity test, given a way to run one; `{app}` and `{org}` stand for the
/// first app made and the organization.
fn parity_script(mut run: impl FnMut(&[&str]) -> Output) -> Vec<Output> {
    let mut outputs = Vec::new();
    let owners = run(&["owners", "--json"]);
    let owners_json: serde_json::Value = serde_json::from_slice(&owners.stdout).unwrap();
    let org = owners_json[2]["sid"].as_str().unwrap().to_owned();
    outputs.push(owners);
    let created = run(&[
        "apps",
        "create",
        "--name",
        "Parity one",
        "--description",
        "made both ways",
        "--scope",
        MESSAGES_READ,
        "--json",
    ]);
    let created_json: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let app = created_json["client_id"].as_str().unwrap().to_owned();
    outputs.push(created);
    let unknown = format!("OQ{}", "0".repeat(32));
    let scripted: Vec<Vec<&str>> = vec![
        vec!["owners"],
        vec![
            "apps",
            "create",
            "--name",
            "Parity two",
            "--scope",
            MESSAGES_READ,
        ],
        vec![
            "apps",
            "create",
            "--name",
            "Partner app",
            "--owner",
            &org,
            "--grant-type",
            "authorization-code",
            "--scope",
            "managed-users/read",
            "--redirect-uri",
            "https://partner.example.com/callback",
            "--company",
            "Partner Inc",
        ],
        vec!["apps", "list"],
        vec!["apps", "list", "--json"],
        vec!["apps", "list", "--limit", "1"],
        vec!["apps", "list", "--name", "two", "--json"],
        vec!["apps", "show", &app],
        vec!["apps", "show", &app, "--json"],
        vec![
            "apps",
            "update",
            &app,
            "--name",
            "Parity renamed",
            "--token-ttl",
            "2h",
        ],
        vec!["apps", "update", &app, "--description", "again", "--json"],
        vec!["apps", "update", &app, "--token-ttl", "1s"],
        vec!["apps", "rotate-secret", &app, "--grace", "1h"],
        vec!["apps", "rotate-secret", &app, "--grace", "0", "--json"],
        vec!["apps", "rotate-secret", &app, "--grace", "31d"],
        vec!["apps", "rotate-secret", &app, "--grace", "1h"],
        vec!["apps", "show", &app],
        vec!["apps", "end-grace", &app],
        vec!["apps", "end-grace", &app, "--yes"],
        vec!["apps", "end-grace", &app, "--yes"],
        vec!["apps", "show", &app, "--json"],
        vec!["apps", "create", "--name", "", "--scope", "nope"],
        vec!["apps", "show", &unknown],
        vec!["apps", "list", "--owner", &org],
        vec!["audit"],
        vec!["audit", "--json"],
        vec!["audit", "--type", "secret-rotated", "--app", &app],
        vec!["users"],
        vec!["users", "--json"],
        vec!["scopes", "--owner", &org],
        vec!["authorized", "list"],
        vec!["authorized", "list", "--json"],
        vec!["apps", "delete", &app],
        vec!["apps", "delete", &app, "--yes"],
        vec!["apps", "delete", &app, "--yes"],
        vec!["apps", "list", "--json"],
        vec![
            "apps",
            "create",
            "--name",
            "Parity three",
            "--scope",
            MESSAGES_READ,
        ],
    ];
    for args in scripted {
        outputs.push(run(&args));
    }
    // Paging: the token of one page brings the next, and a token of another list is refused.
    let first = run(&["apps", "list", "--limit", "1", "--json"]);
    let first_json: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let token = first_json["meta"]["next_page_token"]
        .as_str()
        .unwrap()
        .to_owned();
    outputs.push(first);
    outputs.push(run(&["apps", "list", "--limit", "1", "--after", &token]));
    outputs.push(run(&["audit", "--limit", "2", "--after", &token]));
    outputs
}

#[test]
fn every_command_prints_the_same_over_a_server_as_over_the_embedded_store() {
    let server = Server::start();
    let config = tempfile::tempdir().unwrap();
    let signed_in = login(&server.base, config.path(), PASSWORD);
    assert!(signed_in.status.success(), "{}", text(&signed_in.stderr));
    let over_server = parity_script(|args| remote(&server.base, config.path(), args));

    let data = tempfile::tempdir().unwrap();
    let local = parity_script(|args| {
        binary()
            .arg("--data-dir")
            .arg(data.path())
            .arg("--issuer")
            .arg(&server.base)
            .args(args)
            .output()
            .unwrap()
    });
    let (mut remote_words, mut local_words) = (Normalizer::new(), Normalizer::new());
    let mut first_use = true;
    for (over_server, local) in over_server.iter().zip(&local) {
        let local = local_words.run(local);
        // The embedded store's first start tells how to sign in; a server said it at its own.
        let local = if first_use {
            first_use = false;
            strip_first_start(&local)
        } else {
            local
        };
        assert_eq!(remote_words.run(over_server), local);
    }
    assert_eq!(over_server.len(), local.len());
}

/// The lines of the first start of a store, which only a local command prints.
fn strip_first_start(transcript: &str) -> String {
    transcript
        .lines()
        .filter(|line| {
            !(line.starts_with("Created a new store in")
                || line.starts_with("  Account")
                || line.starts_with("  Subaccount")
                || line.starts_with("  Organization")
                || line.starts_with("User 'admin'"))
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

#[cfg(unix)]
#[test]
fn login_keeps_the_token_owner_only_and_logout_ends_the_session() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start();
    let config = tempfile::tempdir().unwrap();
    let sessions_dir = config.path().join("nested");

    let wrong = login(&server.base, &sessions_dir, "not the password");
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("wrong username or password"),
        "{}",
        text(&wrong.stderr)
    );
    assert!(!sessions_dir.join("sessions.json").exists());

    let before = remote(&server.base, &sessions_dir, &["apps", "list"]);
    assert!(
        text(&before.stderr).contains(&format!(
            "not signed in to {}: run `oauth-console login --server {}` first",
            server.base, server.base
        )),
        "{}",
        text(&before.stderr)
    );

    let signed_in = login(&server.base, &sessions_dir, PASSWORD);
    assert!(signed_in.status.success(), "{}", text(&signed_in.stderr));
    assert!(text(&signed_in.stderr).contains("Signed in to"));
    let file = sessions_dir.join("sessions.json");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let dir_mode = std::fs::metadata(&sessions_dir)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700, "{dir_mode:o}");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let token = saved[&server.base]["token"].as_str().unwrap().to_owned();
    assert!(!text(&signed_in.stdout).contains(&token));
    assert!(!text(&signed_in.stderr).contains(&token));
    assert!(
        remote(&server.base, &sessions_dir, &["owners"])
            .status
            .success()
    );

    let signed_out = remote(&server.base, &sessions_dir, &["logout"]);
    assert!(text(&signed_out.stderr).contains("Signed out of"));
    // The token no longer works on the server, and is gone from the file.
    let refused = server
        .runtime
        .block_on(server.service.session_user(&token))
        .unwrap_err();
    assert!(matches!(refused, ServiceError::NotSignedIn(_)), "{refused}");
    assert!(!text(&std::fs::read(&file).unwrap()).contains(&token));
    let after = remote(&server.base, &sessions_dir, &["apps", "list"]);
    assert!(text(&after.stderr).contains("not signed in to"));
}

#[test]
fn a_session_ended_on_the_server_says_to_sign_in_again() {
    let server = Server::start();
    let config = tempfile::tempdir().unwrap();
    assert!(
        login(&server.base, config.path(), PASSWORD)
            .status
            .success()
    );
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(config.path().join("sessions.json")).unwrap())
            .unwrap();
    let token = saved[&server.base]["token"].as_str().unwrap();
    server
        .runtime
        .block_on(server.service.end_session(token))
        .unwrap();
    let refused = remote(&server.base, config.path(), &["apps", "list"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains(&format!(
            "has expired or was signed out; sign in again with `oauth-console login --server {}`",
            server.base
        )),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn a_stopped_server_gets_a_clear_message_and_work_carries_on_when_it_is_back() {
    let mut server = Server::start();
    let config = tempfile::tempdir().unwrap();
    assert!(
        login(&server.base, config.path(), PASSWORD)
            .status
            .success()
    );
    let base = server.base.clone();
    let create = |name: &str| {
        remote(
            &base,
            config.path(),
            &["apps", "create", "--name", name, "--scope", MESSAGES_READ],
        )
    };
    assert!(create("before").status.success());

    server.stop();
    let down = create("while down");
    assert!(!down.status.success());
    assert_eq!(
        text(&down.stderr).trim(),
        format!(
            "error: cannot reach the server at {} (the connection was refused or failed); check that `oauth-console serve` runs there and that --server is right, then try again",
            server.base
        )
    );

    server.restart();
    assert!(create("after").status.success());
    let listed = text(&remote(&server.base, config.path(), &["apps", "list"]).stdout);
    assert!(
        listed.contains("before") && listed.contains("after"),
        "{listed}"
    );
    assert!(!listed.contains("while down"), "{listed}");
}

#[test]
fn a_stale_edit_over_the_server_is_refused_as_changed_elsewhere() {
    let server = Server::start();
    let runtime = &server.runtime;
    let session = runtime
        .block_on(RemoteBackend::sign_in(
            &server.base,
            &ServerTrust::platform(),
            "admin",
            PASSWORD,
        ))
        .unwrap();
    let backend = runtime
        .block_on(RemoteBackend::connect(
            &server.base,
            &ServerTrust::platform(),
            session.token,
        ))
        .unwrap();
    let owner = runtime.block_on(backend.owners()).unwrap()[0]
        .owner
        .sid
        .clone();
    let created = runtime
        .block_on(backend.create_app(NewApp {
            owner,
            grant_type: GrantType::ClientCredentials,
            settings: AppSettings {
                name: "shared".into(),
                scopes: vec![MESSAGES_READ.into()],
                ..AppSettings::default()
            },
            region: None,
        }))
        .unwrap();
    let sid: Sid = created.app.sid.clone();
    let read_by_both = created.app.version;
    let edit = |name: &str| AppUpdate {
        name: Some(name.into()),
        expected_version: Some(read_by_both),
        ..AppUpdate::default()
    };
    runtime
        .block_on(backend.update_app(&sid, edit("first save")))
        .unwrap();
    let stale = runtime
        .block_on(backend.update_app(&sid, edit("second save")))
        .unwrap_err();
    let BackendError::Conflict(message) = &stale else {
        panic!("not a conflict: {stale}")
    };
    assert!(message.contains("was changed elsewhere"), "{message}");
    // The same words as the service gives a console over the embedded store.
    let admin = runtime
        .block_on(server.service.local_user(None))
        .unwrap()
        .sid;
    let local = LocalBackend::new(server.service.clone(), admin, server.base.clone());
    let local_stale = runtime
        .block_on(local.update_app(&sid, edit("second save")))
        .unwrap_err();
    assert_eq!(stale.to_string(), local_stale.to_string());
    // A stale delete is refused too, and the app keeps the first save.
    let stale_delete = runtime
        .block_on(backend.delete_app(&sid, Some(read_by_both)))
        .unwrap_err();
    assert!(
        matches!(stale_delete, BackendError::Conflict(_)),
        "{stale_delete}"
    );
    let now = runtime.block_on(backend.app(&sid)).unwrap();
    assert_eq!(now.settings.name, "first save");
}

#[test]
fn bad_input_over_the_server_marks_the_same_fields_as_locally() {
    let server = Server::start();
    let runtime = &server.runtime;
    let session = runtime
        .block_on(RemoteBackend::sign_in(
            &server.base,
            &ServerTrust::platform(),
            "admin",
            PASSWORD,
        ))
        .unwrap();
    let backend = runtime
        .block_on(RemoteBackend::connect(
            &server.base,
            &ServerTrust::platform(),
            session.token,
        ))
        .unwrap();
    let admin = runtime
        .block_on(server.service.local_user(None))
        .unwrap()
        .sid;
    let local = LocalBackend::new(server.service.clone(), admin, server.base.clone());
    let owner = runtime.block_on(backend.owners()).unwrap()[0]
        .owner
        .sid
        .clone();
    let bad = || NewApp {
        owner: owner.clone(),
        grant_type: GrantType::ClientCredentials,
        settings: AppSettings {
            name: "x".repeat(65),
            scopes: vec![],
            redirect_uris: vec!["http://example.com/cb".into()],
            ..AppSettings::default()
        },
        region: Some("eu1".into()),
    };
    let remote_error = runtime.block_on(backend.create_app(bad())).err().unwrap();
    let local_error = runtime.block_on(local.create_app(bad())).err().unwrap();
    match (&remote_error, &local_error) {
        (BackendError::Invalid(remote), BackendError::Invalid(local)) => {
            assert_eq!(remote, local)
        }
        other => panic!("not both invalid: {other:?}"),
    }
    let missing: Sid = format!("OQ{}", "0".repeat(32)).parse().unwrap();
    let none = runtime.block_on(backend.app(&missing)).unwrap_err();
    let none_here = runtime.block_on(local.app(&missing)).unwrap_err();
    assert!(
        matches!(
            &none,
            BackendError::NotFound { resource, id } if resource == "OAuth app" && *id == missing.to_string()
        ),
        "{none}"
    );
    assert_eq!(none.to_string(), none_here.to_string());
}

#[test]
fn an_exported_server_url_leaves_the_data_directory_commands_alone() {
    let data = tempfile::tempdir().unwrap();
    let rotated = binary()
        .env("OAUTH_CONSOLE_SERVER", "http://127.0.0.1:9")
        .arg("--data-dir")
        .arg(data.path())
        .args(["keys", "rotate"])
        .output()
        .unwrap();
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
}

#[test]
fn the_console_says_when_its_server_stops_and_reloads_when_it_is_back() {
    use oauth_console::tui::{Headless, MemoryClipboard};
    use ratatui::crossterm::event::KeyCode;
    let mut server = Server::start();
    let session = server
        .runtime
        .block_on(RemoteBackend::sign_in(
            &server.base,
            &ServerTrust::platform(),
            "admin",
            PASSWORD,
        ))
        .unwrap();
    let backend: Arc<dyn Backend> = Arc::new(
        server
            .runtime
            .block_on(RemoteBackend::connect(
                &server.base,
                &ServerTrust::platform(),
                session.token,
            ))
            .unwrap(),
    );
    let owner = server.runtime.block_on(backend.owners()).unwrap()[0]
        .owner
        .sid
        .clone();
    server
        .runtime
        .block_on(backend.create_app(NewApp {
            owner,
            grant_type: GrantType::ClientCredentials,
            settings: AppSettings {
                name: "kept on screen".into(),
                scopes: vec![MESSAGES_READ.into()],
                ..AppSettings::default()
            },
            region: None,
        }))
        .unwrap();
    let mut console = server
        .runtime
        .block_on(Headless::start(
            backend,
            Arc::new(MemoryClipboard::default()),
            110,
            30,
        ))
        .unwrap();
    assert!(console.frame().contains("kept on screen"));
    server.stop();
    server.runtime.block_on(console.press(KeyCode::Char('R')));
    let down = console.frame();
    assert!(
        down.contains(&format!("cannot reach the server at {}", server.base)),
        "{down}"
    );
    assert!(!down.contains("kept on screen"), "{down}");

    server.restart();
    server.runtime.block_on(console.press(KeyCode::Char('R')));
    let back = console.frame();
    assert!(back.contains("kept on screen"), "{back}");
    assert!(!back.contains("cannot reach"), "{back}");
}

#[test]
fn repeated_wrong_passwords_are_told_when_to_try_again() {
    let server = Server::start();
    let config = tempfile::tempdir().unwrap();
    // The server's default allows 10 failures a minute for one username.
    for _ in 0..10 {
        let wrong = login(&server.base, config.path(), "not the password");
        assert!(text(&wrong.stderr).contains("wrong username or password"));
    }
    let limited = login(&server.base, config.path(), PASSWORD);
    assert!(!limited.status.success());
    let said = text(&limited.stderr);
    assert!(
        said.contains("too many failed authentication attempts; try again in ")
            && said.trim_end().ends_with(" seconds"),
        "{said}"
    );
}

#[test]
fn an_ended_session_asks_for_the_password_and_keeps_what_was_typed() {
    use oauth_console::tui::replay::parse_key;
    use oauth_console::tui::{Headless, MemoryClipboard};
    let server = Server::start();
    let runtime = &server.runtime;
    let session = runtime
        .block_on(RemoteBackend::sign_in(
            &server.base,
            &ServerTrust::platform(),
            "admin",
            PASSWORD,
        ))
        .unwrap();
    let token = session.token.clone();
    let backend: Arc<dyn Backend> = Arc::new(
        runtime
            .block_on(RemoteBackend::connect(
                &server.base,
                &ServerTrust::platform(),
                session.token,
            ))
            .unwrap(),
    );
    let mut console = runtime
        .block_on(Headless::start(
            backend,
            Arc::new(MemoryClipboard::default()),
            110,
            30,
        ))
        .unwrap();
    let keys = |console: &mut Headless, names: &str| {
        for name in names.split_whitespace() {
            runtime.block_on(console.key(parse_key(name).unwrap()));
        }
    };
    keys(&mut console, "n");
    runtime.block_on(console.type_text("Typed before it ended"));
    keys(&mut console, "Ctrl-s Tab Tab Enter Down Space");
    runtime
        .block_on(server.service.end_session(&token))
        .unwrap();

    keys(&mut console, "Ctrl-s");
    let asked = console.frame();
    assert!(asked.contains("Sign in again"), "{asked}");
    assert!(
        asked.contains("Your session on the server has ended. Type the password of admin"),
        "{asked}"
    );
    runtime.block_on(console.type_text("not the password"));
    assert!(!console.frame().contains("not the password"));
    keys(&mut console, "Enter");
    assert!(
        console.frame().contains("wrong username or password"),
        "{}",
        console.frame()
    );

    for _ in 0.."not the password".len() {
        keys(&mut console, "Backspace");
    }
    runtime.block_on(console.type_text(PASSWORD));
    keys(&mut console, "Enter");
    assert!(console.state().dialog.is_none());
    let status = console.state().status.as_ref().unwrap().text.clone();
    assert!(status.starts_with("Signed in again as admin"), "{status}");
    // The wizard is where it was, with what was typed: saving now creates the app.
    keys(&mut console, "Ctrl-s");
    assert!(console.state().sign_in.is_none(), "asked again");
    let admin = runtime.block_on(server.service.local_user(None)).unwrap();
    let owner = admin.roles[0].owner.clone();
    let apps = runtime
        .block_on(server.service.apps(
            &admin.sid,
            &owner,
            oauth_console::model::ListApps::default(),
        ))
        .unwrap();
    let names: Vec<_> = apps
        .items
        .iter()
        .map(|a| a.settings.name.as_str())
        .collect();
    assert_eq!(names, ["Typed before it ended"]);
}

#[test]
fn the_console_without_a_terminal_or_a_session_says_to_sign_in_with_login() {
    let config = tempfile::tempdir().unwrap();
    // Nothing listens there: the console is refused before anything is asked of a server.
    let server = "http://127.0.0.1:9";
    let refused = remote(server, config.path(), &[]);
    assert!(!refused.status.success());
    assert_eq!(
        text(&refused.stderr).trim(),
        format!(
            "error: not signed in to {server}: run `oauth-console login --server {server}` first"
        )
    );
}

#[test]
fn a_flag_for_the_embedded_store_is_refused_over_a_server_as_a_usage_error() {
    let data = tempfile::tempdir().unwrap();
    let refused = binary()
        .env("OAUTH_CONSOLE_SERVER", "http://127.0.0.1:9")
        .arg("--data-dir")
        .arg(data.path())
        .args(["apps", "list"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        text(&refused.stderr).lines().next(),
        Some(
            "error: --data-dir does not apply with OAUTH_CONSOLE_SERVER set: the server keeps the data in its own data directory; unset OAUTH_CONSOLE_SERVER to work on the embedded store"
        )
    );
    // Only typed flags count: a data directory exported for local work stays out of the way.
    let config = tempfile::tempdir().unwrap();
    let exported = binary()
        .env("OAUTH_CONSOLE_DATA_DIR", data.path())
        .args(["--server", "http://127.0.0.1:9", "--config-dir"])
        .arg(config.path())
        .args(["apps", "list"])
        .output()
        .unwrap();
    // Refused (6): no session with that server, as the README's exit statuses say.
    assert_eq!(exported.status.code(), Some(6));
    assert!(
        text(&exported.stderr).contains("not signed in to http://127.0.0.1:9"),
        "{}",
        text(&exported.stderr)
    );
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);
}

#[test]
fn login_without_a_server_says_to_name_one_and_makes_no_store() {
    let data = tempfile::tempdir().unwrap();
    let store = data.path().join("store");
    let refused = binary()
        .arg("--data-dir")
        .arg(&store)
        .arg("login")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("pass --server URL (or set OAUTH_CONSOLE_SERVER)"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!store.exists());
}

/// The console's token tool over a server asks that server's token endpoint, as it does the
/// `--serve` server locally.
#[test]
fn the_token_tool_over_a_server_asks_its_token_endpoint() {
    let server = Server::start();
    let runtime = &server.runtime;
    let session = runtime
        .block_on(RemoteBackend::sign_in(
            &server.base,
            &ServerTrust::platform(),
            "admin",
            PASSWORD,
        ))
        .unwrap();
    let backend = runtime
        .block_on(RemoteBackend::connect(
            &server.base,
            &ServerTrust::platform(),
            session.token,
        ))
        .unwrap();
    assert_eq!(
        backend.token_endpoint(),
        format!("{}/v2/token", server.base)
    );
    let owner = runtime.block_on(backend.owners()).unwrap()[0]
        .owner
        .sid
        .clone();
    let created = runtime
        .block_on(backend.create_app(NewApp {
            owner,
            grant_type: GrantType::ClientCredentials,
            settings: AppSettings {
                name: "token tool".into(),
                scopes: vec![MESSAGES_READ.into()],
                ..AppSettings::default()
            },
            region: None,
        }))
        .unwrap();
    let request = |secret: &str| TokenRequest {
        client_id: created.app.sid.to_string(),
        client_secret: secret.to_owned(),
        grant: TokenGrant::ClientCredentials { scope: None },
    };
    let issued = runtime
        .block_on(backend.request_token(request(created.secret.expose())))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(issued.claims.client_id, created.app.sid.as_str());
    match runtime.block_on(backend.request_token(request("wrong"))) {
        Err(TokenError::Refused { status, error, .. }) => {
            assert_eq!((status, error.as_str()), (401, "invalid_client"));
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a wrong secret got a token"),
    }
}

/// Export, an edit, a dry run, the import, the same import again and a bad file: what a person
/// runs to keep apps in a file.
fn import_script(dir: &Path, mut run: impl FnMut(&[&str]) -> Output) -> Vec<Output> {
    let file = dir.join("apps.json");
    let file_arg = file.to_str().unwrap();
    let mut outputs = vec![
        // First, so that the SIDs of the owners a local first start lists are numbered alike.
        run(&["owners"]),
        run(&[
            "apps",
            "create",
            "--name",
            "Billing sync",
            "--scope",
            MESSAGES_READ,
        ]),
        run(&[
            "apps",
            "create",
            "--name",
            "Legacy",
            "--scope",
            MESSAGES_READ,
        ]),
        run(&["export", file_arg]),
    ];
    // Edited through the file's own type, which keeps the entries in the order written.
    let text = std::fs::read_to_string(&file).unwrap();
    let mut edited = AppsFileJson::parse(&text, FileFormat::Json).unwrap();
    let apps = &mut edited
        .owners
        .0
        .iter_mut()
        .find(|(_, owner)| !owner.apps.0.is_empty())
        .unwrap()
        .1
        .apps
        .0;
    apps.retain(|(_, app)| app.friendly_name != "Legacy");
    for (_, app) in apps.iter_mut() {
        app.description = "Syncs invoices".into();
    }
    apps.push((
        format!("OQ{}", "cd".repeat(16)),
        AppDefinitionJson {
            friendly_name: "Nightly export".into(),
            description: String::new(),
            grant_type: "client-credentials".into(),
            scopes: vec![MESSAGES_READ.into()],
            access_token_ttl: 3600,
            company_name: String::new(),
            image_urls: Vec::new(),
            homepage_url: String::new(),
            terms_of_service_url: String::new(),
            redirect_uris: Vec::new(),
        },
    ));
    std::fs::write(&file, edited.write(FileFormat::Json).unwrap()).unwrap();
    outputs.push(run(&["import", file_arg, "--dry-run"]));
    outputs.push(run(&["import", file_arg]));
    outputs.push(run(&["import", file_arg]));
    outputs.push(run(&["import", file_arg, "--prune", "--json"]));
    let bad = dir.join("bad.json");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&bad, text.replace("\"client-credentials\"", "\"implicit\"")).unwrap();
    outputs.push(run(&["import", bad.to_str().unwrap()]));
    let long = text.replace("\"Nightly export\"", &format!("\"{}\"", "n".repeat(65)));
    std::fs::write(&bad, long).unwrap();
    outputs.push(run(&["import", bad.to_str().unwrap()]));
    outputs.push(run(&["export", "--format", "yaml"]));
    outputs
}

#[test]
fn export_and_import_print_the_same_over_a_server_as_over_the_embedded_store() {
    let server = Server::start();
    let config = tempfile::tempdir().unwrap();
    let signed_in = login(&server.base, config.path(), PASSWORD);
    assert!(signed_in.status.success(), "{}", text(&signed_in.stderr));
    let remote_dir = tempfile::tempdir().unwrap();
    let over_server = import_script(remote_dir.path(), |args| {
        remote(&server.base, config.path(), args)
    });
    let data = tempfile::tempdir().unwrap();
    let local_dir = tempfile::tempdir().unwrap();
    let local = import_script(local_dir.path(), |args| {
        binary()
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .output()
            .unwrap()
    });
    let (mut remote_words, mut local_words) = (Normalizer::new(), Normalizer::new());
    let transcript = |words: &mut Normalizer, outputs: &[Output], dir: &Path| -> Vec<String> {
        outputs
            .iter()
            .map(|o| strip_first_start(&words.run(o)).replace(dir.to_str().unwrap(), "DIR"))
            .collect()
    };
    let over_server = transcript(&mut remote_words, &over_server, remote_dir.path());
    let local = transcript(&mut local_words, &local, local_dir.path());
    assert_eq!(over_server, local);
    // What the script saw, over either: the plan, one change, then none; one line per bad file.
    let seen = over_server.join("");
    for expected in [
        "Dry run: nothing was changed.",
        "1 to create, 1 to update, 0 unchanged, 0 to delete, 1 kept.",
        "1 created, 1 updated, 0 unchanged, 0 deleted, 1 kept.",
        "0 created, 0 updated, 2 unchanged, 0 deleted, 1 kept.",
        "Nothing to change: the apps already match the file.",
        "\"deleted\": 1",
        "'implicit' is not a grant type: use client-credentials or authorization-code",
        "name may be at most 64 characters; 65 were given",
    ] {
        assert!(seen.contains(expected), "{expected} not in:\n{seen}");
    }
}

#[test]
fn read_only_over_a_server_refuses_each_change_before_sending_it_and_reads_as_ever() {
    let server = Server::start();
    let config = tempfile::tempdir().unwrap();
    let signed_in = login(&server.base, config.path(), PASSWORD);
    assert!(signed_in.status.success(), "{}", text(&signed_in.stderr));
    let create = [
        "--read-only",
        "apps",
        "create",
        "--name",
        "x",
        "--scope",
        MESSAGES_READ,
        "--json",
    ];
    let refused = remote(&server.base, config.path(), &create);
    assert_eq!(refused.status.code(), Some(6), "{}", text(&refused.stderr));
    let body: serde_json::Value =
        serde_json::from_str(text(&refused.stderr).lines().last().unwrap()).unwrap();
    assert_eq!(body["code"], "forbidden");
    assert_eq!(
        body["error"],
        "read-only: this console or command was started with --read-only, so it may not create apps"
    );
    let listed = remote(
        &server.base,
        config.path(),
        &["--read-only", "apps", "list", "--json"],
    );
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed["apps"].as_array().unwrap().len(), 0, "{listed}");
}
