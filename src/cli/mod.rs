//! The scriptable commands: `oauth-console <noun> <verb>`. Parses nothing itself ([`args`] does),
//! holds no rules (the service does), and prints either tables or `--json` ([`output`]).

mod args;
mod completion;
mod config;
mod control;
mod failure;
mod json_log;
mod login;
mod output;
mod replay;

use std::io::{BufRead, IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};

pub use args::Cli;
use args::{
    AppsCommand, AuditArgs, AuthorizedCommand, Command, ConfigCommand, CreateArgs, DEFAULT_ISSUER,
    DatabaseUrl, ExportArgs, ImportArgs, KeysCommand, ListArgs, LogFormat, ServeArgs, ThemeName,
    UpdateArgs, UsersCommand,
};
pub use completion::complete_if_asked;
pub use config::{Refused, Settings, parse_command_line};
use failure::NotConfirmed;
pub use failure::{report, report_usage};
use output::Output;

use crate::api::{
    AppJson, AppsFileJson, AuditEventJson, AuthorizationJson, CredentialsJson, FileFormat,
    ImportResultJson, OwnerJson, UserJson,
};
use crate::backend::{Backend, BackendError, LocalBackend, ServerTrust};
use crate::model::{
    AppSettings, AppUpdate, AppView, AuditFilter, GrantType, ImportMode, ListApps, NewApp, NewUser,
    OwnerKind, RefreshTokenTtl, Sid, scopes,
};
use crate::service::{ConsoleService, OsEntropy, SWEEP_BATCH, SystemClock};
use crate::store::{PgStore, SledStore, Store, StoreError, verify_backup};
use crate::tui::keys::{KeyMap, KeysFileError};
use crate::tui::screens::dialogs::FirstStart;
use crate::tui::state::Theme;

/// Environment variables read on the first start of a store.
const ADMIN_USER_ENV: &str = "OAUTH_CONSOLE_ADMIN_USER";
const ADMIN_PASSWORD_ENV: &str = "OAUTH_CONSOLE_ADMIN_PASSWORD";

/// Everything a command needs, resolved once from the global options.
struct Session {
    backend: Box<dyn Backend>,
    out: Output,
}

/// Runs the command `cli` (the console without one); `settings` are the values in force and where
/// each came from, for `config show`.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    // A replay brings its own fresh store; it must not open (and lock) the real one. Its store is
    // in a temporary directory only its user can enter, and its recordings and pictures are made
    // to be published, so they keep the user's own umask.
    if let Some(Command::Replay { file, cast, svg }) = cli.command {
        let media = replay::Media { cast, svg };
        return replay::run(&file, media).await;
    }
    // Whatever this process creates is its user's alone: sled makes files (its snapshots) while it
    // runs, and they, like a backup or a restored store, hold the signing key. The store makes the
    // data directory 0700 and what it finds there 0600 itself; this covers what comes later.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    // The shell's commands read no store.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let code = completion::registration(*shell)?;
            return Ok(std::io::stdout().lock().write_all(code.as_bytes())?);
        }
        Some(Command::Man { dir }) => {
            let pages = completion::write_man_pages(dir)?;
            return Output::new(cli.global.json).man_pages(&dir.display().to_string(), &pages);
        }
        Some(Command::Config(ConfigCommand::Show)) => {
            return Output::new(cli.global.json).settings(&settings);
        }
        _ => {}
    }
    if let (Some(listen), Some(_)) = (cli.serve, &cli.command) {
        bail!(
            "--serve runs the server beside the console; with a command, run the server alone: oauth-console serve --listen {listen}"
        );
    }
    let modes = Modes::of(&cli.global);
    if modes.read_only {
        match &cli.command {
            Some(Command::Serve(_)) => bail!(
                "--read-only is for the console and the commands; on a server, make people read-only one by one: oauth-console users add NAME --read-only-user, or users set-read-only NAME true"
            ),
            Some(Command::Restore { .. } | Command::Migrate { .. }) => bail!(
                "read-only: restore and migrate write a store, which --read-only does not; drop --read-only (or read_only in the config file) to run them"
            ),
            _ => {}
        }
    }
    let out = Output::new(cli.global.json);
    let trust = server_trust(&cli)?;
    // `serve`, `keys`, `backup` and `restore` work on a data directory, so an exported
    // OAUTH_CONSOLE_SERVER does not stop the shell that runs the server.
    let on_data_dir = matches!(
        cli.command,
        Some(
            Command::Serve(_)
                | Command::Keys(_)
                | Command::Backup { .. }
                | Command::Restore { .. }
                | Command::Migrate { .. }
        )
    );
    if let Some(server) = cli.global.server.clone().filter(|_| !on_data_dir) {
        return remote(cli, &server, out, trust).await;
    }
    if matches!(cli.command, Some(Command::Login { .. } | Command::Logout)) {
        bail!("login and logout are for a server: pass --server URL (or set OAUTH_CONSOLE_SERVER)");
    }
    let config_dir = cli.global.config_dir.clone();
    let data_dir = match cli.global.data_dir {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    // Written by tracing-appender's thread, so a request never waits on the terminal or a pipe.
    if let Some(command) = &cli.command {
        let (default_filter, format) = match command {
            Command::Serve(args) => ("info", args.log_format),
            _ => (WARN, LogFormat::Text),
        };
        let (stderr, flush) = non_blocking(std::io::stderr());
        *LOG_FLUSH
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(flush);
        init_logs(
            stderr,
            std::io::stderr().is_terminal(),
            default_filter,
            format,
        );
    }
    // Both handle the store themselves: a backup may have to ask the process holding it, and a
    // restore makes a store where there is none.
    let database_url = cli.global.database_url.clone();
    match (&cli.command, &database_url) {
        (Some(Command::Backup { .. } | Command::Restore { .. }), Some(_)) => bail!(
            "backup and restore copy the embedded store of a data directory; a PostgreSQL database is backed up with its own tools (pg_dump, pg_restore, or the provider's snapshots)"
        ),
        (Some(Command::Migrate { .. }), Some(_)) => bail!(
            "migrate copies the store of the data directory into --to; --database-url (or OAUTH_CONSOLE_DATABASE_URL) does not apply to it"
        ),
        (Some(Command::Migrate { to }), None) => return migrate(&data_dir, to, &out).await,
        (Some(Command::Backup { file }), None) => return backup(&data_dir, file, &out),
        (Some(Command::Restore { file }), None) => return restore(&data_dir, file, &out),
        _ => {}
    }
    let location = match &database_url {
        Some(url) => StoreLocation::Database(url),
        None => StoreLocation::DataDir(&data_dir),
    };
    // Logs start before the store opens, so that whatever opening repaired is said on standard
    // error. The console's terminal is its own once it starts, so there only the open logs here;
    // with `--serve`, its server logs to a file afterwards.
    let (service, sled, first_start) = match &cli.command {
        None => {
            use tracing::instrument::WithSubscriber;
            // Without a terminal the console refuses to start: the password is said where
            // it can be read.
            let password_to = if std::io::stdout().is_terminal() {
                PasswordTo::Console
            } else {
                PasswordTo::Stderr
            };
            open_store(location, password_to)
                .with_subscriber(stderr_logs(WARN))
                .await?
        }
        Some(_) => open_store(location, PasswordTo::Stderr).await?,
    };
    let user = service.local_user(cli.global.user.as_deref()).await?.sid;
    let issuer = cli.global.issuer.clone();
    // The processes that hold the store for long answer backups for it.
    let _control = match (&cli.command, sled) {
        (None | Some(Command::Serve(_)), Some(store)) => {
            control::listen(&data_dir, store, service.clone())
        }
        (_, _) => None,
    };
    if cli.command.is_none()
        && let Some(listen) = cli.serve
    {
        let look = Look {
            theme: cli.theme,
            config_dir,
            present: modes.present,
            first_start,
        };
        return console_serving(
            service,
            user,
            issuer,
            listen,
            &data_dir,
            look,
            modes.read_only,
        )
        .await;
    }
    let mut backend = LocalBackend::new(
        service.clone(),
        user,
        issuer.clone().unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
    )
    .trusting(&trust)?;
    if modes.read_only {
        backend = backend.reading_only();
    }
    let ctx = Session {
        backend: Box::new(backend),
        out,
    };
    let Some(command) = cli.command else {
        let look = Look {
            theme: cli.theme,
            config_dir,
            present: modes.present,
            first_start,
        };
        return console(ctx.backend, None, look).await;
    };
    match command {
        // Handled above, before the store is opened.
        Command::Replay { .. }
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Config(_)
        | Command::Migrate { .. } => Ok(()),
        Command::Serve(args) => serve(service, args, issuer).await,
        Command::Keys(KeysCommand::Rotate { signing_alg }) => {
            let service = if modes.read_only {
                service.reading_only()
            } else {
                service
            };
            let key = service.rotate_signing_key(signing_alg).await?;
            ctx.out.key_rotated(&key.kid, signing_alg)
        }
        command => backend_command(&ctx, command).await,
    }
}

/// Remote mode: every command, and the console, over the server at `server`.
async fn remote(cli: Cli, server: &str, out: Output, trust: ServerTrust) -> anyhow::Result<()> {
    let modes = Modes::of(&cli.global);
    let config_dir = match cli.global.config_dir {
        Some(dir) => dir,
        None => login::default_config_dir()?,
    };
    let sessions = login::Sessions::new(config_dir, trust);
    let reading = |backend: crate::backend::RemoteBackend| {
        if modes.read_only {
            backend.reading_only()
        } else {
            backend
        }
    };
    let command = match cli.command {
        Some(Command::Login {
            username,
            password_stdin,
        }) => return login::login(&sessions, server, username, password_stdin).await,
        Some(Command::Logout) => return login::logout(&sessions, server).await,
        other => other,
    };
    let Some(command) = command else {
        let look = Look {
            theme: cli.theme,
            config_dir: Some(sessions.dir().to_path_buf()),
            present: modes.present,
            // A server's store was created by its own first start, which said the password.
            first_start: None,
        };
        return console(
            Box::new(reading(sessions.console_backend(server).await?)),
            None,
            look,
        )
        .await;
    };
    let ctx = Session {
        backend: Box::new(reading(sessions.backend(server).await?)),
        out,
    };
    backend_command(&ctx, command).await
}

/// The commands that only talk to the backend: the same over the embedded store and a server.
async fn backend_command(ctx: &Session, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Replay { .. }
        | Command::Serve(_)
        | Command::Keys(_)
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Migrate { .. }
        | Command::Login { .. }
        | Command::Logout
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Config(_) => bail!("this command does not run over a backend"),
        Command::Apps(command) => apps(ctx, command).await,
        Command::Export(args) => export(ctx, args).await,
        Command::Import(args) => import(ctx, args).await,
        Command::Audit(args) => audit(ctx, args).await,
        Command::Scopes(args) => {
            let owner = ctx.owner_or_default(args.owner, OwnerKind::Account).await?;
            ctx.out.scopes(OwnerKind::of(&owner))
        }
        Command::Authorized(command) => authorized(ctx, command).await,
        Command::Owners => {
            let owners = ctx.backend.owners().await?;
            ctx.out
                .owners(&owners.iter().map(OwnerJson::from).collect::<Vec<_>>())
        }
        Command::Users { command } => users(ctx, command).await,
    }
}

/// What the token tool and `--server` verify an https server's certificate against.
fn server_trust(cli: &Cli) -> anyhow::Result<ServerTrust> {
    Ok(match &cli.global.ca_cert {
        Some(file) => ServerTrust::private_ca(file).context("--ca-cert")?,
        None => ServerTrust::platform(),
    })
}

/// Runs the server until Ctrl-C or SIGTERM, then drains (see [`crate::server::serve`]). Logs go
/// to standard error (`RUST_LOG` filters them, `info` by default: a line per request), as text
/// or JSON; they name clients and users, never a secret, password or token.
async fn serve(
    service: ConsoleService,
    args: ServeArgs,
    issuer: Option<String>,
) -> anyhow::Result<()> {
    // Ctrl-C and SIGTERM are taken over before the server says it is listening.
    let shutdown =
        crate::server::shutdown_signal().context("cannot take over Ctrl-C and SIGTERM")?;
    let server = BoundServer::start(service, args, issuer).await?;
    server.run(shutdown).await
}

/// The authorization server over a store, listening and ready to serve: what `serve` runs, and
/// what the console runs beside itself with `--serve`.
struct BoundServer {
    listener: tokio::net::TcpListener,
    /// `--metrics-listen`'s, when given.
    operations_listener: Option<tokio::net::TcpListener>,
    /// For the sweeper, which runs beside the server.
    service: ConsoleService,
    state: crate::server::AppState,
    config: crate::server::ServerConfig,
    address: std::net::SocketAddr,
    issuer: String,
    kid: String,
}

impl BoundServer {
    /// Binds `args.listen` and starts the authorization server; the issuer defaults to
    /// `http://`, or with TLS `https://`, and the address bound.
    async fn start(
        service: ConsoleService,
        args: ServeArgs,
        issuer: Option<String>,
    ) -> anyhow::Result<BoundServer> {
        let tls = match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(crate::server::Tls::load(crate::server::TlsFiles {
                cert,
                key,
            })?),
            _ => None,
        };
        if let (Some(_), Some(issuer)) = (&tls, &issuer)
            && !issuer.starts_with("https://")
        {
            bail!(
                "--issuer {issuer} is not https:// but --tls-cert serves HTTPS only: tokens and authorization URLs would name a URL this server does not answer; give the https:// URL clients reach it at"
            );
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        let operations_listener = match args.metrics_listen {
            Some(metrics_listen) => Some(
                tokio::net::TcpListener::bind(metrics_listen)
                    .await
                    .with_context(|| {
                        format!("cannot listen on {metrics_listen} (--metrics-listen)")
                    })?,
            ),
            None => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let issuer = issuer.unwrap_or_else(|| format!("{scheme}://{address}"));
        let service = service.with_refresh_token_ttl(args.refresh_token_ttl);
        let auth_config = crate::service::AuthorizationConfig {
            default_audience: args.audience.unwrap_or_else(|| issuer.clone()),
            issuer: issuer.clone(),
            signing_alg: args.signing_alg,
        };
        let auth = crate::service::AuthorizationServer::start(service.clone(), auth_config).await?;
        let kid = auth.signing_kid().to_owned();
        let defaults = crate::server::ServerConfig::default();
        let config = crate::server::ServerConfig {
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            tls,
            limiter: crate::server::LimiterConfig {
                per_pair: args.max_failed_attempts,
                per_identity: args.max_failed_attempts.saturating_mul(2),
                ..defaults.limiter
            },
            drain_delay: args.drain_delay,
            metrics_access: if operations_listener.is_some() {
                crate::server::MetricsAccess::OwnListener
            } else {
                crate::server::MetricsAccess::Loopback
            },
            ..defaults
        };
        let state = crate::server::AppState::new(auth, &config);
        Ok(BoundServer {
            listener,
            operations_listener,
            service,
            state,
            config,
            address,
            issuer,
            kid,
        })
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // SIGHUP is taken over before "listening" is said, so that one sent as soon as the server
        // is up reloads the certificate rather than ending the process.
        #[cfg(unix)]
        let reloader = match self.config.tls.clone() {
            Some(tls) => Some(tokio::spawn(
                crate::server::reload_on_hangup(tls).context("cannot take over SIGHUP")?,
            )),
            None => None,
        };
        tracing::info!(address = %self.address, issuer = %self.issuer, kid = %self.kid, "listening");
        // Its own task, a small batch at a time: the requests never wait for a whole sweep.
        let sweeper = tokio::spawn(sweep_every(self.service, SWEEP_INTERVAL));
        let operations = self.operations_listener.map(|listener| {
            if let Ok(address) = listener.local_addr() {
                tracing::info!(%address, "serving /metrics, /healthz and /readyz");
            }
            let (state, config) = (self.state.clone(), self.config.clone());
            tokio::spawn(async move {
                crate::server::serve_operations(listener, state, &config).await;
            })
        });
        let served = crate::server::serve(self.listener, self.state, &self.config, shutdown)
            .await
            .context("the server stopped");
        sweeper.abort();
        #[cfg(unix)]
        if let Some(reloader) = reloader {
            reloader.abort();
        }
        if let Some(operations) = operations {
            operations.abort();
        }
        served
    }
}

/// How often `serve` removes what no longer matters from the store.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// Sweeps every `interval` for ever, logging what went (only when something did) and any failure,
/// which the next sweep tries again.
async fn sweep_every(service: ConsoleService, interval: Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match service.sweep().await {
            Ok(swept) if swept.total() == 0 => {}
            Ok(swept) => tracing::info!(
                codes = swept.codes,
                refresh_tokens = swept.refresh_tokens,
                revoked_jtis = swept.revocations,
                sessions = swept.sessions,
                signing_keys = swept.signing_keys,
                failure_windows = swept.failure_windows,
                "swept records that no longer matter"
            ),
            Err(error) => tracing::error!(%error, "sweeping the store failed; trying again later"),
        }
    }
}

/// What a command logs unless `RUST_LOG` says otherwise: only what needs a look, such as a torn
/// file that opening the store moved aside.
const WARN: &str = "warn";

/// The guard of the log's writer thread. It outlives `run`: tasks still log while the runtime
/// shuts down after `run` returns, and a line sent once the guard is gone is lost with an error
/// on standard error, so `main` calls [`flush_logs`] only after the runtime is dropped.
static LOG_FLUSH: std::sync::Mutex<Option<WorkerGuard>> = std::sync::Mutex::new(None);

/// Writes out every queued log line and stops the log's writer thread.
pub fn flush_logs() {
    drop(
        LOG_FLUSH
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take(),
    );
}

/// A writer whose lines a thread of tracing-appender's writes to `sink`, and the guard that
/// flushes them. Lossless: past its buffer of lines a burst waits rather than loses any.
fn non_blocking<W: std::io::Write + Send + 'static>(sink: W) -> (NonBlocking, WorkerGuard) {
    tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(sink)
}

/// Sends this process's logs (filtered by `RUST_LOG`, `default_filter` without it) to `writer`.
/// As JSON, each line is one object: the event's fields at the top level, and those of the
/// request it belongs to (request id, method, route, client ID) under `span`.
fn init_logs<W>(writer: W, ansi: bool, default_filter: &str, format: LogFormat)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let logs = tracing_subscriber::fmt()
        .with_env_filter(env_filter(default_filter))
        .with_writer(writer);
    match format {
        LogFormat::Text => logs.with_ansi(ansi).init(),
        LogFormat::Json => logs
            .fmt_fields(json_log::JsonSpanFields)
            .event_format(json_log::JsonLines)
            .init(),
    }
}

/// Logs to standard error for as long as it is the default subscriber, for what comes before the
/// console takes the terminal.
fn stderr_logs(default_filter: &str) -> tracing::Dispatch {
    tracing_subscriber::fmt()
        .with_env_filter(env_filter(default_filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .finish()
        .into()
}

fn env_filter(default_filter: &str) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default_filter.into())
}

/// The console with the authorization server running beside it in this process (the store
/// allows one process). The server's log goes to `server.YYYY-MM-DD.log` in the data directory,
/// not to the terminal the console draws on; closing the console stops the server gracefully.
async fn console_serving(
    service: ConsoleService,
    user: Sid,
    issuer: Option<String>,
    listen: std::net::SocketAddr,
    data_dir: &Path,
    look: Look,
    read_only: bool,
) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        bail!(
            "the console needs a terminal; for the server alone run `oauth-console serve --listen {listen}`"
        );
    }
    // Over PostgreSQL, the data directory holds only this log, and may not exist yet.
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    // A file a day, the last SERVER_LOG_DAYS kept; owner-only like the rest of the data
    // directory, by the umask `run` set.
    let log_path = data_dir.join(format!("{SERVER_LOG_PREFIX}.*.{SERVER_LOG_SUFFIX}"));
    let log = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(SERVER_LOG_PREFIX)
        .filename_suffix(SERVER_LOG_SUFFIX)
        .max_log_files(SERVER_LOG_DAYS)
        .build(data_dir)
        .with_context(|| format!("cannot open the server log {}", log_path.display()))?;
    let (log, _log_flush) = non_blocking(log);
    init_logs(log, false, "info", LogFormat::Text);
    let args = ServeArgs {
        listen,
        // Keep whatever key `serve` made; a new store gets the default algorithm.
        signing_alg: None,
        audience: None,
        max_connections: crate::server::DEFAULT_MAX_CONNECTIONS,
        refresh_token_ttl: RefreshTokenTtl::default(),
        tls_cert: None,
        tls_key: None,
        max_failed_attempts: crate::server::LimiterConfig::default().per_pair,
        // No balancer sends to a console's server: closing the console stops it at once.
        drain_delay: Duration::ZERO,
        metrics_listen: None,
        log_format: LogFormat::Text,
    };
    let server = BoundServer::start(service.clone(), args, issuer).await?;
    let url = format!("http://{}", server.address);
    // The server serves its own users as ever; only the console beside it reads only.
    let mut backend =
        LocalBackend::new(service, user, server.issuer.clone()).with_server(url.clone());
    if read_only {
        backend = backend.reading_only();
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        stopped.await.ok();
    }));
    let console = console(Box::new(backend), Some(url), look).await;
    let _ = stop.send(());
    let stopped = match tokio::time::timeout(SERVER_STOP_WAIT, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(anyhow::anyhow!("the server failed: {join}")),
        Err(_) => Err(anyhow::anyhow!(
            "the server did not stop within {SERVER_STOP_WAIT:?}; requests were cut off"
        )),
    };
    console.and(stopped.with_context(|| format!("see {}", log_path.display())))
}

/// `--read-only` and `--present`, as the flags, the environment or the config file set them.
#[derive(Debug, Clone, Copy)]
struct Modes {
    read_only: bool,
    present: bool,
}

impl Modes {
    fn of(global: &args::GlobalArgs) -> Modes {
        Modes {
            read_only: global.read_only,
            present: global.present,
        }
    }
}

/// The console's key bindings, in the config directory beside the saved sessions.
const KEYS_FILE: &str = "keys.toml";

/// The bindings of `keys.toml` in the config directory: the defaults when there is none, or why
/// it was refused (the console then says so and uses the defaults).
fn key_bindings(config_dir: Option<PathBuf>) -> Result<KeyMap, KeysFileError> {
    // Without a home directory there is no file to read, and nothing to say about it.
    let Some(dir) = config_dir.or_else(|| login::default_config_dir().ok()) else {
        return Ok(KeyMap::default());
    };
    let path = dir.join(KEYS_FILE);
    let file = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(text) => KeyMap::from_toml(&text, &file),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(KeyMap::default()),
        Err(error) => Err(KeysFileError::Unreadable {
            file,
            why: error.to_string(),
        }),
    }
}

/// The log of the server that `--serve` runs beside the console, in the data directory:
/// `server.YYYY-MM-DD.log`, a file a day.
const SERVER_LOG_PREFIX: &str = "server";
const SERVER_LOG_SUFFIX: &str = "log";
const SERVER_LOG_DAYS: usize = 7;
/// How long requests in flight may take to finish once the console closes.
const SERVER_STOP_WAIT: Duration = Duration::from_secs(5);

/// How the user wants the console: its theme, the config directory its `keys.toml` is in, and
/// whether it presents (SIDs and secrets masked on screen); and the password of a store this
/// start created, to show once.
struct Look {
    theme: ThemeName,
    config_dir: Option<PathBuf>,
    present: bool,
    first_start: Option<FirstStart>,
}

/// Opens the console in this terminal, until the user quits; `serving` is the URL of the server
/// running beside it, if any; `first_start` the password of a store this start created.
async fn console(
    backend: Box<dyn Backend>,
    serving: Option<String>,
    look: Look,
) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        bail!(
            "the console needs a terminal; use a command (oauth-console --help) or `oauth-console replay FILE` for scripts"
        );
    }
    let clipboard = Arc::new(crate::tui::SystemClipboard::new());
    let keys = key_bindings(look.config_dir);
    let theme = match look.theme {
        ThemeName::Default => Theme::Default,
        ThemeName::Light => Theme::Light,
    };
    let opening = crate::tui::Opening {
        theme,
        present: look.present,
        first_start: look.first_start,
    };
    crate::tui::run(Arc::from(backend), clipboard, serving, keys, opening)
        .await
        .context("the terminal failed")
}

/// The platform's data directory for this program, e.g. `~/.local/share/oauth-console`.
pub fn default_data_dir() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("", "", "oauth-console")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .context(
            "cannot tell the platform's data directory (no home directory?); pass --data-dir DIR",
        )
}

/// Where the store is: the embedded one in a data directory, or a PostgreSQL database.
#[derive(Clone, Copy)]
enum StoreLocation<'a> {
    DataDir(&'a Path),
    Database(&'a DatabaseUrl),
}

/// Where the first start says the password it generated: on standard error for a command, or in
/// the console, whose screen would hide standard error until it closes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PasswordTo {
    Stderr,
    Console,
}

/// Opens (creating on first use) the store and its service; on the first start, makes the first
/// user and says once how to sign in: on standard error, but a generated password for the
/// console is returned for it to show instead. The sled store is returned too, for the control
/// socket that answers its backups.
async fn open_store(
    location: StoreLocation<'_>,
    password_to: PasswordTo,
) -> anyhow::Result<(ConsoleService, Option<Arc<SledStore>>, Option<FirstStart>)> {
    let (store, sled, shown): (Arc<dyn Store>, _, _) = match location {
        StoreLocation::DataDir(data_dir) => {
            let sled = Arc::new(open_store_waiting(data_dir).await?);
            (sled.clone(), Some(sled), data_dir.display().to_string())
        }
        StoreLocation::Database(url) => {
            let store = PgStore::connect(url.expose()).await?;
            let shown = format!("the database {}", store.database());
            (Arc::new(store), None, shown)
        }
    };
    let service = ConsoleService::new(store, Arc::new(SystemClock), Arc::new(OsEntropy));
    let username = std::env::var(ADMIN_USER_ENV).unwrap_or_else(|_| "admin".to_owned());
    let password = std::env::var(ADMIN_PASSWORD_ENV).ok();
    // One bounded batch, so that a store used only by commands and the console stops growing
    // too, without making a command wait on a large backlog (`serve` sweeps the rest).
    service
        .sweep_batch(SWEEP_BATCH)
        .await
        .context("removing expired records from the store")?;
    let mut first_start = None;
    if let Some(made) = service.bootstrap(&username, password).await? {
        let mut err = std::io::stderr().lock();
        writeln!(err, "Created a new store in {shown}.")?;
        for owner in &made.owners {
            writeln!(err, "  {:<13} {}  {}", owner.label(), owner.sid, owner.name)?;
        }
        match made.generated_password {
            Some(password) if password_to == PasswordTo::Console => {
                writeln!(
                    err,
                    "User '{}' (Owner of all three) has a generated password, which the console shows once; set {ADMIN_PASSWORD_ENV} before the first start to choose it.",
                    made.username
                )?;
                first_start = Some(FirstStart {
                    username: made.username,
                    password,
                });
            }
            Some(password) => writeln!(
                err,
                "User '{}' (Owner of all three) has the password: {}\nIt is shown only now; set {ADMIN_PASSWORD_ENV} before the first start to choose it.",
                made.username,
                password.expose()
            )?,
            None => writeln!(
                err,
                "User '{}' (Owner of all three) signs in with the password from {ADMIN_PASSWORD_ENV}.",
                made.username
            )?,
        }
    }
    Ok((service, sled, first_start))
}

/// How long a command waits for another process (a script's previous command, say) to release
/// the data directory before saying it is in use.
const LOCK_WAIT: Duration = Duration::from_secs(3);

async fn open_store_waiting(data_dir: &Path) -> Result<SledStore, StoreError> {
    let started = Instant::now();
    loop {
        match SledStore::open(data_dir) {
            Err(StoreError::Locked { .. }) if started.elapsed() < LOCK_WAIT => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            opened => return opened,
        }
    }
}

/// Writes a backup of the store in `data_dir` to `file`: read here when no other process holds
/// the store, or by the process that does (`serve`, a console) over the control socket. The
/// file appears only once whole and checked, owner-only.
fn backup(data_dir: &Path, file: &Path, out: &Output) -> anyhow::Result<()> {
    let shown = data_dir.display().to_string();
    if !data_dir.join("conf").exists() {
        bail!("there is no store in {shown} to back up; pass the data directory with --data-dir");
    }
    let partial = file.with_file_name(format!(
        ".{}.partial-{}",
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let written = write_backup(data_dir, &partial);
    let checked = written.and_then(|by_holder| {
        let reread = std::fs::File::open(&partial)?;
        let summary = verify_backup(
            &file.display().to_string(),
            &mut std::io::BufReader::new(reread),
        )?;
        std::fs::rename(&partial, file)
            .with_context(|| format!("cannot write {}", file.display()))?;
        Ok((by_holder, summary))
    });
    match checked {
        Ok((by_holder, summary)) => out.backed_up(
            &shown,
            &file.display().to_string(),
            summary.records,
            by_holder,
        ),
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

/// Writes the backup to `partial`; says whether the process holding the store wrote it.
fn write_backup(data_dir: &Path, partial: &Path) -> anyhow::Result<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let mut writer = std::io::BufWriter::new(created);
    let started = Instant::now();
    let by_holder = loop {
        match SledStore::open(data_dir) {
            Ok(store) => {
                store.backup(&mut writer)?;
                break false;
            }
            Err(locked @ StoreError::Locked { .. }) => {
                if let Some(answered) = control::request_backup(data_dir, &mut writer) {
                    answered?;
                    break true;
                }
                if started.elapsed() >= LOCK_WAIT {
                    return Err(anyhow::Error::new(locked).context(
                        "the process holding it does not answer backups (only `serve` and the console do)",
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(other) => return Err(other.into()),
        }
    };
    let file = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {} failed: {}", partial.display(), e.error()))?;
    file.sync_all()
        .with_context(|| format!("writing {} failed", partial.display()))?;
    Ok(by_holder)
}

/// Copies the embedded store of `data_dir` into the empty database at `to`, in one transaction,
/// and says what it copied. The store must be free: a `serve` still writing to it would make
/// changes the copy misses.
async fn migrate(data_dir: &Path, to: &DatabaseUrl, out: &Output) -> anyhow::Result<()> {
    let shown = data_dir.display().to_string();
    if !data_dir.join("conf").exists() {
        bail!("there is no store in {shown} to migrate; pass the data directory with --data-dir");
    }
    let sled = open_store_waiting(data_dir).await?;
    let writes = sled.copy_writes()?;
    let database = PgStore::connect(to.expose()).await?;
    database.fill_empty(&writes).await?;
    out.migrated(&shown, database.database(), &copied(&writes))
}

/// How many records of each kind `writes` make, in the words `migrate` prints.
fn copied(writes: &[crate::store::Write]) -> Vec<(&'static str, usize)> {
    use crate::store::Write;
    let mut counts = [
        ("owners", 0),
        ("users", 0),
        ("apps", 0),
        ("audit events", 0),
        ("authorizations", 0),
        ("authorization codes", 0),
        ("refresh tokens", 0),
        ("signing keys", 0),
        ("revoked access tokens", 0),
        ("sessions", 0),
    ];
    for write in writes {
        let kind = match write {
            Write::PutOwner(_) => 0,
            Write::CreateUser(_) | Write::ReplaceUser { .. } => 1,
            Write::PutApp { .. } | Write::DeleteApp { .. } => 2,
            Write::AddAuditEvent(_) => 3,
            Write::PutAuthorization { .. } | Write::TouchAuthorization { .. } => 4,
            Write::AddAuthorizationCode(_) | Write::RedeemAuthorizationCode(_) => 5,
            Write::AddRefreshToken(_) | Write::SpendRefreshToken(_) => 6,
            Write::PutSigningKey(_) => 7,
            Write::RevokeToken { .. } => 8,
            Write::PutSession(_) | Write::DeleteSession(_) => 9,
        };
        counts[kind].1 += 1;
    }
    counts.to_vec()
}

/// Makes a store in `data_dir`, which must be new or empty, from the backup `file`.
fn restore(data_dir: &Path, file: &Path, out: &Output) -> anyhow::Result<()> {
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    if let Some(parent) = data_dir.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let summary = SledStore::restore(
        data_dir,
        &file.display().to_string(),
        &mut std::io::BufReader::new(input),
    )?;
    out.restored(
        &file.display().to_string(),
        &data_dir.display().to_string(),
        summary.records,
    )
}

async fn export(ctx: &Session, args: ExportArgs) -> anyhow::Result<()> {
    let definitions = ctx.backend.export_apps(args.owner.as_ref()).await?;
    let format = args
        .format
        .or(args.file.as_deref().map(FileFormat::of_path))
        .unwrap_or(FileFormat::Json);
    let text = AppsFileJson::from(&definitions).write(format)?;
    let Some(file) = args.file else {
        std::io::stdout().lock().write_all(text.as_bytes())?;
        return Ok(());
    };
    std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
    let apps = definitions.owners.iter().map(|o| o.apps.len()).sum();
    ctx.out
        .exported(&file.display().to_string(), definitions.owners.len(), apps)
}

async fn import(ctx: &Session, args: ImportArgs) -> anyhow::Result<()> {
    let shown = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {shown}"))?;
    let definitions = AppsFileJson::parse(&text, FileFormat::of_path(&args.file))
        .with_context(|| shown.clone())?
        .into_definitions()
        .map_err(BackendError::Invalid)
        .with_context(|| format!("{shown}: nothing was imported"))?;
    let mode = ImportMode {
        dry_run: args.dry_run,
        prune: args.prune,
    };
    let outcome = match ctx.backend.import_apps(&definitions, mode).await {
        Err(BackendError::Invalid(invalid)) => {
            return Err(anyhow::Error::new(BackendError::Invalid(invalid)))
                .with_context(|| format!("{shown}: nothing was imported"));
        }
        other => other?,
    };
    ctx.out
        .imported(&ImportResultJson::new(&outcome, args.dry_run))
}

impl Session {
    /// The owner named, or the first one the user manages apps for, of the wanted kind if any.
    async fn owner_or_default(
        &self,
        owner: Option<Sid>,
        preferred: OwnerKind,
    ) -> anyhow::Result<Sid> {
        if let Some(owner) = owner {
            return Ok(owner);
        }
        let owners = self.backend.owners().await?;
        let manageable = || owners.iter().filter(|a| a.role.may_manage_oauth_apps());
        manageable()
            .find(|a| a.owner.kind() == preferred)
            .or_else(|| manageable().next())
            .or(owners.first())
            .map(|a| a.owner.sid.clone())
            .context("you belong to no account or organization; ask an Owner to add you")
    }
}

async fn apps(ctx: &Session, command: AppsCommand) -> anyhow::Result<()> {
    match command {
        AppsCommand::Create(args) => create(ctx, args).await,
        AppsCommand::List(args) => list(ctx, args).await,
        AppsCommand::Show { id } => {
            let app = ctx.backend.app(&id).await?;
            ctx.out.app(
                &AppJson::from(&app),
                app.authorization_url(ctx.backend.issuer()),
            )
        }
        AppsCommand::Update(args) => update(ctx, args).await,
        AppsCommand::RotateSecret { id, grace } => {
            let rotated = ctx.backend.rotate_secret(&id, grace).await?;
            ctx.out.credentials(&CredentialsJson {
                client_id: rotated.app.sid.to_string(),
                client_secret: rotated.secret.expose().to_owned(),
                authorization_url: rotated.app.authorization_url(ctx.backend.issuer()),
                previous_secret_expires_at: rotated.previous_expires_at.map(|t| t.to_rfc3339()),
                app: AppJson::from(&rotated.app),
            })
        }
        AppsCommand::EndGrace { id, yes } => {
            if !yes {
                let app = ctx.backend.app(&id).await?;
                confirm_end_grace(&app)?;
            }
            let app = ctx.backend.end_grace(&id, None).await?;
            ctx.out.grace_ended(&AppJson::from(&app))
        }
        AppsCommand::Delete { id, yes } => {
            if !yes {
                let app = ctx.backend.app(&id).await?;
                confirm_delete(&app.settings.name, &id)?;
            }
            let deleted = ctx.backend.delete_app(&id, None).await?;
            ctx.out.deleted(&AppJson::from(&deleted))
        }
    }
}

async fn create(ctx: &Session, args: CreateArgs) -> anyhow::Result<()> {
    let preferred = match args.grant_type {
        GrantType::AuthorizationCode => OwnerKind::Organization,
        GrantType::ClientCredentials => OwnerKind::Account,
    };
    let owner = ctx.owner_or_default(args.owner, preferred).await?;
    let settings = AppSettings {
        name: args.name,
        description: args.description,
        scopes: args.scopes,
        token_ttl: args.token_ttl.unwrap_or(crate::model::DEFAULT_TOKEN_TTL),
        company_name: args.company,
        images: args.images,
        homepage_url: args.homepage,
        terms_url: args.terms,
        redirect_uris: args.redirect_uris,
    };
    let created = ctx
        .backend
        .create_app(NewApp {
            owner,
            grant_type: args.grant_type,
            settings,
            region: args.region,
        })
        .await?;
    ctx.out.credentials(&CredentialsJson {
        client_id: created.app.sid.to_string(),
        client_secret: created.secret.expose().to_owned(),
        authorization_url: created.app.authorization_url(ctx.backend.issuer()),
        previous_secret_expires_at: None,
        app: AppJson::from(&created.app),
    })
}

async fn list(ctx: &Session, args: ListArgs) -> anyhow::Result<()> {
    let owner = ctx.owner_or_default(args.owner, OwnerKind::Account).await?;
    let page = ctx
        .backend
        .apps(
            &owner,
            ListApps {
                name_contains: args.name,
                page_size: args.limit,
                after: args.after,
                ..ListApps::default()
            },
        )
        .await?;
    let apps: Vec<AppJson> = page.items.iter().map(AppJson::from).collect();
    ctx.out.apps(&apps, page.next.as_deref())
}

async fn update(ctx: &Session, args: UpdateArgs) -> anyhow::Result<()> {
    let non_empty = |list: Vec<String>| (!list.is_empty()).then_some(list);
    let scopes = if args.add_scopes.is_empty() && args.remove_scopes.is_empty() {
        non_empty(args.scopes)
    } else {
        let current = ctx.backend.app(&args.id).await?;
        let mut scopes = current.settings.scopes;
        scopes.retain(|s| !args.remove_scopes.contains(s));
        scopes.extend(args.add_scopes);
        Some(scopes)
    };
    let update = AppUpdate {
        name: args.name,
        description: args.description,
        scopes,
        token_ttl: args.token_ttl,
        company_name: args.company,
        images: non_empty(args.images),
        homepage_url: args.homepage,
        terms_url: args.terms,
        redirect_uris: non_empty(args.redirect_uris),
        expected_version: None,
    };
    let app = ctx.backend.update_app(&args.id, update).await?;
    ctx.out.app(
        &AppJson::from(&app),
        app.authorization_url(ctx.backend.issuer()),
    )
}

/// Ending a grace period cannot be undone and may stop a client still on the old secret, so on a
/// terminal the person says yes; elsewhere the script must say `--yes`. Which secret would end is
/// the service's to decide: an app with one secret is refused by it, with its reason.
fn confirm_end_grace(app: &AppView) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let id = &app.sid;
    if !stdin.is_terminal() {
        bail!(
            "ending the grace period of {id} needs confirmation: pass --yes (standard input is not a terminal)"
        );
    }
    if let Some(older) = app.secret_in_grace() {
        eprint!(
            "End the grace period of secret {} of '{}' ({id}) now? Clients still using it are refused at once.\nType yes to confirm: ",
            older.id, app.settings.name
        );
        let mut typed = String::new();
        stdin.lock().read_line(&mut typed)?;
        if !typed.trim().eq_ignore_ascii_case("yes") {
            bail!("not ended: type yes to end the grace period");
        }
    }
    Ok(())
}

/// Deleting cannot be undone, so on a terminal the person types the app's name; elsewhere the
/// script must say `--yes`.
fn confirm_delete(name: &str, id: &Sid) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(NotConfirmed(format!(
            "deleting {id} needs confirmation: pass --yes (standard input is not a terminal)"
        ))
        .into());
    }
    eprint!(
        "Delete '{name}' ({id})? Its secrets and every token issued to it stop working at once.\nType the app's name to confirm: "
    );
    let mut typed = String::new();
    stdin.lock().read_line(&mut typed)?;
    if typed.trim() != name {
        return Err(NotConfirmed(format!(
            "not deleted: the name typed does not match '{name}'"
        ))
        .into());
    }
    Ok(())
}

async fn authorized(ctx: &Session, command: AuthorizedCommand) -> anyhow::Result<()> {
    match command {
        AuthorizedCommand::List {
            owner,
            limit,
            after,
        } => {
            let owner = ctx.owner_or_default(owner, OwnerKind::Organization).await?;
            let page = ctx
                .backend
                .authorized_apps(&owner, None, limit, after)
                .await?;
            let rows: Vec<AuthorizationJson> =
                page.items.iter().map(AuthorizationJson::from).collect();
            ctx.out.authorizations(&rows, page.next.as_deref())
        }
        AuthorizedCommand::Revoke { id, yes } => {
            if !yes {
                confirm(&format!(
                    "Revoke authorization {id}? The app's refresh and access tokens from it stop working at once."
                ))?;
            }
            let revoked = ctx.backend.revoke_authorization(&id).await?;
            ctx.out.revoked(&AuthorizationJson::from(&revoked))
        }
    }
}

/// Asks yes or no on a terminal; elsewhere the script must say `--yes`.
fn confirm(question: &str) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(NotConfirmed(
            "this needs confirmation: pass --yes (standard input is not a terminal)".to_owned(),
        )
        .into());
    }
    eprint!("{question}\nType yes to confirm: ");
    let mut typed = String::new();
    stdin.lock().read_line(&mut typed)?;
    if typed.trim() != "yes" {
        return Err(NotConfirmed("nothing was changed".to_owned()).into());
    }
    Ok(())
}

async fn audit(ctx: &Session, args: AuditArgs) -> anyhow::Result<()> {
    let page = ctx
        .backend
        .audit_events(AuditFilter {
            owner: args.owner,
            app: args.app,
            event_type: args.event_type,
            page_size: args.limit,
            after: args.after,
        })
        .await?;
    let events: Vec<AuditEventJson> = page.items.iter().map(AuditEventJson::from).collect();
    ctx.out.audit(&events, page.next.as_deref())
}

async fn users(ctx: &Session, command: Option<UsersCommand>) -> anyhow::Result<()> {
    match command {
        None => {
            let users = ctx.backend.users().await?;
            ctx.out
                .users(&users.iter().map(UserJson::from).collect::<Vec<_>>())
        }
        Some(UsersCommand::Add {
            username,
            owner,
            role,
            password_stdin,
            read_only_user,
        }) => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let (user, generated) = ctx
                .backend
                .add_user(NewUser {
                    username,
                    password,
                    owner,
                    role,
                    read_only: read_only_user,
                })
                .await?;
            ctx.out.user_added(
                &UserJson::from(&user),
                generated.as_ref().map(|p| p.expose()),
            )
        }
        Some(UsersCommand::SetReadOnly {
            username,
            read_only,
        }) => {
            let user = ctx.backend.set_read_only(&username, read_only).await?;
            ctx.out.user_changed(&UserJson::from(&user))
        }
    }
}

/// Used by `scopes`: the catalog grouped by area, empty areas included (Serverless has none yet).
fn scope_groups(kind: OwnerKind) -> Vec<(&'static str, &'static [scopes::Permission])> {
    scopes::catalog()
        .by_area(kind)
        .map(|(area, permissions)| (area.name(), permissions))
        .collect()
}
