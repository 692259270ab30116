//! Operating the server as a load balancer, a monitoring system and a log pipeline meet it:
//! `/healthz`, `/readyz` and its drain on stop, `/metrics` and who may read it, the request id,
//! and the JSON log. In process over a real server where the clock must move, and the real
//! binary where a signal, a flag or the log on standard error is what is tried.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oauth_console::model::Seconds;
use oauth_console::server::ServerConfig;
use reqwest::StatusCode;
use serde_json::Value;

use super::api::{Client, PASSWORD, TestServer, start, start_configured};
use super::authorize::{Browser, VERIFIER, authorize_url, browser, code_app, exchange_code, grant};

/// Every answer of `POST /v2/token`, whatever its status.
fn requests_sent_to_token(metrics: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| {
            line.starts_with("oauth_console_http_request_duration_seconds_count{method=\"POST\",route=\"/v2/token\"")
        })
        .map(|line| line.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// The value of the sample `series` (name and labels exactly as written) in a metrics page.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in:\n{metrics}"))
        .parse()
        .unwrap()
}

async fn metrics_of(server: &TestServer) -> String {
    let response = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn healthz_says_the_process_is_up_and_readyz_that_the_store_answers() {
    let server = start().await;
    let health = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok\n");
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready\n");
}

/// A request whose body is still on its way: headers and half the body sent, the rest when
/// `finish` is called.
struct HalfSent {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl HalfSent {
    fn token_request(server: &TestServer, client: &Client) -> HalfSent {
        let body = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            client.id, client.secret
        );
        let address = server.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).unwrap();
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        write!(
            stream,
            "POST /v2/token HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        stream.write_all(first).unwrap();
        HalfSent {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest and reads the whole answer.
    fn finish(mut self) -> String {
        self.stream.write_all(&self.rest).unwrap();
        self.stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut answer = Vec::new();
        let mut chunk = [0; 4096];
        while !answer.ends_with(b"}") {
            let read = self.stream.read(&mut chunk).unwrap();
            assert!(read > 0, "closed before the answer ended: {answer:?}");
            answer.extend_from_slice(&chunk[..read]);
        }
        String::from_utf8(answer).unwrap()
    }
}

#[tokio::test]
async fn on_stop_readyz_fails_at_once_while_requests_are_still_served_then_in_flight_ones_finish() {
    let drain_delay = Duration::from_millis(1500);
    let config = ServerConfig {
        drain_delay,
        ..ServerConfig::default()
    };
    let mut server = start_configured(config, oauth_console::model::SigningAlg::ES256).await;
    let client = server.account_app().await;
    let in_flight = HalfSent::token_request(&server, &client);
    let told = Instant::now();
    server.stop.take().unwrap().send(()).unwrap();

    // A balancer's next health check sees the server going, while it still serves.
    let fresh = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    };
    let ready = fresh().get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.headers()["retry-after"], "1");
    assert_eq!(
        ready.text().await.unwrap(),
        "draining: this server is shutting down\n"
    );
    let health = fresh().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let during = fresh()
        .post(server.url("/v2/token"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        during.status(),
        StatusCode::OK,
        "a request sent while draining"
    );
    assert!(
        told.elapsed() < drain_delay,
        "the checks took too long to mean anything"
    );

    // After the delay, no new connection is taken, and the request in flight still finishes.
    tokio::time::sleep(drain_delay - told.elapsed() + Duration::from_millis(300)).await;
    let refused = fresh().get(server.url("/healthz")).send().await;
    assert!(
        refused.is_err(),
        "a connection after the drain: {refused:?}"
    );
    let answer = tokio::task::spawn_blocking(move || in_flight.finish())
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("\"access_token\""), "{answer}");
    server.task.take().unwrap().await.unwrap().unwrap();
}

#[tokio::test]
async fn metrics_count_tokens_by_grant_and_outcome_and_requests_by_route_template() {
    let server = start().await;
    let client = server.account_app().await;
    server.token(&client).await;
    server.token(&client).await;
    let wrong = Client {
        id: client.id.clone(),
        secret: format!("{}x", client.secret),
    };
    assert_eq!(
        server.token_request(&wrong, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let made_up = server
        .http
        .post(server.url("/v2/token"))
        .form(&[
            ("grant_type", "urn:made-up:grant-9f3c"),
            ("client_id", client.id.as_str()),
            ("client_secret", client.secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(made_up.status(), StatusCode::BAD_REQUEST);
    let session = server.session("admin", PASSWORD).await;
    assert_eq!(
        server.sign_in("admin", "wrong password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let apps = server
        .http
        .get(server.url(&format!("/v1/owners/{}/apps", server.account)))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(apps.status(), StatusCode::OK);
    let unknown_path = format!("/no/such/{}", client.id);
    assert_eq!(
        reqwest::get(server.url(&unknown_path))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    let metrics = metrics_of(&server).await;
    let tokens = |grant: &str, outcome: &str| {
        sample(
            &metrics,
            &format!(r#"oauth_console_tokens_total{{grant="{grant}",outcome="{outcome}"}}"#),
        )
    };
    assert_eq!(tokens("client_credentials", "issued"), 2.0);
    assert_eq!(requests_sent_to_token(&metrics), 4.0);
    assert_eq!(tokens("client_credentials", "invalid_client"), 1.0);
    assert_eq!(tokens("other", "unsupported_grant_type"), 1.0);
    let requests = |method: &str, route: &str, status: u16| {
        sample(
            &metrics,
            &format!(
                r#"oauth_console_http_request_duration_seconds_count{{method="{method}",route="{route}",status="{status}"}}"#
            ),
        )
    };
    assert_eq!(requests("POST", "/v2/token", 200), 2.0);
    assert_eq!(requests("POST", "/v2/token", 401), 1.0);
    assert_eq!(requests("GET", "/v1/owners/{owner_sid}/apps", 200), 1.0);
    assert_eq!(requests("GET", "unmatched", 404), 1.0);
    // Neither an owner's SID from a path nor a made-up path or grant type becomes a series.
    for sent in [server.account.as_str(), &unknown_path, "made-up"] {
        assert!(!metrics.contains(sent), "{sent} in:\n{metrics}");
    }
    // The first token read the app from the store; the second found it cached.
    let lookups = |result: &str| {
        sample(
            &metrics,
            &format!(r#"oauth_console_client_cache_lookups_total{{result="{result}"}}"#),
        )
    };
    assert_eq!(lookups("miss"), 1.0);
    assert_eq!(lookups("hit"), 2.0);
    assert_eq!(
        sample(&metrics, "oauth_console_client_cache_notifications_total"),
        0.0
    );
    assert_eq!(
        sample(&metrics, r#"oauth_console_sessions_total{event="started"}"#),
        1.0
    );
    assert_eq!(
        sample(&metrics, r#"oauth_console_sessions_total{event="refused"}"#),
        1.0
    );
    assert!(
        sample(
            &metrics,
            r#"oauth_console_store_operation_duration_seconds_count{operation="commit"}"#
        ) >= 2.0
    );
    assert_eq!(
        sample(
            &metrics,
            r#"oauth_console_store_operation_duration_seconds_count{operation="app"}"#
        ),
        1.0,
        "one store read for two client-credentials tokens"
    );
}

async fn refresh(server: &TestServer, client: &Client, token: &str) -> StatusCode {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
    grant(server, client, &form).await.status()
}

#[tokio::test]
async fn metrics_count_authorizations_their_grants_replays_and_what_the_sweeper_removed() {
    let server = start().await;
    let client = code_app(&server).await;
    let browser = Browser {
        server: &server,
        http: browser(),
    };
    let code = browser.code(&authorize_url(&server, &client, &[])).await;
    let exchanged = exchange_code(&server, &client, &code, VERIFIER).await;
    assert_eq!(exchanged.status(), StatusCode::OK);
    let tokens: Value = exchanged.json().await.unwrap();
    let first_refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(
        refresh(&server, &client, first_refresh).await,
        StatusCode::OK
    );
    // The spent token again: a replay, which revokes the authorization.
    assert_eq!(
        refresh(&server, &client, first_refresh).await,
        StatusCode::BAD_REQUEST
    );

    // Past the code's life and the sweeper's margin, the redeemed code goes.
    server.clock.advance(Seconds(10 * 60));
    let swept = server.service.sweep().await.unwrap();
    assert_eq!(swept.codes, 1);

    let metrics = metrics_of(&server).await;
    let tokens = |grant: &str, outcome: &str| {
        sample(
            &metrics,
            &format!(r#"oauth_console_tokens_total{{grant="{grant}",outcome="{outcome}"}}"#),
        )
    };
    assert_eq!(tokens("authorization_code", "issued"), 1.0);
    assert_eq!(tokens("refresh_token", "issued"), 1.0);
    assert_eq!(tokens("refresh_token", "invalid_grant"), 1.0);
    let authorizations = |event: &str| {
        sample(
            &metrics,
            &format!(r#"oauth_console_authorizations_total{{event="{event}"}}"#),
        )
    };
    assert_eq!(authorizations("approved"), 1.0);
    assert_eq!(authorizations("revoked_on_replay"), 1.0);
    assert_eq!(
        sample(
            &metrics,
            r#"oauth_console_swept_records_total{kind="code"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(
            &metrics,
            r#"oauth_console_store_operation_duration_seconds_count{operation="purge"}"#
        ),
        1.0
    );
}

/// `oauth-console serve` with `args`, its standard error collected line by line.
struct Serving {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
    client_id: String,
    client_secret: String,
}

fn oauth_console(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-console"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("OAUTH_CONSOLE_SERVER")
        .env_remove("OAUTH_CONSOLE_USER")
        .env_remove("OAUTH_CONSOLE_LOG_FORMAT")
        .env_remove("OAUTH_CONSOLE_METRICS_LISTEN")
        .env_remove("OAUTH_CONSOLE_DRAIN_DELAY")
        .env_remove("RUST_LOG")
        .env("OAUTH_CONSOLE_ADMIN_PASSWORD", PASSWORD)
        .stdin(Stdio::null());
    command
}

impl Serving {
    fn start(args: &[&str], rust_log: Option<&str>) -> Serving {
        let dir = tempfile::tempdir().unwrap();
        let created = oauth_console(dir.path())
            .args(["apps", "create", "--name", "ops", "--json"])
            .args(["--scope", "/twilio/messaging/messages/read"])
            .output()
            .unwrap();
        assert!(created.status.success(), "{created:?}");
        let created: Value = serde_json::from_slice(&created.stdout).unwrap();
        let mut command = oauth_console(dir.path());
        command.arg("serve").args(args).stderr(Stdio::piped());
        if let Some(filter) = rust_log {
            command.env("RUST_LOG", filter);
        }
        let mut child = command.spawn().unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let serving = Serving {
            child,
            log,
            _dir: dir,
            client_id: created["client_id"].as_str().unwrap().to_owned(),
            client_secret: created["client_secret"].as_str().unwrap().to_owned(),
        };
        serving.wait_for_line("listening");
        serving
    }

    /// The first line of the log holding `text`, once it is written.
    fn wait_for_line(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(line) = self.lines().into_iter().find(|line| line.contains(text)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no '{text}' in {:?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The port of the address logged after `address` on the line holding `text`.
    fn port(&self, text: &str) -> u16 {
        let line = self.wait_for_line(text);
        let after = line.split("address").nth(1).unwrap();
        let address: String = after
            .trim_start_matches(['=', '"', ':'])
            .chars()
            .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ':'))
            .collect();
        address.rsplit(':').next().unwrap().parse().unwrap()
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(sent.success());
    }

    /// Waits for the process to end (within `within`) and returns its exit status.
    fn wait(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running: {:?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn get(url: &str) -> (StatusCode, String) {
    block_on(async {
        let response = reqwest::get(url).await.unwrap();
        (response.status(), response.text().await.unwrap())
    })
}

/// A fresh connection's answer to a client-credentials token request, and its request id.
fn token(
    base: &str,
    client_id: &str,
    secret: &str,
    request_id: Option<&str>,
) -> (StatusCode, Value, String) {
    block_on(async {
        let mut request = reqwest::Client::new()
            .post(format!("{base}/v2/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")]);
        if let Some(id) = request_id {
            request = request.header("x-request-id", id);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        (status, response.json().await.unwrap(), id)
    })
}

#[test]
fn sigterm_makes_readyz_fail_first_keeps_serving_for_the_drain_delay_then_the_server_exits() {
    let mut serving = Serving::start(&["--listen", "127.0.0.1:0", "--drain-delay", "2s"], None);
    let base = format!("http://127.0.0.1:{}", serving.port("listening"));
    assert_eq!(get(&format!("{base}/readyz")).0, StatusCode::OK);
    let told = Instant::now();
    serving.signal("-TERM");
    serving.wait_for_line("draining");
    assert_eq!(
        get(&format!("{base}/readyz")),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "draining: this server is shutting down\n".to_owned()
        )
    );
    let (status, _, _) = token(&base, &serving.client_id, &serving.client_secret, None);
    assert_eq!(status, StatusCode::OK, "a token while draining");
    assert!(told.elapsed() < Duration::from_secs(2));
    let exited = serving.wait(Duration::from_secs(10));
    assert!(exited.success(), "{exited:?}: {:?}", serving.lines());
    assert!(
        told.elapsed() >= Duration::from_secs(2),
        "left before the drain delay"
    );
}

#[test]
fn a_drain_delay_past_its_limit_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let refused = oauth_console(dir.path())
        .args(["serve", "--drain-delay", "10m"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("--drain-delay") && said.contains("limit of 5m"),
        "{said}"
    );
}

/// This machine's first address that is not loopback, from which a connection to it is not
/// from loopback either: another machine, as far as the server can tell.
fn non_loopback_address() -> std::net::IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    // Connecting a UDP socket sends nothing; it picks the address a packet would leave from.
    socket
        .connect("192.0.2.1:9")
        .expect("this test needs a network interface besides loopback");
    let address = socket.local_addr().unwrap().ip();
    assert!(!address.is_loopback(), "{address}");
    address
}

#[test]
fn metrics_on_the_main_listener_answer_this_machine_but_not_another() {
    let serving = Serving::start(&["--listen", "0.0.0.0:0"], None);
    let port = serving.port("listening");
    let (status, metrics) = get(&format!("http://127.0.0.1:{port}/metrics"));
    assert_eq!(status, StatusCode::OK);
    assert!(
        metrics.contains("oauth_console_store_operation_duration_seconds_count"),
        "{metrics}"
    );
    let outside = non_loopback_address();
    let (status, said) = get(&format!("http://{outside}:{port}/metrics"));
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(said.contains("--metrics-listen"), "{said}");
    assert!(!said.contains("oauth_console_"), "{said}");
    // The balancer's checks answer anyone.
    assert_eq!(
        get(&format!("http://{outside}:{port}/readyz")).0,
        StatusCode::OK
    );
}

#[test]
fn with_metrics_listen_metrics_leave_the_main_listener_for_their_own_address() {
    let serving = Serving::start(
        &["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"],
        None,
    );
    let main = format!("http://127.0.0.1:{}", serving.port("listening"));
    let operations = format!("http://127.0.0.1:{}", serving.port("serving /metrics"));
    let (status, _, _) = token(&main, &serving.client_id, &serving.client_secret, None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(get(&format!("{main}/metrics")).0, StatusCode::NOT_FOUND);
    let (status, metrics) = get(&format!("{operations}/metrics"));
    assert_eq!(status, StatusCode::OK);
    assert!(
        metrics.contains(
            r#"oauth_console_tokens_total{grant="client_credentials",outcome="issued"} 1"#
        ),
        "{metrics}"
    );
    assert_eq!(get(&format!("{operations}/readyz")).0, StatusCode::OK);
    assert_eq!(
        get(&format!("{operations}/v2/token")).0,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn a_request_id_is_echoed_or_made_and_one_that_could_forge_a_log_line_is_replaced() {
    let serving = Serving::start(&["--listen", "127.0.0.1:0"], None);
    let base = format!("http://127.0.0.1:{}", serving.port("listening"));
    let (id, secret) = (&serving.client_id, &serving.client_secret);
    assert_eq!(token(&base, id, secret, Some("lb-7f3a.42")).2, "lb-7f3a.42");
    let made = token(&base, id, secret, None).2;
    assert_eq!(made.len(), 32, "{made}");
    let forged = r#"x" level=ERROR message="forged"#;
    let replaced = token(&base, id, secret, Some(forged)).2;
    assert_eq!(replaced.len(), 32, "{replaced}");
    let too_long = "a".repeat(oauth_console::server::MAX_REQUEST_ID_LEN + 1);
    assert_eq!(token(&base, id, secret, Some(&too_long)).2.len(), 32);
    serving.wait_for_line(&format!("request_id={replaced}"));
    assert!(
        !serving.lines().iter().any(|line| line.contains("forged")),
        "{:?}",
        serving.lines()
    );
}

#[test]
fn every_text_log_line_of_a_request_carries_its_request_id() {
    let serving = Serving::start(&["--listen", "127.0.0.1:0"], None);
    let base = format!("http://127.0.0.1:{}", serving.port("listening"));
    let wrong = format!("{}x", serving.client_secret);
    let (status, _, _) = token(&base, &serving.client_id, &wrong, Some("trace-41"));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    serving.wait_for_line("answered");
    let of_request: Vec<String> = serving
        .lines()
        .into_iter()
        .filter(|line| line.contains("request_id=trace-41"))
        .collect();
    assert!(
        of_request
            .iter()
            .any(|line| line.contains("client authentication failed")),
        "{:?}",
        serving.lines()
    );
    let answered = of_request
        .iter()
        .find(|line| line.contains("answered"))
        .unwrap_or_else(|| panic!("{:?}", serving.lines()));
    for part in [
        "route=/v2/token",
        "status=401",
        "latency_ms=",
        &serving.client_id,
    ] {
        assert!(answered.contains(part), "{part} in {answered}");
    }
}

#[test]
fn json_logs_are_one_object_a_line_with_request_id_route_status_latency_and_client_and_no_secret() {
    // Debug, so that what the libraries log too is checked.
    let mut serving = Serving::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--drain-delay",
            "0s",
        ],
        Some("debug"),
    );
    let base = format!("http://127.0.0.1:{}", serving.port("listening"));
    let (id, secret) = (serving.client_id.clone(), serving.client_secret.clone());
    let http = reqwest::Client::new();
    let mut secrets = vec![secret.clone(), PASSWORD.to_owned()];
    block_on(async {
        // The secret in the form, then in HTTP Basic, then a wrong one.
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ];
        let issued: Value = http
            .post(format!("{base}/v2/token"))
            .header("x-request-id", "json-1")
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let access = issued["access_token"].as_str().unwrap().to_owned();
        let basic = http
            .post(format!("{base}/v2/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), StatusCode::OK);
        let wrong_secret = format!("{secret}-but-wrong");
        let refused = http
            .post(format!("{base}/v2/token"))
            .basic_auth(&id, Some(&wrong_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        // A password to the management API, and its session token on later requests.
        let session: Value = http
            .post(format!("{base}/v1/sessions"))
            .json(&serde_json::json!({ "username": "admin", "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = session["token"].as_str().unwrap().to_owned();
        let owners = http
            .get(format!("{base}/v1/owners"))
            .bearer_auth(&session)
            .send()
            .await
            .unwrap();
        assert_eq!(owners.status(), StatusCode::OK);
        // The access token to introspection, the permission check and revocation.
        let introspected = http
            .post(format!("{base}/v2/introspect"))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", access.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(introspected.status(), StatusCode::OK);
        http.post(format!("{base}/v2/permissions/check"))
            .bearer_auth(&access)
            .json(&serde_json::json!({
                "method": "GET",
                "url": "https://messaging.twilio.com/v1/Services"
            }))
            .send()
            .await
            .unwrap();
        let revoked = http
            .post(format!("{base}/v2/revoke"))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", access.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), StatusCode::OK);
        secrets.extend([wrong_secret, session, access]);
    });
    serving.signal("-TERM");
    assert!(serving.wait(Duration::from_secs(10)).success());

    let lines = serving.lines();
    assert!(lines.len() > 10, "{lines:?}");
    let objects: Vec<Value> = lines
        .iter()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}"))
        })
        .collect();
    for line in &lines {
        for secret in &secrets {
            assert!(!line.contains(secret.as_str()), "a secret in: {line}");
        }
    }
    let answered: Vec<&Value> = objects
        .iter()
        .filter(|object| object["message"] == "answered")
        .collect();
    assert_eq!(answered.len(), 8, "{lines:?}");
    for object in &answered {
        let span = &object["span"];
        assert!(span["request_id"].is_string(), "{object}");
        assert!(span["route"].as_str().unwrap().starts_with('/'), "{object}");
        assert!(object["status"].is_u64(), "{object}");
        assert!(object["latency_ms"].is_f64(), "{object}");
    }
    let first = answered
        .iter()
        .find(|object| object["span"]["request_id"] == "json-1")
        .unwrap();
    assert_eq!(first["span"]["route"], "/v2/token");
    assert_eq!(first["status"], 200);
    assert_eq!(first["span"]["client_id"], id.as_str());
    // The warning of the refused secret is written within its request, under its id.
    let warning = objects
        .iter()
        .find(|object| object["message"] == "client authentication failed")
        .unwrap();
    let refused_id = &warning["span"]["request_id"];
    assert!(
        answered
            .iter()
            .any(|object| &object["span"]["request_id"] == refused_id && object["status"] == 401),
        "{lines:?}"
    );
}
