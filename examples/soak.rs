//! The load that `scripts/soak.sh` puts on a running `serve`: the client-credentials grant, the
//! authorization-code flow (consent page, then the code's exchange) and the refresh-token grant,
//! as real clients send them over HTTP.
//!
//! ```text
//! soak peak GRANT SECONDS            # the most GRANT per second, unthrottled: prints the rate
//! soak run CC CODE REFRESH SECONDS   # each grant at that many per second; a line a minute
//! ```
//!
//! GRANT is `client-credentials`, `code` or `refresh`. The apps, users and server come from the
//! environment the script sets: `SOAK_URL`, `SOAK_CC_ID`/`SOAK_CC_SECRET` (an account app),
//! `SOAK_AC_ID`/`SOAK_AC_SECRET` (an organization's authorization-code app with redirect URL
//! `SOAK_REDIRECT`), `SOAK_CODE_USERS` and `SOAK_REFRESH_USERS` (space-separated usernames, one
//! worker each: an authorization is one user's, and its steps are one after another),
//! `SOAK_PASSWORD`, and for the minute lines `SOAK_SERVER_PID` and `SOAK_DATA_DIR`.
//!
//! A code exchange counts once for its two requests (the consent page's Approve, then
//! `POST /v2/token`). Anything but the expected answer is an error, and the first few are printed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[path = "common/consent.rs"]
mod consent;
use consent::{Consent, Failure, authorization_request, browser, token_answer};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Grant {
    ClientCredentials,
    Code,
    Refresh,
}

impl Grant {
    const ALL: [Grant; 3] = [Grant::ClientCredentials, Grant::Code, Grant::Refresh];

    fn parse(name: &str) -> Option<Grant> {
        match name {
            "client-credentials" => Some(Grant::ClientCredentials),
            "code" => Some(Grant::Code),
            "refresh" => Some(Grant::Refresh),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client-credentials",
            Grant::Code => "code",
            Grant::Refresh => "refresh",
        }
    }
}

struct Config {
    url: String,
    cc: (String, String),
    ac: (String, String),
    redirect: String,
    code_users: Vec<String>,
    refresh_users: Vec<String>,
    password: String,
    server_pid: Option<u32>,
    data_dir: Option<String>,
}

fn env(name: &str) -> Result<String, Failure> {
    std::env::var(name).map_err(|_| format!("{name} is not set; run scripts/soak.sh").into())
}

impl Config {
    fn from_env() -> Result<Config, Failure> {
        let users = |name| -> Result<Vec<String>, Failure> {
            Ok(env(name)?.split_whitespace().map(str::to_owned).collect())
        };
        Ok(Config {
            url: env("SOAK_URL")?,
            cc: (env("SOAK_CC_ID")?, env("SOAK_CC_SECRET")?),
            ac: (env("SOAK_AC_ID")?, env("SOAK_AC_SECRET")?),
            redirect: env("SOAK_REDIRECT")?,
            code_users: users("SOAK_CODE_USERS")?,
            refresh_users: users("SOAK_REFRESH_USERS")?,
            password: env("SOAK_PASSWORD")?,
            server_pid: std::env::var("SOAK_SERVER_PID")
                .ok()
                .and_then(|p| p.parse().ok()),
            data_dir: std::env::var("SOAK_DATA_DIR").ok(),
        })
    }
}

/// Counts of one grant, shared by its workers.
#[derive(Default)]
struct Counts {
    done: AtomicU64,
    errors: AtomicU64,
}

/// Client-credentials workers: the app's requests come from many connections at once.
const CC_WORKERS: usize = 16;
/// Shown of the errors, so that a broken run says why without flooding the terminal.
const ERRORS_SHOWN: u64 = 5;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = Arc::new(Config::from_env()?);
    let seconds =
        |text: &str| -> Result<Duration, Failure> { Ok(Duration::from_secs(text.parse()?)) };
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["peak", grant, duration] => {
            let grant =
                Grant::parse(grant).ok_or("GRANT is client-credentials, code or refresh")?;
            let duration = seconds(duration)?;
            let counts = Arc::new(Counts::default());
            let started = Instant::now();
            let deadline = started + duration;
            let workers = spawn(&config, grant, None, deadline, &counts).await?;
            for worker in workers {
                worker.await?;
            }
            let rate = counts.done.load(Ordering::Relaxed) as f64 / duration.as_secs_f64();
            println!(
                "{} {rate:.0} errors {}",
                grant.name(),
                counts.errors.load(Ordering::Relaxed)
            );
        }
        ["run", cc, code, refresh, duration] => {
            let rates = [cc.parse::<f64>()?, code.parse()?, refresh.parse()?];
            let duration = seconds(duration)?;
            run(&config, rates, duration).await?;
        }
        _ => {
            return Err("usage: soak peak GRANT SECONDS | soak run CC CODE REFRESH SECONDS".into());
        }
    }
    Ok(())
}

/// Starts the workers of `grant` until `deadline`, sharing `rate` per second between them
/// (unthrottled when `None`).
async fn spawn(
    config: &Arc<Config>,
    grant: Grant,
    rate: Option<f64>,
    deadline: Instant,
    counts: &Arc<Counts>,
) -> Result<Vec<tokio::task::JoinHandle<()>>, Failure> {
    let users: Vec<Option<String>> = match grant {
        Grant::ClientCredentials => vec![None; CC_WORKERS],
        Grant::Code => config.code_users.iter().cloned().map(Some).collect(),
        Grant::Refresh => config.refresh_users.iter().cloned().map(Some).collect(),
    };
    let period = rate.map(|rate| Duration::from_secs_f64(users.len() as f64 / rate));
    let mut handles = Vec::new();
    for user in users {
        let mut worker = Worker::new(config.clone(), grant, user).await?;
        let counts = counts.clone();
        handles.push(tokio::spawn(async move {
            let mut ticks = period.map(|period| {
                let mut ticks = tokio::time::interval(period);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticks
            });
            while Instant::now() < deadline {
                if let Some(ticks) = &mut ticks {
                    ticks.tick().await;
                }
                match worker.once().await {
                    Ok(()) => {
                        counts.done.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => {
                        let seen = counts.errors.fetch_add(1, Ordering::Relaxed);
                        if seen < ERRORS_SHOWN {
                            eprintln!("{} failed: {error}", grant.name());
                        }
                        worker.recover().await;
                    }
                }
            }
        }));
    }
    Ok(handles)
}

/// All three grants at their rates, with a line a minute.
async fn run(config: &Arc<Config>, rates: [f64; 3], duration: Duration) -> Result<(), Failure> {
    let started = Instant::now();
    let deadline = started + duration;
    let counts: Vec<Arc<Counts>> = Grant::ALL.iter().map(|_| Arc::default()).collect();
    let mut workers = Vec::new();
    for ((grant, rate), counts) in Grant::ALL.into_iter().zip(rates).zip(&counts) {
        workers.extend(spawn(config, grant, Some(rate), deadline, counts).await?);
    }
    println!(
        "{:>6} {:>24} {:>24} {:>24} {:>8} {:>10} {:>10}",
        "minute",
        "client-credentials/s",
        "code exchanges/s",
        "refreshes/s",
        "errors",
        "RSS MiB",
        "store MiB"
    );
    let mut last = [0u64; 3];
    let mut minute = 0;
    let line = |minute: u32, elapsed: Duration, last: &mut [u64; 3]| {
        let mut cells = Vec::new();
        let mut errors = 0;
        for (i, counts) in counts.iter().enumerate() {
            let done = counts.done.load(Ordering::Relaxed);
            let rate = (done - last[i]) as f64 / elapsed.as_secs_f64();
            cells.push(format!("{rate:>8.0} ({done:>9} total)"));
            errors += counts.errors.load(Ordering::Relaxed);
            last[i] = done;
        }
        println!(
            "{minute:>6} {} {} {} {errors:>8} {:>10} {:>10}",
            cells[0],
            cells[1],
            cells[2],
            config.server_pid.map_or("-".into(), rss_mib),
            config.data_dir.as_deref().map_or("-".into(), store_mib),
        );
    };
    let mut ticks = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(60),
        Duration::from_secs(60),
    );
    let mut previous = Instant::now();
    while Instant::now() + Duration::from_secs(1) < deadline {
        ticks.tick().await;
        minute += 1;
        line(minute, previous.elapsed(), &mut last);
        previous = Instant::now();
    }
    for worker in workers {
        worker.await?;
    }
    if previous.elapsed() > Duration::from_secs(1) {
        line(minute + 1, previous.elapsed(), &mut last);
    }
    Ok(())
}

/// The server's resident memory, from /proc.
fn rss_mib(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or("gone".into(), |kb| format!("{:.1}", kb / 1024.0))
}

/// The data directory's size on disk (allocated blocks, so that sparse files count as what
/// they hold).
fn store_mib(dir: &str) -> String {
    use std::os::unix::fs::MetadataExt;
    fn walk(path: &std::path::Path) -> u64 {
        let Ok(entries) = std::fs::read_dir(path) else {
            return 0;
        };
        entries
            .flatten()
            .map(|entry| match entry.metadata() {
                Ok(meta) if meta.is_dir() => walk(&entry.path()),
                Ok(meta) => meta.blocks() * 512,
                Err(_) => 0,
            })
            .sum()
    }
    format!(
        "{:.1}",
        walk(std::path::Path::new(dir)) as f64 / 1024.0 / 1024.0
    )
}

/// One client: its HTTP connection and cookies, and what it holds between requests.
struct Worker {
    config: Arc<Config>,
    grant: Grant,
    user: Option<String>,
    http: reqwest::Client,
    /// The authorization request's query, as the consent page's form carries it.
    request: String,
    /// Signed in on the consent page of `request`, for the grants that need codes.
    consent: Option<Consent>,
    refresh_token: Option<String>,
}

impl Worker {
    async fn new(
        config: Arc<Config>,
        grant: Grant,
        user: Option<String>,
    ) -> Result<Worker, Failure> {
        let http = browser()?;
        let scope = match grant {
            Grant::Refresh => "managed-users/read offline_access",
            _ => "managed-users/read",
        };
        let request = authorization_request(&config.ac.0, &config.redirect, scope, "soak");
        let mut worker = Worker {
            config,
            grant,
            user,
            http,
            request,
            consent: None,
            refresh_token: None,
        };
        if grant != Grant::ClientCredentials {
            worker.sign_in().await?;
        }
        if grant == Grant::Refresh {
            worker.refresh_token = worker.exchange_code().await?;
        }
        Ok(worker)
    }

    async fn once(&mut self) -> Result<(), Failure> {
        match self.grant {
            Grant::ClientCredentials => {
                let (id, secret) = &self.config.cc;
                let answer = self
                    .http
                    .post(format!("{}/v2/token", self.config.url))
                    .basic_auth(id, Some(secret))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await?;
                token_answer(answer).await.map(drop)
            }
            Grant::Code => self.exchange_code().await.map(drop),
            Grant::Refresh => {
                let token = self.refresh_token.take().ok_or("no refresh token to use")?;
                let (id, secret) = &self.config.ac;
                let answer = self
                    .http
                    .post(format!("{}/v2/token", self.config.url))
                    .basic_auth(id, Some(secret))
                    .form(&[("grant_type", "refresh_token"), ("refresh_token", &token)])
                    .send()
                    .await?;
                self.refresh_token = token_answer(answer).await?;
                Ok(())
            }
        }
    }

    /// After an error, starts over where the grant needs state: a new refresh token.
    async fn recover(&mut self) {
        if self.grant == Grant::Refresh && self.refresh_token.is_none() {
            match self.exchange_code().await {
                Ok(token) => self.refresh_token = token,
                Err(error) => eprintln!("refresh: starting again failed: {error}"),
            }
        }
    }

    /// Opens the authorization page and signs in on it, once: the session lasts an hour.
    async fn sign_in(&mut self) -> Result<(), Failure> {
        let user = self.user.clone().ok_or("a flow needs a user")?;
        let consent = Consent::sign_in(
            self.http.clone(),
            &self.config.url,
            self.request.clone(),
            &user,
            &self.config.password,
        )
        .await?;
        self.consent = Some(consent);
        Ok(())
    }

    /// Approves on the consent page and exchanges the code: the refresh token, if one came.
    async fn exchange_code(&mut self) -> Result<Option<String>, Failure> {
        let consent = self
            .consent
            .as_ref()
            .ok_or("not signed in: the client has not opened the sign-in page")?;
        let code = consent.approve().await?;
        let (id, secret) = &self.config.ac;
        let answer = self
            .http
            .post(format!("{}/v2/token", self.config.url))
            .basic_auth(id, Some(secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &self.config.redirect),
            ])
            .send()
            .await?;
        token_answer(answer).await
    }
}
