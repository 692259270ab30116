//! HTTPS as its clients meet it: `serve --tls-cert --tls-key` with a private CA made here
//! (rcgen), HTTP/2 and HTTP/1.1 by ALPN, the connection limits holding over TLS too (a handshake
//! that never finishes included), the certificate reloaded without dropping connections, and the
//! remote backend and the token tool verifying the server against `--ca-cert`.

use std::io::BufRead as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use oauth_console::backend::{
    Backend, BackendError, LocalBackend, RemoteBackend, ServerTrust, TokenError, TokenGrant,
    TokenRequest,
};
use oauth_console::model::SigningAlg;
use oauth_console::server::{ServerConfig, Tls, TlsFiles};
use reqwest::{StatusCode, Version};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::api::{Client, PASSWORD, TestServer, start_configured};

/// A private CA and a certificate it signed for localhost and 127.0.0.1, in PEM.
struct Pki {
    ca: String,
    cert: String,
    key: String,
}

fn pki(ca_name: &str) -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    Pki {
        ca: ca.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

/// Writes `pki`'s certificate and key where `files` says.
fn install(pki: &Pki, files: &TlsFiles) {
    std::fs::write(&files.cert, &pki.cert).unwrap();
    std::fs::write(&files.key, &pki.key).unwrap();
}

fn files_in(dir: &Path) -> TlsFiles {
    TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    }
}

/// A client that trusts `ca` alone, as the CLI does with `--ca-cert`.
fn trusting(ca: &str) -> reqwest::ClientBuilder {
    let certs = reqwest::Certificate::from_pem_bundle(ca.as_bytes()).unwrap();
    reqwest::Client::builder().tls_certs_only(certs)
}

/// A server on 127.0.0.1:0 speaking TLS only, with the certificate of `pki` in `dir`.
async fn start_tls(config: ServerConfig, pki: &Pki, dir: &Path) -> (TestServer, Arc<Tls>, String) {
    let files = files_in(dir);
    install(pki, &files);
    let tls = Tls::load(files).unwrap();
    let config = ServerConfig {
        tls: Some(tls.clone()),
        ..config
    };
    let server = start_configured(config, SigningAlg::ES256).await;
    let https = server.base.replacen("http://", "https://", 1);
    (server, tls, https)
}

async fn token_over(http: &reqwest::Client, https: &str, client: &Client) -> reqwest::Response {
    http.post(format!("{https}/v2/token"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

/// A TLS connection made by hand, trusting `ca` alone, for requests typed on it one by one.
async fn tls_connection(
    address: &str,
    ca: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    use rustls::pki_types::pem::PemObject;
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(ca.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(address).await?;
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// Sends one keep-alive `GET path` on `stream` and reads its answer whole; the status line.
async fn get_on<S>(stream: &mut S, path: &str) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).await.unwrap(),
            1,
            "closed mid-answer"
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .expect("no Content-Length")
        .trim()
        .parse()
        .unwrap();
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    head.lines().next().unwrap().to_owned()
}

/// Reads until the server closes the connection; whether it did within 5 seconds.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .is_ok()
}

/// The first bytes of a TLS handshake record, and no more: a ClientHello that never comes.
const HALF_A_CLIENT_HELLO: &[u8] = &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01];

#[tokio::test]
async fn tokens_are_served_over_https_in_http2_and_http1_as_alpn_chooses() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki("test CA");
    let (server, _tls, https) = start_tls(ServerConfig::default(), &pki, dir.path()).await;
    let client = server.account_app().await;
    let h2 = trusting(&pki.ca).build().unwrap();
    let answered = token_over(&h2, &https, &client).await;
    assert_eq!(answered.version(), Version::HTTP_2);
    assert_eq!(answered.status(), StatusCode::OK);
    let h1 = trusting(&pki.ca).http1_only().build().unwrap();
    let answered = token_over(&h1, &https, &client).await;
    assert_eq!(answered.version(), Version::HTTP_11);
    assert_eq!(answered.status(), StatusCode::OK);
    // No plain HTTP beside it.
    let plain = reqwest::Client::new()
        .get(server.url("/.well-known/jwks.json"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP was answered: {plain:?}");
}

#[tokio::test]
async fn a_tls_handshake_that_never_finishes_is_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        idle_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let (server, _tls, _https) = start_tls(config, &pki("test CA"), dir.path()).await;
    let address = server.base.strip_prefix("http://").unwrap();
    for hello in [&[][..], HALF_A_CLIENT_HELLO] {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(hello).await.unwrap();
        assert!(
            closed_by_server(&mut stream).await,
            "a handshake stalled after {} bytes was kept",
            hello.len()
        );
    }
}

#[tokio::test]
async fn handshakes_stalled_at_the_limit_make_room_for_a_real_client() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki("test CA");
    let config = ServerConfig {
        max_connections: 4,
        ..ServerConfig::default()
    };
    let (server, _tls, https) = start_tls(config, &pki, dir.path()).await;
    let client = server.account_app().await;
    let address = server.base.strip_prefix("http://").unwrap();
    let mut stalled = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(HALF_A_CLIENT_HELLO).await.unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let http = trusting(&pki.ca).build().unwrap();
    assert_eq!(
        token_over(&http, &https, &client).await.status(),
        StatusCode::OK
    );
    for mut stream in stalled {
        assert!(
            closed_by_server(&mut stream).await,
            "a stalled handshake was kept"
        );
    }
}

#[tokio::test]
async fn at_the_limit_with_every_connection_busy_a_tls_newcomer_is_answered_503_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki("test CA");
    let config = ServerConfig {
        max_connections: 2,
        request_timeout: Duration::from_secs(1),
        ..ServerConfig::default()
    };
    let (server, _tls, https) = start_tls(config, &pki, dir.path()).await;
    let address = server.base.strip_prefix("http://").unwrap();
    // Two requests whose bodies never come: busy until their request timeout.
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut stream = tls_connection(address, &pki.ca).await.unwrap();
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
    let http = trusting(&pki.ca).build().unwrap();
    let refused = tokio::time::timeout(
        Duration::from_secs(5),
        http.post(format!("{https}/v2/token"))
            .form(&[("grant_type", "client_credentials")])
            .send(),
    )
    .await
    .expect("no answer at the limit")
    .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["retry-after"], "1");
    for mut stream in busy {
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
            .await
            .expect("a busy connection outlived its request timeout")
            .ok();
        assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"));
    }
}

#[tokio::test]
async fn a_reloaded_certificate_is_presented_to_new_connections_while_open_ones_carry_on() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (pki("first CA"), pki("second CA"));
    let (server, tls, https) = start_tls(ServerConfig::default(), &first, dir.path()).await;
    let address = server.base.strip_prefix("http://").unwrap();
    let mut open = tls_connection(address, &first.ca).await.unwrap();
    assert_eq!(
        get_on(&mut open, "/.well-known/jwks.json").await,
        "HTTP/1.1 200 OK"
    );

    install(&second, tls.files());
    tls.reload().unwrap();
    assert_eq!(
        get_on(&mut open, "/.well-known/jwks.json").await,
        "HTTP/1.1 200 OK"
    );
    assert!(tls_connection(address, &second.ca).await.is_ok());
    assert!(tls_connection(address, &first.ca).await.is_err());

    // A broken file is refused, and the certificate in use stays.
    std::fs::write(&tls.files().cert, "not a certificate").unwrap();
    let refused = tls.reload().unwrap_err().to_string();
    assert!(refused.contains("holds no certificate"), "{refused}");
    let http = trusting(&second.ca).build().unwrap();
    let jwks = http
        .get(format!("{https}/.well-known/jwks.json"))
        .send()
        .await;
    assert_eq!(jwks.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn the_remote_backend_and_the_token_tool_trust_only_the_ca_they_are_given() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki("test CA");
    let (server, _tls, https) = start_tls(ServerConfig::default(), &pki, dir.path()).await;
    let client = server.account_app().await;
    std::fs::write(dir.path().join("ca.pem"), &pki.ca).unwrap();
    let private_ca = ServerTrust::private_ca(&dir.path().join("ca.pem")).unwrap();

    let session = RemoteBackend::sign_in(&https, &private_ca, "admin", PASSWORD)
        .await
        .unwrap();
    let backend = RemoteBackend::connect(&https, &private_ca, session.token)
        .await
        .unwrap();
    assert_eq!(backend.me().await.unwrap().username, "admin");
    let request = || TokenRequest {
        client_id: client.id.clone(),
        client_secret: client.secret.clone(),
        grant: TokenGrant::ClientCredentials { scope: None },
    };
    assert!(backend.request_token(request()).await.is_ok());

    let untrusted =
        RemoteBackend::sign_in(&https, &ServerTrust::platform(), "admin", PASSWORD).await;
    match untrusted {
        Err(BackendError::Unreachable(message)) => {
            assert!(message.contains("does not trust"), "{message}");
            assert!(message.contains("--ca-cert FILE"), "{message}");
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("an unknown CA was trusted"),
    }

    let local = |trust: &ServerTrust| {
        LocalBackend::new(server.service.clone(), server.admin.clone(), https.clone())
            .trusting(trust)
            .unwrap()
    };
    assert!(local(&private_ca).request_token(request()).await.is_ok());
    match local(&ServerTrust::platform())
        .request_token(request())
        .await
    {
        Err(TokenError::UntrustedCertificate { .. }) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("an unknown CA was trusted"),
    }
}

fn oauth_console(data_dir: &Path) -> std::process::Command {
    let mut command = super::cli::oauth_console(data_dir);
    command.env_remove("OAUTH_CONSOLE_TLS_CERT");
    command.env_remove("OAUTH_CONSOLE_TLS_KEY");
    command
}

#[test]
fn serve_reloads_its_certificate_on_sighup_without_dropping_connections() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = files_in(dir.path());
    let (first, second) = (pki("first CA"), pki("second CA"));
    install(&first, &files);
    let mut child = oauth_console(&data)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&files.cert)
        .arg("--tls-key")
        .arg(&files.key)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut wait_for = |what: &str| loop {
        let mut line = String::new();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "the log ended before {what}"
        );
        if line.contains(what) {
            return line;
        }
    };
    let listening = wait_for("listening");
    let issuer = listening
        .split_whitespace()
        .find_map(|field| field.strip_prefix("issuer="))
        .unwrap()
        .to_owned();
    assert!(issuer.starts_with("https://127.0.0.1:"), "{listening}");
    let address = issuer.strip_prefix("https://").unwrap().to_owned();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut open = runtime
        .block_on(tls_connection(&address, &first.ca))
        .unwrap();
    let jwks = "/.well-known/jwks.json";
    assert_eq!(runtime.block_on(get_on(&mut open, jwks)), "HTTP/1.1 200 OK");

    install(&second, &files);
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::HUP).unwrap();
    wait_for("reloaded the TLS certificate");
    assert_eq!(runtime.block_on(get_on(&mut open, jwks)), "HTTP/1.1 200 OK");
    assert!(
        runtime
            .block_on(tls_connection(&address, &second.ca))
            .is_ok()
    );
    assert!(
        runtime
            .block_on(tls_connection(&address, &first.ca))
            .is_err()
    );

    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn serve_refuses_a_key_of_another_certificate_and_an_http_issuer_naming_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = files_in(dir.path());
    let (one, other) = (pki("one CA"), pki("other CA"));
    std::fs::write(&files.cert, &one.cert).unwrap();
    std::fs::write(&files.key, &other.key).unwrap();
    let serve = |extra: &[&str]| {
        oauth_console(&data)
            .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
            .arg(&files.cert)
            .arg("--tls-key")
            .arg(&files.key)
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = serve(&[]);
    assert!(!refused.status.success());
    let message = super::cli::stderr(&refused);
    assert!(
        message.contains("is not the key of the certificate in"),
        "{message}"
    );
    assert!(
        message.contains("key.pem") && message.contains("cert.pem"),
        "{message}"
    );

    install(&one, &files);
    let refused = serve(&["--issuer", "http://127.0.0.1:8080"]);
    assert!(!refused.status.success());
    let message = super::cli::stderr(&refused);
    assert!(message.contains("is not https://"), "{message}");
}
