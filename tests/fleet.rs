//! A fleet's failures, as clients of two `serve` processes over one PostgreSQL database meet
//! them: the database restarting under load, one code or refresh token sent to both servers at
//! once, and one server killed mid-load.
//!
//! The restart test stops and starts a PostgreSQL of its own (`initdb` into a temporary
//! directory, on a port of its own), never the shared one the other tests use. It needs
//! PostgreSQL's server binaries; without them it passes as skipped and says so once, except under
//! CI (`CI` set), where it fails.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use oauth_console::model::{AppSettings, GrantType, NewApp, Sid, s256_challenge};
use oauth_console::service::{ConsoleService, OsEntropy, SystemClock};
use oauth_console::store::PgStore;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::authorize::{REDIRECT, VERIFIER, field, location, query_of};
use crate::postgres::{Serving, TestDatabase};

/// The first user's password; the one `crate::cli::oauth_console` gives every process too.
const PASSWORD: &str = "a long test password";
/// Both servers name this issuer, as behind one balancer.
const ISSUER: &str = "http://127.0.0.1:9";
const CODE_SCOPES: [&str; 2] = ["managed-users/read", "offline_access"];
/// The longest any request may take while the database is down or back: a request must be
/// answered, never left hanging, so that a client or balancer can go elsewhere.
const ANSWER_BOUND: Duration = Duration::from_secs(5);
/// How long after PostgreSQL is back every request must succeed again, without a restart.
const RECOVERY_BOUND: Duration = Duration::from_secs(5);

/// A PostgreSQL cluster of this test's own, in a temporary directory: one that it may stop and
/// start without touching the shared cluster of every other test. As root, it runs as the
/// `postgres` user (PostgreSQL refuses to run as root).
struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

static PRIVATE_SKIPPED: Once = Once::new();

impl PrivatePostgres {
    /// A started cluster; `None` when there are no PostgreSQL binaries to make one with outside
    /// CI.
    fn start() -> Option<PrivatePostgres> {
        match PrivatePostgres::try_start() {
            Ok(postgres) => Some(postgres),
            Err(why) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI is set but this test's own PostgreSQL cannot be started: {why}"
                );
                PRIVATE_SKIPPED.call_once(|| {
                    use std::io::Write as _;
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "PostgreSQL restart tests skipped: {why}; install PostgreSQL's server (apt-get install postgresql) to run them"
                    );
                });
                None
            }
        }
    }

    fn try_start() -> Result<PrivatePostgres, String> {
        let bin = server_binaries()
            .ok_or("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql")?;
        let dir = tempfile::tempdir().map_err(|error| error.to_string())?;
        let as_postgres = running_as_root();
        if as_postgres {
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .map_err(|error| format!("cannot give the postgres user {dir:?}: {error}"))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| error.to_string())?
            .port();
        let postgres = PrivatePostgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = postgres.data();
        postgres.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        postgres.start_again()?;
        Ok(postgres)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// A trusted superuser over TCP to the cluster's own database: a cluster no one else uses.
    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&path);
            command
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .output()
            .map_err(|error| format!("cannot run {}: {error}", path.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    fn start_again(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
    }

    /// `fast` is a normal stop: open transactions are rolled back, every connection is ended.
    fn stop(&self, mode: &str) -> Result<(), String> {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", mode, "-w", "-t", "60", "stop"],
        )
    }

    /// The postmaster and every backend it forked, postmaster first.
    fn processes(&self) -> Vec<String> {
        let pid_file = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid"))
            .unwrap_or_default();
        let Some(postmaster) = pid_file.lines().next().map(str::to_owned) else {
            return Vec::new();
        };
        let children = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                // `pid (name) state ppid …`: the name may hold spaces, the rest does not.
                let parent = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
                (parent == postmaster).then(|| entry.file_name().to_string_lossy().into_owned())
            });
        std::iter::once(postmaster.clone())
            .chain(children)
            .collect()
    }

    /// Sends every process of the cluster `signal`: `STOP` freezes it as a hung machine or a
    /// network that drops packets would (connections stay open, nothing answers), `CONT` thaws.
    fn signal(&self, signal: &str) -> Result<(), String> {
        let processes = self.processes();
        if processes.is_empty() {
            return Err("PostgreSQL is not running".to_owned());
        }
        // One at a time: a backend may end between the listing and the signal.
        let sent: Vec<bool> = processes
            .iter()
            .map(|pid| {
                Command::new("kill")
                    .arg(format!("-{signal}"))
                    .arg(pid)
                    .stderr(std::process::Stdio::null())
                    .status()
                    .is_ok_and(|status| status.success())
            })
            .collect();
        if sent[0] {
            Ok(())
        } else {
            Err(format!("kill -{signal} {} failed", processes[0]))
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.signal("CONT");
        let _ = self.stop("immediate");
    }
}

/// How the restart tests take PostgreSQL away, and bring it back.
#[derive(Debug, Clone, Copy)]
enum Outage {
    /// Stopped and started again: every connection is ended, new ones are refused.
    Restart,
    /// Frozen and thawed: connections stay open, and nothing answers on them or on new ones.
    Freeze,
}

impl Outage {
    fn begin(self, postgres: &PrivatePostgres) -> Result<(), String> {
        match self {
            Outage::Restart => postgres.stop("fast"),
            Outage::Freeze => postgres.signal("STOP"),
        }
    }

    fn end(self, postgres: &PrivatePostgres) -> Result<(), String> {
        match self {
            Outage::Restart => postgres.start_again(),
            Outage::Freeze => postgres.signal("CONT"),
        }
    }
}

/// The newest PostgreSQL's server binaries Debian's packages installed.
fn server_binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether this process runs as root: `/proc/self` belongs to the process's user.
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

fn postgres_user() -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Result<u32, String> {
        let output = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .map_err(|error| error.to_string())?;
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .map_err(|_| "there is no postgres user to run PostgreSQL as".to_owned())
    };
    Ok((id("-u")?, id("-g")?))
}

/// Two `serve` processes over the database at `url`, which holds the first user and two apps.
struct Fleet {
    servers: Vec<Serving>,
    _dirs: Vec<tempfile::TempDir>,
    /// The account, subaccount and organization the first start made.
    owners: Vec<Sid>,
    /// A client-credentials app of the account.
    tokens_app: Client,
    /// An authorization-code app of the organization, with offline access.
    code_app: Client,
}

#[derive(Clone)]
struct Client {
    id: String,
    secret: String,
}

impl Fleet {
    async fn start(url: &str) -> Fleet {
        let store = PgStore::connect(url)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let service =
            ConsoleService::new(Arc::new(store), Arc::new(SystemClock), Arc::new(OsEntropy));
        let made = service
            .bootstrap("admin", Some(PASSWORD.into()))
            .await
            .unwrap()
            .expect("a new store");
        let owners: Vec<Sid> = made.owners.into_iter().map(|owner| owner.sid).collect();
        let admin = service.local_user(None).await.unwrap().sid;
        let create = async |owner: &Sid, grant_type: GrantType, scopes: &[&str], redirect: bool| {
            let created = service
                .create_app(
                    &admin,
                    NewApp {
                        owner: owner.clone(),
                        grant_type,
                        settings: AppSettings {
                            name: "Fleet app".into(),
                            scopes: scopes.iter().map(|scope| scope.to_string()).collect(),
                            redirect_uris: if redirect {
                                vec![REDIRECT.into()]
                            } else {
                                Vec::new()
                            },
                            ..AppSettings::default()
                        },
                        region: None,
                    },
                )
                .await
                .unwrap();
            Client {
                id: created.app.sid.to_string(),
                secret: created.secret.expose().to_owned(),
            }
        };
        let tokens_app = create(
            &owners[0],
            GrantType::ClientCredentials,
            &[crate::cli::MESSAGES_READ],
            false,
        )
        .await;
        let code_app = create(&owners[2], GrantType::AuthorizationCode, &CODE_SCOPES, true).await;
        let mut servers = Vec::new();
        let mut dirs = Vec::new();
        for _ in 0..2 {
            let dir = tempfile::tempdir().unwrap();
            let mut command = crate::cli::oauth_console(dir.path());
            command
                .env("OAUTH_CONSOLE_DATABASE_URL", url)
                .args(["--issuer", ISSUER]);
            servers.push(Serving::start(command));
            dirs.push(dir);
        }
        Fleet {
            servers,
            _dirs: dirs,
            owners,
            tokens_app,
            code_app,
        }
    }

    fn base(&self, server: usize) -> &str {
        &self.servers[server].base
    }
}

/// An HTTP client that gives up on a request after a while, so that a server that hangs fails
/// the test instead of stalling it.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A browser: keeps cookies, follows no redirect by itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A session token for the management API, from `base`; every server of the fleet honours it.
async fn api_session(http: &reqwest::Client, base: &str) -> String {
    let response = http
        .post(format!("{base}/v1/sessions"))
        .json(&json!({ "username": "admin", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

fn authorize_url(base: &str, client_id: &str) -> String {
    let mut url = url::Url::parse(&format!("{base}/v2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", &CODE_SCOPES.join(" "))
        .append_pair("state", "fleet")
        .append_pair("code_challenge", &s256_challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    url.into()
}

/// A code for `client_id` through the pages of `base` as a person's browser gets it: signing in
/// first when the browser has no session yet, then approving.
async fn approved_code(
    browser: &reqwest::Client,
    base: &str,
    client_id: &str,
) -> Result<String, String> {
    let url = authorize_url(base, client_id);
    let page = |response: reqwest::Response| async move {
        let status = response.status();
        let text = response.text().await.map_err(|error| error.to_string())?;
        if status == StatusCode::OK {
            Ok(text)
        } else {
            Err(format!("{status}: {text}"))
        }
    };
    let get = async || -> Result<String, String> {
        page(
            browser
                .get(&url)
                .send()
                .await
                .map_err(|error| error.to_string())?,
        )
        .await
    };
    let mut consent = get().await?;
    if consent.contains("name=\"username\"") {
        let signed_in = browser
            .post(format!("{base}/v2/authorize/sign-in"))
            .form(&[
                ("csrf_token", field(&consent, "csrf_token").as_str()),
                ("request", &field(&consent, "request")),
                ("username", "admin"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .map_err(|error| error.to_string())?;
        if signed_in.status() != StatusCode::SEE_OTHER {
            return Err(format!("sign-in: {}", signed_in.status()));
        }
        consent = get().await?;
    }
    let decided = browser
        .post(format!("{base}/v2/authorize/decision"))
        .form(&[
            ("csrf_token", field(&consent, "csrf_token").as_str()),
            ("request", &field(&consent, "request")),
            ("decision", "approve"),
        ])
        .send()
        .await
        .map_err(|error| error.to_string())?;
    if decided.status() != StatusCode::SEE_OTHER {
        return Err(format!("decision: {}", decided.status()));
    }
    query_of(&location(&decided))
        .remove("code")
        .ok_or_else(|| "no code in the redirect".to_owned())
}

/// What one request got: its status (`None`: no answer at all), `Retry-After`, and body.
#[derive(Debug, Clone)]
struct Answer {
    status: Option<u16>,
    retry_after: Option<String>,
    body: Value,
    sent: Instant,
    took: Duration,
}

impl Answer {
    fn ok(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }

    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let sent = Instant::now();
    match request.send().await {
        Ok(response) => {
            let status = Some(response.status().as_u16());
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let body = response.json().await.unwrap_or_default();
            Answer {
                status,
                retry_after,
                body,
                sent,
                took: sent.elapsed(),
            }
        }
        Err(error) => Answer {
            status: None,
            retry_after: None,
            body: json!({ "transport": error.to_string() }),
            sent,
            took: sent.elapsed(),
        },
    }
}

fn token_grant(
    http: &reqwest::Client,
    base: &str,
    client: &Client,
    form: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let mut fields = vec![
        ("client_id", client.id.as_str()),
        ("client_secret", client.secret.as_str()),
    ];
    fields.extend_from_slice(form);
    http.post(format!("{base}/v2/token")).form(&fields)
}

fn client_credentials(
    http: &reqwest::Client,
    base: &str,
    client: &Client,
) -> reqwest::RequestBuilder {
    token_grant(http, base, client, &[("grant_type", "client_credentials")])
}

fn exchange(
    http: &reqwest::Client,
    base: &str,
    client: &Client,
    code: &str,
) -> reqwest::RequestBuilder {
    token_grant(
        http,
        base,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
}

fn refresh(
    http: &reqwest::Client,
    base: &str,
    client: &Client,
    token: &str,
) -> reqwest::RequestBuilder {
    token_grant(
        http,
        base,
        client,
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
}

/// `POST /v1/owners/{organization}/apps`: a new authorization-code app with offline access.
fn new_code_app(
    http: &reqwest::Client,
    base: &str,
    session: &str,
    organization: &Sid,
    name: &str,
) -> reqwest::RequestBuilder {
    http.post(format!("{base}/v1/owners/{organization}/apps"))
        .bearer_auth(session)
        .json(&json!({
            "grant_type": "authorization-code",
            "friendly_name": name,
            "scopes": CODE_SCOPES,
            "authorization_code": {
                "company_name": "Fleet Inc",
                "image_urls": [],
                "homepage_url": "",
                "terms_of_service_url": "",
                "redirect_uris": [REDIRECT],
            },
        }))
}

/// The app a create answered with, as its developer holds it.
fn created_client(answer: &Answer) -> Client {
    Client {
        id: answer.body["client_id"].as_str().unwrap().to_owned(),
        secret: answer.body["client_secret"].as_str().unwrap().to_owned(),
    }
}

/// A refresh token of `app` through the pages and token endpoint of `base`.
async fn new_refresh_token(
    browser: &reqwest::Client,
    http: &reqwest::Client,
    base: &str,
    app: &Client,
) -> Option<String> {
    let code = approved_code(browser, base, &app.id).await.ok()?;
    let granted = send(exchange(http, base, app, &code)).await;
    (granted.status == Some(200)).then(|| refresh_token_of(&granted))
}

fn refresh_token_of(answer: &Answer) -> String {
    answer.body["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token in {answer:?}"))
        .to_owned()
}

/// Kinds of request the restart test sends, each in its own loop per server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Client credentials: from the client cache, no store read while it is fresh.
    Token,
    /// A refresh-token grant: a store read and a commit.
    Refresh,
    /// `GET /v1/apps/{sid}`: the session and the app read from the store.
    ApiRead,
    /// `POST /v1/apps/{sid}`: a commit.
    ApiUpdate,
    Ready,
}

const STORE_BOUND: [Kind; 3] = [Kind::Refresh, Kind::ApiRead, Kind::ApiUpdate];
const ALL_KINDS: [Kind; 5] = [
    Kind::Token,
    Kind::Refresh,
    Kind::ApiRead,
    Kind::ApiUpdate,
    Kind::Ready,
];

#[derive(Debug, Clone)]
struct Sent {
    kind: Kind,
    server: usize,
    answer: Answer,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_mid_load_is_answered_503_with_retry_after_and_the_servers_recover_without_a_restart()
 {
    if let Some(postgres) = PrivatePostgres::start() {
        outage_mid_load(&postgres, Outage::Restart).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_that_stops_answering_mid_load_gets_503_within_seconds_not_requests_hanging_until_it_is_back()
 {
    if let Some(postgres) = PrivatePostgres::start() {
        outage_mid_load(&postgres, Outage::Freeze).await;
    }
}

/// Two servers under load while PostgreSQL goes away past the client cache's age, and comes back.
async fn outage_mid_load(postgres: &PrivatePostgres, outage: Outage) {
    let fleet = Arc::new(Fleet::start(&postgres.url()).await);
    let http = http();
    let session = api_session(&http, fleet.base(0)).await;
    // The management calls of each server change an app of their own: changing the token app
    // through a server would make it forget the app and read it again, and two servers changing
    // one app at once are refused as concurrent edits.
    let mut managed = Vec::new();
    for _ in 0..2 {
        let created = send(
            http.post(format!(
                "{}/v1/owners/{}/apps",
                fleet.base(0),
                fleet.owners[0]
            ))
            .bearer_auth(&session)
            .json(&json!({ "friendly_name": "Managed", "scopes": [crate::cli::MESSAGES_READ] })),
        )
        .await;
        assert_eq!(created.status, Some(201), "{created:?}");
        managed.push(created.body["client_id"].as_str().unwrap().to_owned());
    }
    // Each server's refreshes go to an app of their own, so that one server's chain of refresh
    // tokens never meets the other's.
    let browser = browser();
    let mut refresh_apps = Vec::new();
    for server in 0..2 {
        let name = format!("Refreshed on server {server}");
        let created = send(new_code_app(
            &http,
            fleet.base(0),
            &session,
            &fleet.owners[2],
            &name,
        ))
        .await;
        assert_eq!(created.status, Some(201), "{created:?}");
        refresh_apps.push(created_client(&created));
    }
    // Signed in once, before the load: the session is in the database, so both servers take it.
    approved_code(&browser, fleet.base(0), &refresh_apps[0].id)
        .await
        .unwrap();

    let sent = Arc::new(Mutex::new(Vec::<Sent>::new()));
    let load_started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let mut loops = Vec::new();
    for server in 0..2 {
        for kind in ALL_KINDS {
            let (fleet, http, sent, done, session, managed) = (
                fleet.clone(),
                http.clone(),
                sent.clone(),
                done.clone(),
                session.clone(),
                managed[server].clone(),
            );
            let (browser, refresh_app) = (browser.clone(), refresh_apps[server].clone());
            loops.push(tokio::spawn(async move {
                let base = fleet.base(server).to_owned();
                let mut round = 0u32;
                let mut refresh_token = None;
                while !done.load(Ordering::SeqCst) {
                    round += 1;
                    if kind == Kind::Refresh && refresh_token.is_none() {
                        // At the start, and after an answer that left unknown whether the token
                        // was spent: a new chain, through the pages, which may be down too.
                        refresh_token = new_refresh_token(&browser, &http, &base, &refresh_app).await;
                        if refresh_token.is_none() {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    }
                    let request = match kind {
                        Kind::Token => client_credentials(&http, &base, &fleet.tokens_app),
                        Kind::Refresh => refresh(
                            &http,
                            &base,
                            &refresh_app,
                            refresh_token.as_deref().unwrap_or_default(),
                        ),
                        Kind::ApiRead => http
                            .get(format!("{base}/v1/apps/{managed}"))
                            .bearer_auth(&session),
                        Kind::ApiUpdate => http
                            .post(format!("{base}/v1/apps/{managed}"))
                            .bearer_auth(&session)
                            .json(&json!({ "description": format!("server {server}, round {round}") })),
                        Kind::Ready => http.get(format!("{base}/readyz")),
                    };
                    let answer = send(request).await;
                    match answer.status {
                        Some(200) if kind == Kind::Refresh => {
                            refresh_token = Some(refresh_token_of(&answer));
                        }
                        Some(500) => refresh_token = None,
                        _ => {}
                    }
                    sent.lock().unwrap().push(Sent {
                        kind,
                        server,
                        answer,
                    });
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    // Each server forgets the token app as it changes it, and reads it again on the next token:
    // from here on, each server's cached copy is fresh for the whole cache age.
    let cached_from = Instant::now();
    for server in 0..2 {
        let changed = send(
            http.post(format!(
                "{}/v1/apps/{}",
                fleet.base(server),
                fleet.tokens_app.id
            ))
            .bearer_auth(&session)
            .json(&json!({ "description": format!("cached by server {server}") })),
        )
        .await;
        assert_eq!(changed.status, Some(200), "{changed:?}");
        let token = send(client_credentials(
            &http,
            fleet.base(server),
            &fleet.tokens_app,
        ))
        .await;
        assert_eq!(token.status, Some(200), "{token:?}");
    }
    // Each change is also announced to the other server, which forgets its copy when it hears
    // it (within a second) and reads the app again on its next token: let both announcements
    // arrive while PostgreSQL still answers, or a late one would leave a server nothing cached.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let cache_age = Duration::from_secs(oauth_console::service::CLIENT_CACHE_MAX_AGE.0.into());
    let stopping = Instant::now();
    tokio::task::block_in_place(|| outage.begin(postgres)).unwrap();
    let stopped = Instant::now();
    // Down past the cache age, so that cached apps run out too, and long enough for requests
    // that wait out the whole bound to be sent and answered while it is down.
    let back_at = (cached_from + cache_age + Duration::from_secs(1))
        .max(stopped + 2 * ANSWER_BOUND - Duration::from_secs(2));
    tokio::time::sleep(back_at.saturating_duration_since(Instant::now())).await;
    let starting = Instant::now();
    tokio::task::block_in_place(|| outage.end(postgres)).unwrap();
    let started = Instant::now();
    tokio::time::sleep(RECOVERY_BOUND + Duration::from_secs(2)).await;
    done.store(true, Ordering::SeqCst);
    for running in loops {
        running.await.unwrap();
    }
    let sent = sent.lock().unwrap().clone();

    // Every answer, up, down or coming back: a success or 503 with Retry-After, in time. The one
    // exception: a commit whose COMMIT was on its way when the database froze may land when it
    // thaws, so the server cannot say that nothing was changed, and answers 500.
    let outcome_unknown = |s: &Sent| {
        matches!(outage, Outage::Freeze)
            && [Kind::ApiUpdate, Kind::Refresh].contains(&s.kind)
            && s.answer.status == Some(500)
            && s.answer.sent <= stopped
            && s.answer.sent + s.answer.took >= stopping
    };
    for s in sent.iter().filter(|s| !outcome_unknown(s)) {
        let answer = &s.answer;
        assert!(
            answer.took <= ANSWER_BOUND,
            "{:?} on server {} took {:?}: {answer:?}",
            s.kind,
            s.server,
            answer.took
        );
        match answer.status {
            Some(200) => {}
            Some(503) => assert!(
                answer.retry_after.is_some(),
                "503 without Retry-After: {s:?}"
            ),
            _ => panic!("neither a success nor 503: {s:?}"),
        }
    }
    for kind in ALL_KINDS {
        let before = within(&sent, kind, None, load_started, stopping);
        assert!(!before.is_empty(), "no {kind:?} before the stop");
        for s in before {
            assert!(s.answer.ok(), "{kind:?} before the stop: {s:?}");
        }
    }
    for kind in STORE_BOUND.into_iter().chain([Kind::Ready]) {
        let down = within(&sent, kind, None, stopped, starting);
        assert!(!down.is_empty(), "no {kind:?} while PostgreSQL was down");
        for s in down {
            assert_eq!(
                s.answer.status,
                Some(503),
                "{kind:?} while PostgreSQL was down: {s:?}"
            );
        }
    }
    let fresh_until = cached_from + cache_age - Duration::from_millis(500);
    for server in 0..2 {
        let tokens = within(&sent, Kind::Token, Some(server), stopped, fresh_until);
        assert!(
            !tokens.is_empty(),
            "PostgreSQL took {:?} to stop: no token was asked for within the cache age",
            stopped - stopping
        );
        for s in tokens {
            assert_eq!(
                s.answer.status,
                Some(200),
                "a token of an app cached on server {server}: {s:?}"
            );
        }
    }
    let stale_from = cached_from + cache_age + Duration::from_millis(500);
    for s in within(&sent, Kind::Token, None, stale_from, starting) {
        assert_eq!(
            s.answer.status,
            Some(503),
            "a token once the app's cached copy is too old to trust: {s:?}"
        );
    }
    let recovered = started + RECOVERY_BOUND;
    for kind in ALL_KINDS {
        for server in 0..2 {
            let back = within(&sent, kind, Some(server), recovered, Instant::now());
            assert!(
                !back.is_empty(),
                "no {kind:?} on server {server} after PostgreSQL was back"
            );
            for s in back {
                assert!(
                    s.answer.ok(),
                    "{kind:?} on server {server}, {RECOVERY_BOUND:?} after PostgreSQL was back: {s:?}"
                );
            }
        }
    }
}

/// The requests of `kind` (to `server`, or to either) sent at `from` or later and answered by
/// `to`.
fn within(
    sent: &[Sent],
    kind: Kind,
    server: Option<usize>,
    from: Instant,
    to: Instant,
) -> Vec<&Sent> {
    sent.iter()
        .filter(|s| s.kind == kind && server.is_none_or(|server| s.server == server))
        .filter(|s| s.answer.sent >= from && s.answer.sent + s.answer.took <= to)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_or_refresh_token_sent_to_two_servers_at_once_gets_one_token_and_the_replay_revokes_the_winner()
 {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let fleet = Fleet::start(&database.url).await;
    let browser = browser();
    // One connection per server, made before the race, so that neither request waits on one.
    let (to_a, to_b) = (http(), http());
    let (a, b) = (fleet.base(0), fleet.base(1));
    for client in [&to_a, &to_b] {
        for base in [a, b] {
            client.get(format!("{base}/healthz")).send().await.unwrap();
        }
    }
    let app = &fleet.code_app;
    const ROUNDS: usize = 12;
    for round in 0..ROUNDS {
        let code = approved_code(&browser, a, &app.id).await.unwrap();
        let (first, second) = tokio::join!(
            send(exchange(&to_a, a, app, &code)),
            send(exchange(&to_b, b, app, &code))
        );
        let (winner, loser) = one_winner(round, "code", first, second);
        assert_eq!(loser.error(), "invalid_grant", "round {round}: {loser:?}");
        let after = send(refresh(&to_a, a, app, &refresh_token_of(&winner))).await;
        assert_eq!(
            (after.status, after.error()),
            (Some(400), "invalid_grant"),
            "round {round}: the replayed code revokes the winner's refresh token: {after:?}"
        );

        let code = approved_code(&browser, a, &app.id).await.unwrap();
        let granted = send(exchange(&to_a, a, app, &code)).await;
        assert_eq!(granted.status, Some(200), "{granted:?}");
        let token = refresh_token_of(&granted);
        let (first, second) = tokio::join!(
            send(refresh(&to_a, a, app, &token)),
            send(refresh(&to_b, b, app, &token))
        );
        let (winner, loser) = one_winner(round, "refresh token", first, second);
        assert_eq!(loser.error(), "invalid_grant", "round {round}: {loser:?}");
        let after = send(refresh(&to_b, b, app, &refresh_token_of(&winner))).await;
        assert_eq!(
            (after.status, after.error()),
            (Some(400), "invalid_grant"),
            "round {round}: the replayed refresh token revokes the winner's new one: {after:?}"
        );
    }
}

/// The one of two answers that got a token, and the other.
#[track_caller]
fn one_winner(round: usize, what: &str, first: Answer, second: Answer) -> (Answer, Answer) {
    match (first.status, second.status) {
        (Some(200), Some(status)) if status != 200 => (first, second),
        (Some(status), Some(200)) if status != 200 => (second, first),
        _ => {
            panic!("round {round}: one {what} at both servers, not one token: {first:?} {second:?}")
        }
    }
}

/// What the kill test's load was told was written: each answered 2xx.
#[derive(Debug, Default)]
struct Acknowledged {
    apps: Vec<AckedApp>,
    /// Creates, changes, rotations and code exchanges acknowledged, in all.
    writes: usize,
}

/// An app made by the load, with what was last acknowledged for it.
#[derive(Debug, Clone)]
struct AckedApp {
    /// The server that made it.
    server: usize,
    sid: String,
    description: Option<String>,
    /// The secret it was made with or, if a rotation was acknowledged, that rotation's.
    secret: String,
    rotated: bool,
    /// What its acknowledged code exchange returned.
    refresh_token: Option<String>,
}

/// One worker of the kill test: against one server, makes an app, changes it, rotates its secret
/// and exchanges a code for it, again and again, until `done`. Every answer goes to `seen` with
/// the server's index, what was acknowledged to `acked`.
struct Writer {
    server: usize,
    base: String,
    session: String,
    organization: Sid,
    browser: reqwest::Client,
    done: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<(usize, Answer)>>>,
    acked: Arc<Mutex<Acknowledged>>,
}

impl Writer {
    fn record(&self, answer: &Answer) -> bool {
        self.seen
            .lock()
            .unwrap()
            .push((self.server, answer.clone()));
        answer.ok()
    }

    async fn run(self) {
        let (http, base, session) = (http(), &self.base, &self.session);
        let mut round = 0;
        while !self.done.load(Ordering::SeqCst) {
            round += 1;
            let name = format!("Server {} round {round}", self.server);
            let created = send(new_code_app(
                &http,
                base,
                session,
                &self.organization,
                &name,
            ))
            .await;
            if !self.record(&created) {
                continue;
            }
            let sid = created.body["client_id"].as_str().unwrap().to_owned();
            let mut app = AckedApp {
                server: self.server,
                sid: sid.clone(),
                description: None,
                secret: created.body["client_secret"].as_str().unwrap().to_owned(),
                rotated: false,
                refresh_token: None,
            };
            let description = format!("changed in round {round}");
            let changed = send(
                http.post(format!("{base}/v1/apps/{sid}"))
                    .bearer_auth(session)
                    .json(&json!({ "description": description })),
            )
            .await;
            if self.record(&changed) {
                app.description = Some(description);
            }
            let rotated = send(
                http.post(format!("{base}/v1/apps/{sid}/secret"))
                    .bearer_auth(session)
                    .json(&json!({ "grace_period": 3600 })),
            )
            .await;
            if self.record(&rotated) {
                app.secret = rotated.body["client_secret"].as_str().unwrap().to_owned();
                app.rotated = true;
            }
            let client = Client {
                id: sid,
                secret: app.secret.clone(),
            };
            let sent = Instant::now();
            match approved_code(&self.browser, base, &client.id).await {
                Ok(code) => {
                    let granted = send(exchange(&http, base, &client, &code)).await;
                    if self.record(&granted) {
                        app.refresh_token = Some(refresh_token_of(&granted));
                    }
                }
                Err(why) => {
                    self.record(&Answer {
                        status: None,
                        retry_after: None,
                        body: json!({ "code": why }),
                        sent,
                        took: sent.elapsed(),
                    });
                }
            }
            let writes = 1
                + usize::from(app.description.is_some())
                + usize::from(app.rotated)
                + usize::from(app.refresh_token.is_some());
            let mut acked = self.acked.lock().unwrap();
            acked.apps.push(app);
            acked.writes += writes;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_of_two_servers_mid_load_loses_no_acknowledged_write_and_the_other_answers_throughout()
 {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let mut fleet = Fleet::start(&database.url).await;
    let session = api_session(&http(), fleet.base(0)).await;
    let done = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut writers = Vec::new();
    for server in [0, 0, 1, 1] {
        // Signed in one after the other before the load: password hashing is bounded per server.
        let browser = browser();
        approved_code(&browser, fleet.base(server), &fleet.code_app.id)
            .await
            .unwrap();
        let writer = Writer {
            server,
            base: fleet.base(server).to_owned(),
            session: session.clone(),
            organization: fleet.owners[2].clone(),
            browser,
            done: done.clone(),
            seen: seen.clone(),
            acked: acked.clone(),
        };
        writers.push(tokio::spawn(writer.run()));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let killed_at = Instant::now();
    fleet.servers[0].child.kill().unwrap();
    fleet.servers[0].child.wait().unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    done.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }

    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|(server, answer)| *server == 1 && answer.sent > killed_at),
        "the survivor was sent requests after the kill"
    );
    for (server, answer) in &seen {
        if *server == 1 {
            assert!(answer.ok(), "the survivor failed a request: {answer:?}");
        } else if answer.sent + answer.took < killed_at {
            assert!(
                answer.ok(),
                "the killed server failed before the kill: {answer:?}"
            );
        }
    }

    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.apps.iter().any(|app| app.server == 0),
        "the killed server acknowledged writes before the kill"
    );
    let (http, b) = (http(), fleet.base(1));
    let mut present = 0;
    let mut lost = Vec::new();
    for app in &acked.apps {
        let read = send(
            http.get(format!("{b}/v1/apps/{}", app.sid))
                .bearer_auth(&session),
        )
        .await;
        if read.status != Some(200) {
            lost.push(format!(
                "{}: made on server {}, then {read:?}",
                app.sid, app.server
            ));
            continue;
        }
        present += 1;
        if let Some(description) = &app.description {
            if read.body["description"] == description.as_str() {
                present += 1;
            } else {
                lost.push(format!(
                    "{}: description {description:?}, read {}",
                    app.sid, read.body["description"]
                ));
            }
        }
        let client = Client {
            id: app.sid.clone(),
            secret: app.secret.clone(),
        };
        // The last acknowledged secret: a later rotation that never answered kept it in grace.
        let introspected = send(
            http.post(format!("{b}/v2/introspect"))
                .basic_auth(&client.id, Some(&client.secret))
                .form(&[("token", "not-a-token")]),
        )
        .await;
        if introspected.status != Some(200) {
            lost.push(format!("{}: its secret, {introspected:?}", app.sid));
        } else if app.rotated {
            present += 1;
        }
        if let Some(token) = &app.refresh_token {
            let refreshed = send(refresh(&http, b, &client, token)).await;
            if refreshed.status == Some(200) {
                present += 1;
            } else {
                lost.push(format!("{}: its refresh token, {refreshed:?}", app.sid));
            }
        }
    }
    assert!(lost.is_empty(), "acknowledged but lost: {lost:#?}");
    assert_eq!(present, acked.writes, "every acknowledged write is there");
}
