//! A bounded HTTP fuzzer for a running `oauth-console serve` (scripts/fuzz-http.sh starts one
//! and runs this). It reads every route from the server's OpenAPI document, makes a couple of
//! apps and a session over the management API, then sends random and mutated requests over raw
//! TCP, so that it can also send what no HTTP client library would: odd methods, encoded and
//! over-long path parameters, two `Authorization` headers or an empty one, wrong content types,
//! form, JSON and garbage bodies, bodies over the server's limit and bodies cut short. Values the
//! server hands out (client IDs, secrets, access tokens, codes, session tokens) go into a pool
//! that later requests draw from and mutate, so that requests also get past the first checks.
//!
//! It fails (exit status 1) on any 5xx answer, any request the server dropped without an answer,
//! any redirect without a `Location`, or a server that no longer answers at the end, and keeps
//! every such request byte for byte in `FUZZ_OUT`. It prints the count of each status per route.
//!
//! Environment: `FUZZ_ADDR` (host:port, required), `FUZZ_REQUESTS` (default 20000; the script asks for 200000),
//! `FUZZ_CONCURRENCY` (default 16), `FUZZ_SEED` (default 1), `FUZZ_OUT` (default `fuzz-failures`),
//! `OAUTH_CONSOLE_ADMIN_PASSWORD` (the server's admin password, required).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha12Rng;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

const REDIRECT: &str = "https://partner.example.com/callback";
/// RFC 7636 Appendix B's verifier; the genuine authorization requests carry its challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// Larger than the server's 64 KiB body limit.
const OVERSIZED: usize = 70 * 1024;
/// Longer than any request takes, the server's 10 s request timeout included.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server just started gets to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Failing requests kept on disk; the rest are only counted.
const KEPT_FAILURES: usize = 50;

const FORM_FIELDS: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "audience",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "token",
    "token_type_hint",
    "url",
    "method",
    "csrf_token",
    "request",
    "username",
    "password",
    "decision",
];

const JSON_FIELDS: &[&str] = &[
    "friendly_name",
    "description",
    "scopes",
    "access_token_ttl",
    "grant_type",
    "authorization_code",
    "region",
    "username",
    "password",
    "role",
    "owner_sid",
    "grace_period",
    "previous_secret_ttl",
];

const SCOPES: &[&str] = &[
    "/twilio/messaging/messages/read",
    "/twilio/messaging/messages/create",
    "managed-users/read",
    "roles/list",
    "offline_access",
    "nope",
    "",
];

struct Config {
    addr: SocketAddr,
    requests: u64,
    concurrency: usize,
    seed: u64,
    out: PathBuf,
    password: String,
}

impl Config {
    fn from_env() -> anyhow::Result<Config> {
        let var = |name: &str| std::env::var(name).ok();
        let number = |name: &str, default: u64| -> anyhow::Result<u64> {
            var(name).map_or(Ok(default), |text| {
                text.parse()
                    .with_context(|| format!("{name}={text} is not a whole number"))
            })
        };
        Ok(Config {
            addr: var("FUZZ_ADDR")
                .context("FUZZ_ADDR (host:port of the server) is required")?
                .parse()
                .context("FUZZ_ADDR must be an address like 127.0.0.1:18090")?,
            requests: number("FUZZ_REQUESTS", 20_000)?,
            concurrency: usize::try_from(number("FUZZ_CONCURRENCY", 16)?.max(1))?,
            seed: number("FUZZ_SEED", 1)?,
            out: var("FUZZ_OUT").map_or_else(|| PathBuf::from("fuzz-failures"), PathBuf::from),
            password: var("OAUTH_CONSOLE_ADMIN_PASSWORD").context(
                "OAUTH_CONSOLE_ADMIN_PASSWORD (the server's admin password) is required",
            )?,
        })
    }
}

/// What the fuzzer knows of the server: its routes and genuine values to start from.
struct Target {
    addr: SocketAddr,
    /// `(METHOD, /path/{param})` of every route in the OpenAPI document.
    routes: Vec<(String, String)>,
    session: String,
    account: String,
    organization: String,
    cc_app: (String, String),
    /// The app that wrong secrets are tried against. The failure limiter locks a client ID out
    /// after a few; trying them on `cc_app` would soon lock the genuine requests out too.
    victim_app: (String, String),
    code_app: (String, String),
}

/// Values the server handed out, for later requests to reuse; each list keeps the newest few.
#[derive(Default)]
struct Pool {
    access_tokens: Vec<String>,
    codes: Vec<String>,
    refresh_tokens: Vec<String>,
    sids: Vec<String>,
    secrets: Vec<String>,
}

const POOL_KEEP: usize = 32;

fn keep(list: &mut Vec<String>, value: &str) {
    if value.is_empty() || list.iter().any(|v| v == value) {
        return;
    }
    if list.len() == POOL_KEEP {
        list.remove(0);
    }
    list.push(value.to_owned());
}

/// One request as bytes on the wire.
struct Generated {
    /// `METHOD /template` of the route it was made for, for the counts.
    route: String,
    bytes: Vec<u8>,
    /// The body was cut short: the server may rightly close without answering.
    truncated: bool,
    /// The loopback address to send from. The failure limiter counts by source address; one
    /// address for everything would soon lock every request out and test only the limiter.
    source: std::net::Ipv4Addr,
}

#[derive(Default)]
struct Tally {
    /// Route, then status (or "no answer"), then count.
    counts: BTreeMap<String, BTreeMap<String, u64>>,
    failures: Vec<String>,
    kept: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    std::fs::create_dir_all(&config.out)
        .with_context(|| format!("cannot make {}", config.out.display()))?;
    let target = Arc::new(set_up(&config).await?);
    println!(
        "fuzzing {} routes at {} with {} requests from {} connections (seed {})",
        target.routes.len(),
        config.addr,
        config.requests,
        config.concurrency,
        config.seed
    );
    let pool = Arc::new(Mutex::new(Pool::default()));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..config.concurrency {
        let (target, pool, tally, sent) =
            (target.clone(), pool.clone(), tally.clone(), sent.clone());
        let out = config.out.clone();
        let requests = config.requests;
        let mut rng = ChaCha12Rng::seed_from_u64(config.seed.wrapping_mul(1000) + worker as u64);
        workers.push(tokio::spawn(async move {
            while sent.fetch_add(1, Ordering::Relaxed) < requests {
                let generated = {
                    let pool = pool.lock().unwrap_or_else(|p| p.into_inner());
                    generate(&mut rng, &target, &pool)
                };
                let answer = send(target.addr, &generated).await;
                record(&generated, &answer, &tally, &pool, &out);
            }
        }));
    }
    for worker in workers {
        worker.await.context("a fuzzing worker panicked")?;
    }
    let elapsed = started.elapsed();
    let tally = Arc::try_unwrap(tally)
        .map_err(|_| anyhow::anyhow!("a worker still holds the tally"))?
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    print_counts(&tally, config.requests, elapsed);
    let still_answering = still_answers(&target).await;
    if tally.failures.is_empty() && still_answering.is_ok() {
        println!("0 failures; the server still answers");
        return Ok(());
    }
    for failure in tally.failures.iter().take(20) {
        println!("FAILURE {failure}");
    }
    if let Err(why) = &still_answering {
        println!("FAILURE the server no longer answers: {why:#}");
    }
    bail!(
        "{} failing requests (kept in {}){}",
        tally.failures.len(),
        config.out.display(),
        if still_answering.is_err() {
            ", and the server no longer answers"
        } else {
            ""
        }
    )
}

/// The server's OpenAPI document, waiting up to [`START_TIMEOUT`] for a server just started.
async fn openapi_document(http: &reqwest::Client, base: &str) -> anyhow::Result<Value> {
    let started = Instant::now();
    loop {
        let answer = http.get(format!("{base}/v1/openapi.json")).send().await;
        match answer {
            Ok(response) => return Ok(response.error_for_status()?.json().await?),
            Err(error) if started.elapsed() > START_TIMEOUT => {
                return Err(error).context(format!("no server answers at {base}"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Reads the routes, signs in as admin and makes a client-credentials and an authorization-code
/// app, whose credentials the requests then use and mutate.
async fn set_up(config: &Config) -> anyhow::Result<Target> {
    let base = format!("http://{}", config.addr);
    let http = reqwest::Client::new();
    let openapi = openapi_document(&http, &base).await?;
    let mut routes = Vec::new();
    for (path, operations) in openapi["paths"]
        .as_object()
        .context("no paths in the OpenAPI document")?
    {
        for method in operations.as_object().into_iter().flat_map(|o| o.keys()) {
            routes.push((method.to_ascii_uppercase(), path.clone()));
        }
    }
    if routes.is_empty() {
        bail!("the OpenAPI document lists no routes");
    }
    let session: Value = http
        .post(format!("{base}/v1/sessions"))
        .json(&json!({ "username": "admin", "password": config.password }))
        .send()
        .await?
        .error_for_status()
        .context("signing in as admin")?
        .json()
        .await?;
    let session = session["token"]
        .as_str()
        .context("no session token")?
        .to_owned();
    let owners: Value = http
        .get(format!("{base}/v1/owners"))
        .bearer_auth(&session)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let owner_of = |prefix: &str| {
        owners["owners"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["sid"].as_str())
            .find(|sid| sid.starts_with(prefix))
            .map(str::to_owned)
            .with_context(|| format!("no {prefix} owner"))
    };
    let (account, organization) = (owner_of("AC")?, owner_of("OR")?);
    let create = |owner: String, body: Value| {
        let http = http.clone();
        let url = format!("{base}/v1/owners/{owner}/apps");
        let session = session.clone();
        async move {
            let created: Value = http
                .post(url)
                .bearer_auth(session)
                .json(&body)
                .send()
                .await?
                .error_for_status()
                .context("creating an app")?
                .json()
                .await?;
            let field = |name: &str| created[name].as_str().map(str::to_owned);
            match (field("client_id"), field("client_secret")) {
                (Some(id), Some(secret)) => Ok::<_, anyhow::Error>((id, secret)),
                _ => bail!("the new app's credentials are missing: {created}"),
            }
        }
    };
    let cc_app = create(
        account.clone(),
        json!({
            "friendly_name": "fuzz client credentials",
            "scopes": ["/twilio/messaging/messages/read", "/twilio/messaging/messages/create"],
        }),
    )
    .await?;
    let victim_app = create(
        account.clone(),
        json!({
            "friendly_name": "fuzz wrong secrets",
            "scopes": ["/twilio/messaging/messages/read"],
        }),
    )
    .await?;
    let code_app = create(
        organization.clone(),
        json!({
            "friendly_name": "fuzz authorization code",
            "grant_type": "authorization-code",
            "scopes": ["managed-users/read", "roles/list", "offline_access"],
            "authorization_code": {
                "company_name": "Fuzz Inc",
                "homepage_url": "https://partner.example.com",
                "terms_of_service_url": "https://partner.example.com/terms",
                "redirect_uris": [REDIRECT],
                "image_urls": [],
            },
        }),
    )
    .await?;
    Ok(Target {
        addr: config.addr,
        routes,
        session,
        account,
        organization,
        cc_app,
        victim_app,
        code_app,
    })
}

fn generate(rng: &mut ChaCha12Rng, target: &Target, pool: &Pool) -> Generated {
    if rng.random_ratio(1, 50) {
        return raw_garbage(rng);
    }
    let (method, template) = target
        .routes
        .choose(rng)
        .expect("set_up refuses an empty route list")
        .clone();
    let route = format!("{method} {template}");
    let sent_method = if rng.random_ratio(85, 100) {
        method.clone()
    } else {
        one_of(
            rng,
            &[
                "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", "FUZZ",
            ],
        )
        .to_owned()
    };
    // Editing, rotating or deleting the two apps would stop the genuine requests from working.
    let protect = template.starts_with("/v1/apps/") && sent_method != "GET";
    let mut path = fill_path(rng, &template, target, pool, protect);
    let query = query(rng, &template, target);
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query);
    }
    let mut headers: Vec<(String, String)> = vec![
        ("Host".into(), target.addr.to_string()),
        ("Connection".into(), "close".into()),
    ];
    // Signing out would end the session the other requests lean on.
    let signs_out = template == "/v1/sessions/current";
    // Half the requests start as a client or browser would send them, so that they reach the
    // code behind the first checks; mutations then change some of them.
    let genuine = rng.random_bool(0.5) && !signs_out;
    let mut authorizations = match genuine_authorization(rng, &template, target, pool) {
        Some(value) if genuine => vec![value],
        _ => authorization(rng, target, pool),
    };
    if signs_out {
        authorizations.retain(|value| !value.contains(&target.session));
    }
    for value in authorizations {
        headers.push(("Authorization".into(), value));
    }
    if genuine && template.starts_with("/v2/authorize") {
        headers.push((
            "Cookie".into(),
            format!("oc_csrf=fuzzcsrf; oc_session={}", target.session),
        ));
    } else if rng.random_ratio(3, 10) {
        headers.push(("Cookie".into(), cookie(rng, target, signs_out)));
    }
    if rng.random_ratio(1, 10) {
        let value = one_of(
            rng,
            &[
                "\"1\"",
                "\"2\"",
                "*",
                "\"abc\"",
                "99999999999999999999999",
                "W/\"1\"",
                "",
            ],
        );
        headers.push(("If-Match".into(), value.into()));
    }
    let (content_type, mut body) = match genuine_form(rng, &template, target, pool) {
        Some(pairs) if genuine => {
            let pairs = if rng.random_ratio(1, 3) {
                mutate_pairs(rng, pairs)
            } else {
                pairs
            };
            (
                Some("application/x-www-form-urlencoded".to_owned()),
                encode_pairs(&pairs).into_bytes(),
            )
        }
        _ => body(rng, &template, target, pool),
    };
    let content_type = if rng.random_ratio(1, 10) {
        [
            Some("application/x-www-form-urlencoded"),
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            Some("APPLICATION/X-WWW-FORM-URLENCODED"),
            Some("application/json"),
            Some("application/json; charset=utf-8"),
            Some("text/plain"),
            Some("multipart/form-data; boundary=x"),
            Some(";;;"),
            Some(""),
            None,
        ]
        .choose(rng)
        .copied()
        .flatten()
        .map(str::to_owned)
    } else {
        content_type
    };
    if let Some(content_type) = content_type {
        headers.push(("Content-Type".into(), content_type));
    }
    let framing = rng.random_range(0..100);
    let mut truncated = false;
    let mut chunked = false;
    match framing {
        0..4 if !body.is_empty() => {
            // Claims more than it sends, then stops writing.
            headers.push(("Content-Length".into(), (body.len() + 100).to_string()));
            truncated = true;
        }
        4..8 => {
            headers.push(("Transfer-Encoding".into(), "chunked".into()));
            chunked = true;
        }
        8..10 => headers.push(("Content-Length".into(), "-1".into())),
        _ if !body.is_empty() || sent_method == "POST" => {
            headers.push(("Content-Length".into(), body.len().to_string()));
        }
        _ => {}
    }
    if chunked {
        let mut framed = Vec::new();
        for piece in body.chunks(1000) {
            framed.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            framed.extend_from_slice(piece);
            framed.extend_from_slice(b"\r\n");
        }
        framed.extend_from_slice(b"0\r\n\r\n");
        body = framed;
    }
    let mut bytes = format!("{sent_method} {path} HTTP/1.1\r\n").into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&body);
    Generated {
        route,
        bytes,
        truncated,
        source: loopback_source(rng),
    }
}

/// Bytes that are not HTTP at all, or barely.
fn raw_garbage(rng: &mut ChaCha12Rng) -> Generated {
    let bytes = match rng.random_range(0..4) {
        0 => random_bytes(rng, 0..600),
        1 => b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello"
            .to_vec(),
        2 => {
            let mut line = b"GET /".to_vec();
            line.extend(random_bytes(rng, 0..100));
            line.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            line
        }
        _ => {
            let mut request =
                b"POST /v2/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX: ".to_vec();
            request.extend(random_bytes(rng, 0..200));
            request.extend_from_slice(b"\r\n\r\n");
            request
        }
    };
    Generated {
        route: "(not HTTP)".into(),
        bytes,
        truncated: true,
        source: loopback_source(rng),
    }
}

/// One of 1024 addresses in 127.0.0.0/8, all of which reach a server listening on 127.0.0.1.
fn loopback_source(rng: &mut ChaCha12Rng) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::new(127, 0, rng.random_range(1..5), rng.random_range(1..=255))
}

fn one_of(rng: &mut ChaCha12Rng, list: &[&'static str]) -> &'static str {
    list.choose(rng).copied().unwrap_or_default()
}

fn random_bytes(rng: &mut ChaCha12Rng, length: std::ops::Range<usize>) -> Vec<u8> {
    let length = rng.random_range(length);
    (0..length).map(|_| rng.random()).collect()
}

fn percent_encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A random string: printable, Unicode, control characters or long.
fn random_text(rng: &mut ChaCha12Rng) -> String {
    match rng.random_range(0..6) {
        0 => String::new(),
        1 => (0..rng.random_range(1..40))
            .map(|_| char::from(rng.random_range(b' '..=b'~')))
            .collect(),
        2 => (0..rng.random_range(1..20))
            .map(|_| rng.random::<char>())
            .collect(),
        3 => "x".repeat(rng.random_range(100..5000)),
        4 => one_of(
            rng,
            &[
                "%",
                "%zz",
                "&",
                "=",
                "\0",
                "\r\n",
                "..",
                "../..",
                "é",
                "💥",
                "null",
                "-1",
                "0",
                "99999999999999999999",
            ],
        )
        .to_owned(),
        _ => (0..rng.random_range(1..12))
            .map(|_| char::from(rng.random_range(b'a'..=b'z')))
            .collect(),
    }
}

/// A random SID of a kind this server hands out, or one of the pool's; not one of the two apps
/// when `protect`.
fn some_sid(rng: &mut ChaCha12Rng, target: &Target, pool: &Pool, protect: bool) -> String {
    let mut known = vec![target.account.clone(), target.organization.clone()];
    known.extend(pool.sids.iter().cloned());
    if protect {
        known.retain(|sid| *sid != target.cc_app.0 && *sid != target.code_app.0);
    } else {
        known.extend([target.cc_app.0.clone(), target.code_app.0.clone()]);
    }
    if rng.random_bool(0.6) {
        return known.choose(rng).cloned().unwrap_or_default();
    }
    let prefix = one_of(rng, &["OQ", "AC", "OR", "US", "KE", "AZ", "XX", "oq"]);
    let hex: String = (0..32)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect();
    format!("{prefix}{hex}")
}

fn fill_path(
    rng: &mut ChaCha12Rng,
    template: &str,
    target: &Target,
    pool: &Pool,
    protect: bool,
) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let value = match rng.random_range(0..10) {
            0..5 => some_sid(rng, target, pool, protect),
            5 => {
                let sid = some_sid(rng, target, pool, protect);
                percent_encoded(&same_length_mutation(rng, &sid))
            }
            6 => {
                let sid = some_sid(rng, target, pool, protect);
                let cut = rng.random_range(0..=sid.len());
                sid[..cut].to_owned()
            }
            7 => percent_encoded(&random_text(rng)),
            8 => one_of(
                rng,
                &[
                    "..", "%2e%2e", "%2F", "a%2Fb", "%00", "%ff", "%25", "%C3%A9", "OQ%20",
                ],
            )
            .to_owned(),
            _ => String::new(),
        };
        path.push_str(&value);
        rest = &rest[open + close + 1..];
    }
    path.push_str(rest);
    if rng.random_ratio(1, 40) {
        path.push_str(one_of(rng, &["/", "//", "/x", "%", "/.."]));
    }
    path
}

/// A genuine authorization request for the code app, as its query string.
fn authorize_pairs(target: &Target) -> Vec<(String, String)> {
    [
        ("client_id", target.code_app.0.as_str()),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "managed-users/read offline_access"),
        ("state", "xyz"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("nonce", "n-0S6"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

/// Pairs, mutated: one dropped, one repeated, a value replaced or a stranger added.
fn mutate_pairs(rng: &mut ChaCha12Rng, mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    for _ in 0..rng.random_range(0..3) {
        match rng.random_range(0..4) {
            0 if !pairs.is_empty() => {
                let at = rng.random_range(0..pairs.len());
                pairs.remove(at);
            }
            1 if !pairs.is_empty() => {
                let at = rng.random_range(0..pairs.len());
                let mut repeated = pairs[at].clone();
                if rng.random_bool(0.5) {
                    repeated.1 = random_text(rng);
                }
                pairs.push(repeated);
            }
            2 if !pairs.is_empty() => {
                let at = rng.random_range(0..pairs.len());
                pairs[at].1 = random_text(rng);
            }
            _ => pairs.push((random_text(rng), random_text(rng))),
        }
    }
    pairs
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn authorize_query(rng: &mut ChaCha12Rng, target: &Target) -> String {
    let pairs = authorize_pairs(target);
    if rng.random_bool(0.5) {
        return encode_pairs(&pairs);
    }
    encode_pairs(&mutate_pairs(rng, pairs))
}

fn query(rng: &mut ChaCha12Rng, template: &str, target: &Target) -> String {
    if template == "/v2/authorize" {
        return authorize_query(rng, target);
    }
    if !rng.random_ratio(1, 3) {
        return String::new();
    }
    let names = [
        "PageSize",
        "Page",
        "PageToken",
        "FriendlyName",
        "owner",
        "OwnerSid",
        "x",
    ];
    let pairs: Vec<(String, String)> = (0..rng.random_range(1..4))
        .map(|_| {
            let name = one_of(rng, &names).to_owned();
            let value = match rng.random_range(0..3) {
                0 => rng.random_range(-5i64..2000).to_string(),
                1 => u64::MAX.to_string(),
                _ => random_text(rng),
            };
            (name, value)
        })
        .collect();
    if rng.random_ratio(1, 10) {
        // Not form-encoded at all.
        return format!("{}=%%%{}", pairs[0].0, "&".repeat(3));
    }
    encode_pairs(&pairs)
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{}:{}",
            percent_encoded(id),
            percent_encoded(secret)
        ))
    )
}

/// Replaces one character of `text` at random.
fn mutate_token(rng: &mut ChaCha12Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return "x".into();
    }
    let at = rng.random_range(0..chars.len());
    let replacement = *b"ABCxyz019-_.=".choose(rng).unwrap_or(&b'A');
    chars[at] = if chars[at] == char::from(replacement) {
        'Q'
    } else {
        char::from(replacement)
    };
    chars.into_iter().collect()
}

/// A JWT-shaped text: base64url JSON header and payload, and a signature, each maybe broken.
fn forged_jwt(rng: &mut ChaCha12Rng, target: &Target) -> String {
    let alg = one_of(rng, &["none", "HS256", "ES256", "RS256", ""]);
    let header = json!({ "alg": alg, "typ": "at+jwt", "kid": random_text(rng) });
    let claims = json!({
        "iss": format!("http://{}", target.addr),
        "sub": target.account,
        "aud": "https://api.twilio.com",
        "client_id": target.cc_app.0,
        "scope": "/twilio/messaging/messages/read",
        "iat": 0,
        "exp": rng.random_range(-1i64..i64::MAX),
        "jti": random_text(rng),
    });
    let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let signature = URL_SAFE_NO_PAD.encode(random_bytes(rng, 0..80));
    format!("{}.{}.{signature}", encode(&header), encode(&claims))
}

/// A token to present: genuine, mutated, forged or nonsense.
fn some_token(rng: &mut ChaCha12Rng, target: &Target, pool: &Pool) -> String {
    match rng.random_range(0..6) {
        0 | 1 => pool
            .access_tokens
            .choose(rng)
            .cloned()
            .unwrap_or_else(|| forged_jwt(rng, target)),
        2 => {
            let genuine = pool.access_tokens.choose(rng).cloned().unwrap_or_default();
            mutate_token(rng, &genuine)
        }
        3 => forged_jwt(rng, target),
        4 => target.session.clone(),
        _ => random_text(rng),
    }
}

/// The `Authorization` header a genuine caller of the route sends, if it sends one.
fn genuine_authorization(
    rng: &mut ChaCha12Rng,
    template: &str,
    target: &Target,
    pool: &Pool,
) -> Option<String> {
    let token = pool.access_tokens.choose(rng).cloned();
    match template {
        "/v2/introspect" | "/v2/revoke" => Some(basic(&target.cc_app.0, &target.cc_app.1)),
        "/v2/permissions/check" | "/v2/userinfo" => {
            let token = token?;
            Some(format!("Bearer {}", maybe_mutated(rng, &token)))
        }
        "/v2/token" => None,
        _ if template.starts_with("/v1/") => Some(format!("Bearer {}", target.session)),
        _ => None,
    }
}

/// `text` unchanged, or one of its characters replaced by another of the same length in bytes.
fn maybe_mutated(rng: &mut ChaCha12Rng, text: &str) -> String {
    if rng.random_ratio(3, 4) {
        return text.to_owned();
    }
    same_length_mutation(rng, text)
}

/// Replaces a run of ASCII characters by one character as long in UTF-8, or one character by
/// another: the length checks still pass, and whatever slices by byte is put to the test.
fn same_length_mutation(rng: &mut ChaCha12Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if bytes.is_empty() {
        return text.to_owned();
    }
    let wide = ['é', '\u{e000}', '💥'].choose(rng).copied().unwrap_or('é');
    let width = wide.len_utf8();
    let at = rng.random_range(0..bytes.len());
    let run_is_ascii = bytes.get(at..at + width).is_some_and(|run| run.is_ascii());
    if run_is_ascii && rng.random_bool(0.5) {
        let mut encoded = [0; 4];
        bytes.splice(at..at + width, wide.encode_utf8(&mut encoded).bytes());
    } else if bytes[at].is_ascii() {
        bytes[at] = if bytes[at] == b'0' { b'f' } else { b'0' };
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
}

/// The form a genuine client or browser sends to the route, if the route reads a form.
fn genuine_form(
    rng: &mut ChaCha12Rng,
    template: &str,
    target: &Target,
    pool: &Pool,
) -> Option<Vec<(String, String)>> {
    let pairs = |list: &[(&str, String)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect()
    };
    let (cc_id, cc_secret) = (target.cc_app.0.clone(), target.cc_app.1.clone());
    let (code_id, code_secret) = (target.code_app.0.clone(), target.code_app.1.clone());
    let form = match template {
        "/v2/token" => match rng.random_range(0..4) {
            0 => pairs(&[
                ("grant_type", "client_credentials".into()),
                ("client_id", maybe_mutated(rng, &cc_id)),
                ("client_secret", cc_secret),
            ]),
            1 => pairs(&[
                ("grant_type", "client_credentials".into()),
                ("client_id", target.victim_app.0.clone()),
                ("client_secret", maybe_mutated(rng, &target.victim_app.1)),
                ("scope", form_value(rng, "scope", target, pool)),
            ]),
            2 => pairs(&[
                ("grant_type", "authorization_code".into()),
                ("client_id", code_id),
                ("client_secret", code_secret),
                ("code", pool.codes.choose(rng).cloned().unwrap_or_default()),
                ("redirect_uri", REDIRECT.into()),
                ("code_verifier", VERIFIER.into()),
            ]),
            _ => pairs(&[
                ("grant_type", "refresh_token".into()),
                ("client_id", code_id),
                ("client_secret", code_secret),
                (
                    "refresh_token",
                    pool.refresh_tokens.choose(rng).cloned().unwrap_or_default(),
                ),
            ]),
        },
        "/v2/introspect" | "/v2/revoke" => {
            let token = pool.access_tokens.choose(rng).cloned().unwrap_or_default();
            pairs(&[("token", maybe_mutated(rng, &token))])
        }
        "/v2/authorize/sign-in" => pairs(&[
            ("csrf_token", "fuzzcsrf".into()),
            ("request", form_value(rng, "request", target, pool)),
            ("username", "admin".into()),
            ("password", "wrong password".into()),
        ]),
        "/v2/authorize/decision" => pairs(&[
            ("csrf_token", "fuzzcsrf".into()),
            ("request", form_value(rng, "request", target, pool)),
            (
                "decision",
                one_of(rng, &["approve", "approve", "deny"]).into(),
            ),
        ]),
        _ => return None,
    };
    Some(form)
}

/// The `Authorization` headers to send: none, one, an empty one or two.
fn authorization(rng: &mut ChaCha12Rng, target: &Target, pool: &Pool) -> Vec<String> {
    let one = |rng: &mut ChaCha12Rng| -> String {
        match rng.random_range(0..12) {
            0 | 1 => basic(&target.cc_app.0, &target.cc_app.1),
            2 => basic(&target.code_app.0, &target.code_app.1),
            3 => basic(
                &target.victim_app.0,
                &mutate_token(rng, &target.victim_app.1),
            ),
            4 => basic(&random_text(rng), &random_text(rng)),
            5 => format!("Basic {}", STANDARD.encode(random_bytes(rng, 0..40))),
            6 => format!("Basic {}", random_text(rng).replace(['\r', '\n'], "")),
            7 => format!("Bearer {}", target.session),
            8 => format!(
                "Bearer {}",
                some_token(rng, target, pool).replace(['\r', '\n'], "")
            ),
            9 => one_of(
                rng,
                &[
                    "", "Basic", "Basic ", "Bearer", "Bearer ", "basic ==", "Digest x",
                ],
            )
            .to_owned(),
            _ => format!(
                "Bearer {}",
                pool.access_tokens.choose(rng).cloned().unwrap_or_default()
            ),
        }
    };
    match rng.random_range(0..10) {
        0..3 => Vec::new(),
        3 => vec![one(rng), one(rng)],
        _ => vec![one(rng)],
    }
}

fn cookie(rng: &mut ChaCha12Rng, target: &Target, signs_out: bool) -> String {
    let session = if signs_out {
        random_text(rng)
    } else {
        target.session.clone()
    };
    let parts = [
        "oc_csrf=fuzzcsrf".to_owned(),
        format!("oc_session={session}"),
        "oc_flash=locked".to_owned(),
        "oc_flash=failed".to_owned(),
        format!("{}={}", random_text(rng), random_text(rng)),
        ";;=;".to_owned(),
        "oc_csrf=".to_owned(),
    ];
    let chosen: Vec<&String> = parts.iter().filter(|_| rng.random_bool(0.5)).collect();
    chosen
        .into_iter()
        .map(|part| part.replace(['\r', '\n'], ""))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A value for a form field, often the genuine one for its name.
fn form_value(rng: &mut ChaCha12Rng, name: &str, target: &Target, pool: &Pool) -> String {
    if rng.random_ratio(1, 4) {
        return random_text(rng);
    }
    let pick =
        |list: &Vec<String>, rng: &mut ChaCha12Rng| list.choose(rng).cloned().unwrap_or_default();
    match name {
        "grant_type" => one_of(
            rng,
            &[
                "client_credentials",
                "authorization_code",
                "refresh_token",
                "password",
                "",
            ],
        )
        .to_owned(),
        "client_id" => target.victim_app.0.clone(),
        "client_secret" => {
            let mut secrets = vec![target.victim_app.1.clone(), target.code_app.1.clone()];
            secrets.extend(pool.secrets.iter().cloned());
            pick(&secrets, rng)
        }
        "scope" => (0..rng.random_range(0..4))
            .map(|_| SCOPES.choose(rng).copied().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(if rng.random_bool(0.8) { " " } else { "\t\n" }),
        "audience" => one_of(rng, &["https://api.twilio.com", ""]).to_owned(),
        "code" => pick(&pool.codes, rng),
        "redirect_uri" => REDIRECT.to_owned(),
        "code_verifier" => VERIFIER.to_owned(),
        "refresh_token" => pick(&pool.refresh_tokens, rng),
        "token" => some_token(rng, target, pool),
        "token_type_hint" => "access_token".to_owned(),
        "url" if rng.random_bool(0.5) => format!(
            "https://api.twilio.com/2010-04-01/Accounts/{}/Messages/SM00000000000000000000000000000000.json",
            target.account
        ),
        "url" => format!(
            "https://api.twilio.com/2010-04-01/Accounts/{}/Messages/{}.json",
            some_sid(rng, target, pool, false),
            percent_encoded(&random_text(rng))
        ),
        "method" => one_of(rng, &["GET", "post", "DELETE", ""]).to_owned(),
        "csrf_token" => "fuzzcsrf".to_owned(),
        "request" => authorize_query(rng, target),
        "username" => "admin".to_owned(),
        "password" => "wrong password".to_owned(),
        "decision" => one_of(rng, &["approve", "deny", ""]).to_owned(),
        _ => random_text(rng),
    }
}

/// The form fields a route reads, so that most generated forms get past the first checks.
fn fields_for(template: &str) -> &'static [&'static str] {
    match template {
        "/v2/token" => &[
            "grant_type",
            "client_id",
            "client_secret",
            "scope",
            "audience",
            "code",
            "redirect_uri",
            "code_verifier",
            "refresh_token",
        ],
        "/v2/introspect" | "/v2/revoke" => {
            &["token", "token_type_hint", "client_id", "client_secret"]
        }
        "/v2/permissions/check" => &["token", "url", "method"],
        "/v2/authorize/sign-in" => &["csrf_token", "request", "username", "password"],
        "/v2/authorize/decision" => &["csrf_token", "request", "decision"],
        _ => FORM_FIELDS,
    }
}

fn random_json(rng: &mut ChaCha12Rng, depth: u32) -> Value {
    match rng.random_range(0..if depth > 2 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random::<f64>() * 1e20),
        4 => json!(random_text(rng)),
        5 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut object = serde_json::Map::new();
            for _ in 0..rng.random_range(0..4) {
                let name = one_of(rng, JSON_FIELDS);
                object.insert(name.to_owned(), random_json(rng, depth + 1));
            }
            Value::Object(object)
        }
    }
}

/// A JSON body close to what the management API reads, with fields of the wrong type or range.
fn json_body(rng: &mut ChaCha12Rng, target: &Target, pool: &Pool) -> Value {
    let mut body = json!({
        "method": one_of(rng, &["GET", "POST", "delete", ""]),
        "url": form_value(rng, "url", target, pool),
        "friendly_name": "fuzzed app",
        "scopes": ["/twilio/messaging/messages/read"],
        "username": "fuzz-user",
        "password": "a long enough password",
        "role": "Developer",
    });
    if rng.random_bool(0.5) {
        body["authorization_code"] = json!({ "redirect_uris": [REDIRECT], "company_name": "x" });
        body["grant_type"] = json!("authorization-code");
    }
    let changes = if rng.random_bool(0.5) {
        0
    } else {
        rng.random_range(1..4)
    };
    for _ in 0..changes {
        let name = one_of(rng, JSON_FIELDS);
        body[name] = match rng.random_range(0..4) {
            0 => json!(random_text(rng)),
            1 => json!(
                SCOPES
                    .choose(rng)
                    .map(|s| vec![*s; rng.random_range(0..150)])
            ),
            2 => json!(rng.random_range(-10i64..10_000_000)),
            _ => random_json(rng, 1),
        };
    }
    body
}

fn body(
    rng: &mut ChaCha12Rng,
    template: &str,
    target: &Target,
    pool: &Pool,
) -> (Option<String>, Vec<u8>) {
    const FORM: &str = "application/x-www-form-urlencoded";
    const JSON: &str = "application/json";
    let wants_json = template.starts_with("/v1/") || template == "/v2/permissions/check";
    match rng.random_range(0..20) {
        0..12 if !wants_json => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for name in fields_for(template) {
                if rng.random_ratio(3, 4) {
                    pairs.push(((*name).to_owned(), form_value(rng, name, target, pool)));
                }
            }
            let pairs = if rng.random_ratio(1, 3) {
                mutate_pairs(rng, pairs)
            } else {
                pairs
            };
            (Some(FORM.into()), encode_pairs(&pairs).into_bytes())
        }
        0..12 => (
            Some(JSON.into()),
            json_body(rng, target, pool).to_string().into_bytes(),
        ),
        12..14 => (
            Some(JSON.into()),
            random_json(rng, 0).to_string().into_bytes(),
        ),
        14 => {
            // Valid JSON cut at a random point.
            let text = json_body(rng, target, pool).to_string();
            let cut = rng.random_range(0..text.len());
            (Some(JSON.into()), text.as_bytes()[..cut].to_vec())
        }
        15 => (Some(FORM.into()), random_bytes(rng, 0..2000)),
        16 => (Some(JSON.into()), random_bytes(rng, 0..2000)),
        17 => {
            let kind = if wants_json { JSON } else { FORM };
            let filler = if wants_json {
                format!("{{\"friendly_name\":\"{}\"}}", "x".repeat(OVERSIZED))
            } else {
                format!(
                    "grant_type=client_credentials&scope={}",
                    "x".repeat(OVERSIZED)
                )
            };
            (Some(kind.into()), filler.into_bytes())
        }
        _ => (None, Vec::new()),
    }
}

/// The server's answer: its status line's code, `Location` and body, or why there was none.
struct Answer {
    status: Option<u16>,
    location: Option<String>,
    body: Vec<u8>,
    error: Option<String>,
}

async fn send(addr: SocketAddr, generated: &Generated) -> Answer {
    let exchange = async {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((generated.source, 0)))?;
        let mut stream = socket.connect(addr).await?;
        let written = stream.write_all(&generated.bytes).await;
        if generated.truncated {
            // The end of the body, as the server sees it. Only here: hyper closes a connection
            // whose client half-closed it without answering, as it is configured to.
            stream.shutdown().await?;
        }
        let mut answer = Vec::new();
        let read = stream.read_to_end(&mut answer).await;
        match (read, answer.is_empty(), written) {
            (Err(error), true, _) => Err(error),
            // The server may answer (413, 400) and close before the whole request is written;
            // when the answer is lost to the reset, it did so on purpose.
            (_, true, Err(_)) => Ok(None),
            _ => Ok(Some(answer)),
        }
    };
    match tokio::time::timeout(ANSWER_TIMEOUT, exchange).await {
        Ok(Ok(Some(bytes))) => parse_answer(&bytes),
        Ok(Ok(None)) => Answer {
            status: None,
            location: None,
            body: Vec::new(),
            error: None,
        },
        Ok(Err(error)) => Answer {
            status: None,
            location: None,
            body: Vec::new(),
            error: Some(error.to_string()),
        },
        Err(_) => Answer {
            status: None,
            location: None,
            body: Vec::new(),
            error: Some(format!("no answer within {ANSWER_TIMEOUT:?}")),
        },
    }
}

fn parse_answer(bytes: &[u8]) -> Answer {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(bytes.len());
    let head = String::from_utf8_lossy(&bytes[..split]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok());
    let location = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("location"))
        .map(|(_, value)| value.trim().to_owned());
    Answer {
        status,
        location,
        body: bytes.get(split + 4..).unwrap_or_default().to_vec(),
        error: match (status, bytes.is_empty()) {
            (Some(_), _) => None,
            (None, true) => Some("the connection closed without an answer".into()),
            (None, false) => Some(format!("not an HTTP answer: {head}")),
        },
    }
}

fn record(
    generated: &Generated,
    answer: &Answer,
    tally: &Mutex<Tally>,
    pool: &Mutex<Pool>,
    out: &std::path::Path,
) {
    harvest(answer, pool);
    let status = answer
        .status
        .map_or_else(|| "no answer".to_owned(), |code| code.to_string());
    let failure = match answer.status {
        Some(code) if code >= 500 => Some(format!("{code} answer")),
        Some(code @ 300..400) if answer.location.is_none() => {
            Some(format!("{code} without a Location"))
        }
        Some(_) => None,
        None if generated.truncated || answer.error.is_none() => None,
        None => Some(format!(
            "no answer ({})",
            answer.error.as_deref().unwrap_or("the connection closed")
        )),
    };
    let mut tally = tally.lock().unwrap_or_else(|p| p.into_inner());
    *tally
        .counts
        .entry(generated.route.clone())
        .or_default()
        .entry(status)
        .or_default() += 1;
    if let Some(why) = failure {
        let shown = String::from_utf8_lossy(&generated.bytes[..generated.bytes.len().min(400)])
            .escape_debug()
            .to_string();
        tally
            .failures
            .push(format!("{}: {why}: {shown}", generated.route));
        if tally.kept < KEPT_FAILURES {
            tally.kept += 1;
            let file = out.join(format!("failure-{:03}.http", tally.kept));
            if let Err(error) = std::fs::write(&file, &generated.bytes) {
                eprintln!("cannot keep {}: {error}", file.display());
            }
        }
    }
}

/// Keeps what the server handed out for later requests.
fn harvest(answer: &Answer, pool: &Mutex<Pool>) {
    let mut pool = pool.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(location) = &answer.location
        && let Ok(url) = url::Url::parse(location)
        && let Some((_, code)) = url.query_pairs().find(|(name, _)| name == "code")
    {
        keep(&mut pool.codes, &code);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&answer.body) else {
        return;
    };
    for object in [&body, &body["app"]] {
        let field = |name: &str| object[name].as_str().unwrap_or_default();
        keep(&mut pool.access_tokens, field("access_token"));
        keep(&mut pool.refresh_tokens, field("refresh_token"));
        keep(&mut pool.secrets, field("client_secret"));
        keep(&mut pool.sids, field("sid"));
        keep(&mut pool.sids, field("client_id"));
    }
}

fn print_counts(tally: &Tally, requests: u64, elapsed: Duration) {
    println!(
        "{requests} requests in {:.1} s ({:.0}/s); answers per route and status:",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64().max(0.001)
    );
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for (route, statuses) in &tally.counts {
        let line: Vec<String> = statuses
            .iter()
            .map(|(status, count)| {
                *totals.entry(status).or_default() += count;
                format!("{status}: {count}")
            })
            .collect();
        println!("  {route:<42} {}", line.join(", "));
    }
    let line: Vec<String> = totals.iter().map(|(s, c)| format!("{s}: {c}")).collect();
    println!("  {:<42} {}", "all routes", line.join(", "));
}

/// Whether the server still serves its metadata and a genuine token after the run.
async fn still_answers(target: &Target) -> anyhow::Result<()> {
    let base = format!("http://{}", target.addr);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    http.get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await?
        .error_for_status()?;
    let me = http
        .get(format!("{base}/v1/me"))
        .bearer_auth(&target.session)
        .send()
        .await?;
    if !me.status().is_success() {
        bail!("GET /v1/me with the admin session answered {}", me.status());
    }
    Ok(())
}
