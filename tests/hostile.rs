//! The server as an attacker meets it: guessing secrets and passwords from one address or many,
//! forging log lines, and holding connections open. Each test is named for the attack it stops;
//! a real server on 127.0.0.1:0, with attackers calling from other loopback addresses
//! (127.0.0.0/8 is all loopback on Linux).

use std::net::IpAddr;
use std::time::Duration;

use oauth_console::model::{Role, SigningAlg};
use oauth_console::server::ServerConfig;
use oauth_console::service::HashingConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::api::{Client, PASSWORD, TestServer, start, start_configured, start_hashing};

/// An HTTP client whose connections come from `address`.
fn calling_from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(address))
        .build()
        .unwrap()
}

const ATTACKER: [u8; 4] = [127, 0, 0, 2];

async fn token_from(server: &TestServer, http: &reqwest::Client, client: &Client) -> StatusCode {
    http.post(server.url("/v2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.id.as_str()),
            ("client_secret", client.secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

async fn sign_in_from(
    server: &TestServer,
    http: &reqwest::Client,
    username: &str,
    password: &str,
) -> StatusCode {
    http.post(server.url("/v1/sessions"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn ten_wrong_secrets_from_an_attacker_do_not_lock_out_the_real_client() {
    let server = start().await;
    let real = server.account_app().await;
    let attacker = calling_from(ATTACKER);
    let guess = Client {
        id: real.id.clone(),
        secret: "guess".into(),
    };
    for _ in 0..10 {
        assert_eq!(
            token_from(&server, &attacker, &guess).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // The attacker is refused without its guesses being checked…
    assert_eq!(
        token_from(&server, &attacker, &guess).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …and the real client, calling from its own address, is not.
    assert_eq!(
        token_from(&server, &server.http, &real).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn ten_wrong_passwords_from_an_attacker_do_not_lock_out_the_real_user() {
    let server = start().await;
    let attacker = calling_from(ATTACKER);
    for _ in 0..10 {
        assert_eq!(
            sign_in_from(&server, &attacker, "admin", "wrong password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_from(&server, &attacker, "admin", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_from(&server, &server.http, "admin", PASSWORD).await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_hundred_failures_behind_one_proxy_do_not_lock_out_its_other_users() {
    let server = start().await;
    server
        .add_user("dana", &server.account, Role::Developer)
        .await;
    let proxy = calling_from(ATTACKER);
    // Someone behind the proxy tries a hundred usernames (as many as the address's ceiling).
    for n in 0..100 {
        assert_eq!(
            sign_in_from(&server, &proxy, &format!("guess{n}"), "wrong password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_from(&server, &proxy, "guess0", "wrong password").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Dana, behind the same proxy, has not failed: she signs in.
    assert_eq!(
        sign_in_from(&server, &proxy, "dana", PASSWORD).await,
        StatusCode::CREATED
    );
}

/// Everything the server logs while the guard lives, as the `serve` command's format writes it
/// (without colours). The server runs on the test's one thread, so the thread's subscriber sees it.
struct CapturedLog {
    buffer: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl CapturedLog {
    fn start() -> CapturedLog {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || CapturedWriter(writer.clone()))
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .finish();
        CapturedLog {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }
}

struct CapturedWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn token_with(server: &TestServer, client_id: &str, client_secret: &str) -> StatusCode {
    server
        .http
        .post(server.url("/v2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_client_id_with_a_line_break_or_escape_sequence_cannot_forge_log_lines() {
    let server = start().await;
    let log = CapturedLog::start();
    let forged = "OQ1\n2026-12-01T17:00:00.000000Z  INFO oauth_console: forged line\u{1b}[2J";
    assert_eq!(
        token_with(&server, forged, "guess").await,
        StatusCode::UNAUTHORIZED
    );
    let username = "admin\r\n2026-12-01T17:00:00Z  INFO forged sign-in";
    let signed_in = server.sign_in(username, "wrong password").await;
    assert_eq!(signed_in.status(), StatusCode::UNAUTHORIZED);
    let text = log.text();
    assert!(text.contains("client authentication failed"), "{text}");
    assert!(text.contains("sign-in failed"), "{text}");
    assert!(!text.contains("forged"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(!text.contains('\r'), "{text}");
}

#[tokio::test]
async fn a_client_that_swaps_its_id_and_secret_does_not_get_its_secret_logged() {
    let server = start().await;
    let client = server.account_app().await;
    let log = CapturedLog::start();
    assert_eq!(
        token_with(&server, &client.secret, &client.id).await,
        StatusCode::UNAUTHORIZED
    );
    let huge = "A".repeat(60 * 1024);
    assert_eq!(
        token_with(&server, &huge, "guess").await,
        StatusCode::UNAUTHORIZED
    );
    let text = log.text();
    assert!(text.contains("client authentication failed"), "{text}");
    assert!(!text.contains(&client.secret), "{text}");
    assert!(!text.contains("AAAAAAAA"), "the 60 KB client ID was logged");
    // A client ID of the right shape is still named, for whoever investigates.
    let guess = token_with(&server, &client.id, "guess").await;
    assert_eq!(guess, StatusCode::UNAUTHORIZED);
    assert!(log.text().contains(&client.id));
}

#[tokio::test]
async fn sixty_four_concurrent_bad_sign_ins_are_checked_a_few_at_a_time() {
    let hashing = HashingConfig {
        concurrent: 1,
        wait: Duration::ZERO,
    };
    let server = start_hashing(ServerConfig::default(), SigningAlg::ES256, hashing).await;
    let mut sign_ins = tokio::task::JoinSet::new();
    for n in 0..64 {
        let http = server.http.clone();
        let url = server.url("/v1/sessions");
        sign_ins.spawn(async move {
            let body = json!({ "username": format!("guess{n}"), "password": "wrong password" });
            let response = http.post(url).json(&body).send().await.unwrap();
            let retry_after = response.headers().get("retry-after").cloned();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (status, retry_after, body)
        });
    }
    let mut refused = 0;
    while let Some(answer) = sign_ins.join_next().await {
        let (status, retry_after, body) = answer.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert_eq!(retry_after.unwrap(), "1");
                assert_eq!(body["code"], 20503, "{body}");
                let message = body["message"].as_str().unwrap();
                assert!(message.contains("try again in 1 seconds"), "{message}");
            }
            other => panic!("{other}: {body}"),
        }
    }
    // With one check at a time and no waiting, most of the burst is turned away unhashed.
    assert!(
        refused > 0,
        "every one of 64 concurrent sign-ins was hashed at once"
    );
    let signed_in = server.sign_in("admin", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::CREATED);
}

/// A server that closes idle connections after 300 ms.
async fn start_impatient() -> TestServer {
    let config = ServerConfig {
        idle_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    start_configured(config, SigningAlg::ES256).await
}

/// Connects, sends `bytes`, and reads until the server closes the connection; `None` if it is
/// still open after 5 seconds (the 300 ms idle timeout, with room for a busy machine).
async fn sent_then_closed(server: &TestServer, bytes: &[u8]) -> Option<Vec<u8>> {
    let address = server.base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .ok()
        .map(|read| {
            // A reset counts as closed too.
            read.ok();
            answer
        })
}

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// An empty SETTINGS frame: length 0, type 4, no flags, stream 0.
const H2_SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

#[tokio::test]
async fn a_socket_that_sends_nothing_is_closed() {
    let server = start_impatient().await;
    assert!(sent_then_closed(&server, b"").await.is_some());
}

#[tokio::test]
async fn a_partial_http2_preface_is_closed() {
    let server = start_impatient().await;
    assert!(sent_then_closed(&server, &H2_PREFACE[..10]).await.is_some());
}

#[tokio::test]
async fn an_idle_h2c_connection_is_closed() {
    let server = start_impatient().await;
    let hello = [H2_PREFACE, H2_SETTINGS].concat();
    let answer = sent_then_closed(&server, &hello).await.expect("still open");
    // The server spoke HTTP/2 (its SETTINGS frame: type 4 on stream 0) before it closed.
    assert!(answer.len() >= 9 && answer[3] == 4, "{answer:?}");
}

#[tokio::test]
async fn an_idle_http1_keep_alive_connection_is_closed() {
    let server = start_impatient().await;
    let request = b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let answer = sent_then_closed(&server, request)
        .await
        .expect("still open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn idle_connections_at_the_limit_make_room_for_a_real_client() {
    let config = ServerConfig {
        max_connections: 4,
        ..ServerConfig::default()
    };
    let server = start_configured(config, SigningAlg::ES256).await;
    let client = server.account_app().await;
    let address = server.base.strip_prefix("http://").unwrap();
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(address).await.unwrap());
    }
    // Let the server accept all four before the real client comes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let http = reqwest::Client::new();
    assert_eq!(token_from(&server, &http, &client).await, StatusCode::OK);
    for mut stream in idle {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest));
        assert!(read.await.is_ok(), "an idle connection was kept");
    }
}

#[tokio::test]
async fn at_the_limit_with_every_connection_busy_a_newcomer_is_refused_quickly_and_served_after() {
    let config = ServerConfig {
        max_connections: 2,
        request_timeout: Duration::from_secs(1),
        ..ServerConfig::default()
    };
    let server = start_configured(config, SigningAlg::ES256).await;
    let client = server.account_app().await;
    let address = server.base.strip_prefix("http://").unwrap();
    // Two requests whose bodies never come: busy until their request timeout.
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(
                b"POST /v2/token HTTP/1.1\r\nHost: localhost\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n",
            )
            .await
            .unwrap();
        busy.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let http = reqwest::Client::new();
    let refused = tokio::time::timeout(
        Duration::from_secs(5),
        http.post(server.url("/v2/token"))
            .form(&[("grant_type", "client_credentials")])
            .send(),
    )
    .await
    .expect("no answer at the limit")
    .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["retry-after"], "1");
    // The busy ones end with their request timeout, and the server serves again.
    for mut stream in busy {
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
            .await
            .expect("a busy connection outlived its request timeout")
            .ok();
        assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"));
    }
    let http = reqwest::Client::new();
    assert_eq!(token_from(&server, &http, &client).await, StatusCode::OK);
}

/// `oauth-console serve` with 64 file descriptors (`ulimit -n 64`) and a connection limit far
/// above them, flooded with connections that send nothing.
#[tokio::test]
async fn out_of_file_descriptors_the_server_backs_off_logs_once_and_serves_again() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" --data-dir "$1" serve --listen 127.0.0.1:0 --max-connections 1000"#)
        .arg(env!("CARGO_BIN_EXE_oauth-console"))
        .arg(dir.path())
        .env_remove("OAUTH_CONSOLE_ISSUER")
        .env("OAUTH_CONSOLE_ADMIN_PASSWORD", PASSWORD)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    let base = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "{log}");
        log.push_str(&line);
        if let Some(at) = line.find("issuer=") {
            let rest = &line[at + "issuer=".len()..];
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let address = base.strip_prefix("http://").unwrap().to_owned();
    let mut flood = Vec::new();
    for _ in 0..200 {
        flood.push(TcpStream::connect(&address).await.unwrap());
    }
    // Long enough for a spinning loop to log thousands of lines.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        reqwest::get(format!("{base}/.well-known/jwks.json")),
    )
    .await
    .expect("no answer while flooded")
    .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    drop(flood);

    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    child.wait().unwrap();
    stderr.read_to_string(&mut log).unwrap();
    let failures = log.matches("accepting connections failed").count();
    let recoveries = log.matches("accepting connections again").count();
    assert!(failures >= 1, "the descriptors never ran out: {log}");
    // One warning per time it ran out, not one per failed accept.
    assert!(failures <= recoveries + 1, "{log}");
    assert!(log.lines().count() < 100, "{log}");
}

#[tokio::test]
async fn concurrent_bad_sign_ins_on_the_sign_in_page_are_checked_a_few_at_a_time() {
    use oauth_console::model::{GrantType, Seconds, s256_challenge};

    let hashing = HashingConfig {
        concurrent: 1,
        wait: Duration::ZERO,
    };
    let server = start_hashing(ServerConfig::default(), SigningAlg::ES256, hashing).await;
    let app = server
        .app(
            &server.organization,
            GrantType::AuthorizationCode,
            &["managed-users/read"],
            Seconds::HOUR,
        )
        .await;
    let mut authorize = url::Url::parse(&server.url("/v2/authorize")).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("client_id", &app.id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", "https://partner.example.com/callback")
        .append_pair("scope", "managed-users/read")
        .append_pair("state", "s")
        .append_pair("code_challenge", &s256_challenge(&"v".repeat(43)))
        .append_pair("code_challenge_method", "S256");
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser
        .get(authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let hidden = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = page.find(&marker).unwrap() + marker.len();
        let end = start + page[start..].find('"').unwrap();
        page[start..end]
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    };
    let (csrf, request) = (hidden("csrf_token"), hidden("request"));
    let mut sign_ins = tokio::task::JoinSet::new();
    for n in 0..32 {
        let form = [
            ("csrf_token", csrf.clone()),
            ("request", request.clone()),
            ("username", format!("guess{n}")),
            ("password", "wrong password".to_owned()),
        ];
        let post = browser
            .post(server.url("/v2/authorize/sign-in"))
            .form(&form);
        sign_ins.spawn(async move { post.send().await.unwrap() });
    }
    let mut refused = 0;
    while let Some(answer) = sign_ins.join_next().await {
        let answer = answer.unwrap();
        match answer.status() {
            StatusCode::SEE_OTHER => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert_eq!(answer.headers()["retry-after"], "1");
                let text = answer.text().await.unwrap();
                assert!(text.contains("busy checking other sign-ins"), "{text}");
            }
            other => panic!("{other}: {}", answer.text().await.unwrap()),
        }
    }
    assert!(
        refused > 0,
        "every one of 32 concurrent sign-ins was hashed at once"
    );
}
