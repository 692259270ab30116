//! The load that `scripts/bench-grants.sh` puts on a running `serve`: the authorization-code
//! exchange and the refresh-token grant, each as fast as CONCURRENCY clients can send them, with
//! every code and refresh token used exactly once.
//!
//! ```text
//! bench_grants GRANTS CONCURRENCY
//! ```
//!
//! Both grants spend what they are sent, so the load cannot replay one request the way wrk does.
//! Instead, untimed, each of CONCURRENCY users signs in once and approves the app on the consent
//! page until GRANTS codes are minted between them. Then, timed, CONCURRENCY clients (one
//! keep-alive connection each) exchange those codes, each the next one not yet taken, and the
//! exchanges' refresh tokens are then used the same way, timed again. The codes are taken in turn
//! from each user, so that the requests in flight at once belong to different authorizations, as
//! those of different people would: two grants of one authorization at the same instant take
//! turns (each touches it), which real clients rarely ask for.
//!
//! The environment names the server and the app (`scripts/bench-grants.sh` sets it):
//! `BENCH_URL`, `BENCH_CLIENT_ID`/`BENCH_CLIENT_SECRET` (an authorization-code app with
//! `offline_access` and the redirect URL `BENCH_REDIRECT`), `BENCH_USERS` (space-separated
//! usernames, at least CONCURRENCY of them) and `BENCH_PASSWORD`, theirs.
//!
//! Prints a line a grant: how many, in how long, per second, p50 and p99 latency, errors, and
//! the CPU time per grant of the server (`BENCH_SERVER_PID`) and of every PostgreSQL process on
//! this machine (other databases' work included), which depend less on what else the machine
//! runs than the rate does. Any answer but a token is an error, and the first few are printed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;

#[path = "common/consent.rs"]
mod consent;
use consent::{Consent, Failure, authorization_request, browser, token_answer};

/// Shown of the errors, so that a broken run says why without flooding the terminal.
const ERRORS_SHOWN: u64 = 5;

struct Config {
    url: String,
    client: (String, String),
    redirect: String,
    users: Vec<String>,
    password: String,
}

fn env(name: &str) -> Result<String, Failure> {
    std::env::var(name)
        .map_err(|_| format!("{name} is not set; run scripts/bench-grants.sh").into())
}

impl Config {
    fn from_env() -> Result<Config, Failure> {
        Ok(Config {
            url: env("BENCH_URL")?,
            client: (env("BENCH_CLIENT_ID")?, env("BENCH_CLIENT_SECRET")?),
            redirect: env("BENCH_REDIRECT")?,
            users: env("BENCH_USERS")?
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            password: env("BENCH_PASSWORD")?,
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [grants, concurrency] = args.as_slice() else {
        return Err("usage: bench_grants GRANTS CONCURRENCY".into());
    };
    let grants: usize = grants.parse()?;
    let concurrency: usize = concurrency.parse()?;
    let config = Arc::new(Config::from_env()?);
    if config.users.len() < concurrency {
        return Err(format!(
            "BENCH_USERS names {} users; CONCURRENCY {concurrency} needs as many",
            config.users.len()
        )
        .into());
    }

    let minted = Instant::now();
    let codes = mint_codes(&config, grants, concurrency).await?;
    eprintln!(
        "minted {} codes in {:.1} s (untimed: sign-in and consent)",
        codes.len(),
        minted.elapsed().as_secs_f64()
    );

    let redirect = config.redirect.clone();
    let exchange = move |code: String| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", redirect.clone()),
        ]
    };
    let (line, refresh_tokens) =
        timed(&config, "code exchange", codes, concurrency, exchange).await?;
    println!("{line}");
    let refresh = |token: String| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", token),
        ]
    };
    let (line, _) = timed(
        &config,
        "refresh",
        in_turn(refresh_tokens),
        concurrency,
        refresh,
    )
    .await?;
    println!("{line}");
    Ok(())
}

/// Each user's items (by user number), taken in turn from each user.
fn in_turn(items: Vec<(usize, String)>) -> Vec<(usize, String)> {
    let users = items.iter().map(|(user, _)| user + 1).max().unwrap_or(0);
    let mut each: Vec<Vec<(usize, String)>> = vec![Vec::new(); users];
    for item in items {
        each[item.0].push(item);
    }
    let mut each: Vec<_> = each.into_iter().map(Vec::into_iter).collect();
    let mut in_turn = Vec::new();
    loop {
        let before = in_turn.len();
        in_turn.extend(each.iter_mut().filter_map(Iterator::next));
        if in_turn.len() == before {
            return in_turn;
        }
    }
}

/// `grants` codes, each with its user's number, taken in turn from `concurrency` users who each
/// approve over and over.
async fn mint_codes(
    config: &Arc<Config>,
    grants: usize,
    concurrency: usize,
) -> Result<Vec<(usize, String)>, Failure> {
    let per_user = grants.div_ceil(concurrency);
    // One after another: the server bounds how many passwords it hashes at once.
    let mut signed_in = Vec::new();
    for user in config.users.iter().take(concurrency) {
        let request = authorization_request(
            &config.client.0,
            &config.redirect,
            "managed-users/read offline_access",
            "bench",
        );
        let consent =
            Consent::sign_in(browser()?, &config.url, request, user, &config.password).await?;
        signed_in.push(consent);
    }
    let mut minting = Vec::new();
    for (user, consent) in signed_in.into_iter().enumerate() {
        minting.push(tokio::spawn(async move {
            let mut codes = Vec::with_capacity(per_user);
            for _ in 0..per_user {
                codes.push((user, consent.approve().await?));
            }
            Ok::<_, Failure>(codes)
        }));
    }
    let mut codes = Vec::with_capacity(grants);
    for user in minting {
        codes.extend(user.await??);
    }
    let mut codes = in_turn(codes);
    codes.truncate(grants);
    Ok(codes)
}

/// Sends one token request for each of `spent` from `concurrency` clients at once, each taking
/// the next one not yet sent; a line of figures, and the refresh tokens the answers carried
/// (with the number of the user each is of).
async fn timed(
    config: &Arc<Config>,
    name: &'static str,
    spent: Vec<(usize, String)>,
    concurrency: usize,
    form: impl Fn(String) -> Vec<(&'static str, String)> + Send + Sync + Clone + 'static,
) -> Result<(String, Vec<(usize, String)>), Failure> {
    let spent = Arc::new(spent);
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let server_before = server_cpu();
    let postgres_before = postgres_cpu();
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..concurrency {
        let (config, spent, next, errors) =
            (config.clone(), spent.clone(), next.clone(), errors.clone());
        let form = form.clone();
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(Policy::none())
                .build()?;
            let mut latencies = Vec::new();
            let mut refresh_tokens = Vec::new();
            loop {
                let taken = next.fetch_add(1, Ordering::Relaxed);
                let Some((user, item)) = spent.get(taken) else {
                    break;
                };
                let sent = Instant::now();
                let answer = http
                    .post(format!("{}/v2/token", config.url))
                    .basic_auth(&config.client.0, Some(&config.client.1))
                    .form(&form(item.clone()))
                    .send()
                    .await;
                let answer = match answer {
                    Ok(answer) => token_answer(answer).await,
                    Err(error) => Err(error.into()),
                };
                latencies.push(sent.elapsed());
                match answer {
                    Ok(Some(token)) => refresh_tokens.push((*user, token)),
                    Ok(None) => {}
                    Err(error) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
                            eprintln!("{name} failed: {error}");
                        }
                    }
                }
            }
            Ok::<_, Failure>((latencies, refresh_tokens))
        }));
    }
    let mut latencies = Vec::new();
    let mut refresh_tokens = Vec::new();
    for client in clients {
        let (mine, tokens) = client.await??;
        latencies.extend(mine);
        refresh_tokens.extend(tokens);
    }
    let took = started.elapsed();
    let per_grant = |cpu: Duration| cpu.as_secs_f64() * 1e6 / latencies.len().max(1) as f64;
    let server = per_grant(server_cpu().saturating_sub(server_before));
    let postgres = per_grant(postgres_cpu().saturating_sub(postgres_before));
    latencies.sort_unstable();
    let percentile = |p: usize| -> f64 {
        latencies
            .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d: &Duration| d.as_secs_f64() * 1000.0)
    };
    let line = format!(
        "{name}: {} in {:.2} s  per s: {:.0}  p50: {:.2} ms  p99: {:.2} ms  errors: {}  CPU per grant: server {server:.0} µs, PostgreSQL {postgres:.0} µs",
        latencies.len(),
        took.as_secs_f64(),
        latencies.len() as f64 / took.as_secs_f64(),
        percentile(50),
        percentile(99),
        errors.load(Ordering::Relaxed)
    );
    Ok((line, refresh_tokens))
}

/// The CPU time (user and system) a process has used, from /proc; zero when unknown.
fn process_cpu(pid: &str) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // The fields after the command's name, which is in parentheses and may hold spaces.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn server_cpu() -> Duration {
    std::env::var("BENCH_SERVER_PID").map_or(Duration::ZERO, |pid| process_cpu(&pid))
}

/// The CPU time of every process named `postgres`.
fn postgres_cpu() -> Duration {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    processes
        .flatten()
        .filter(|entry| {
            std::fs::read_to_string(entry.path().join("comm"))
                .is_ok_and(|comm| comm.trim() == "postgres")
        })
        .map(|entry| process_cpu(&entry.file_name().to_string_lossy()))
        .sum()
}
