//! The command line as typed: clap structures and nothing else. [`super::run`] turns them into
//! service calls. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::api::FileFormat;
use crate::model::{AuditEventType, GrantType, RefreshTokenTtl, Role, Seconds, Sid, SigningAlg};

/// Administer OAuth 2.0 apps the way the Twilio Console does.
///
/// With no command, opens the console (a terminal UI) over the embedded store, or over a running
/// server with --server.
#[derive(Debug, Parser)]
#[command(name = "oauth-console", version, after_long_help = super::failure::EXIT_STATUS_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// With the console: also run the authorization server on this address (e.g.
    /// 127.0.0.1:8080) over the same store until the console closes; its log goes to
    /// server.YYYY-MM-DD.log in the data directory, a file a day, the last 7 kept
    #[arg(long, value_name = "ADDR")]
    pub serve: Option<std::net::SocketAddr>,
    /// The console's colours: default for dark terminals, light for light and Solarized ones;
    /// NO_COLOR set to anything turns colour off whichever is chosen
    #[arg(
        long,
        env = "OAUTH_CONSOLE_THEME",
        value_name = "THEME",
        default_value = "default"
    )]
    pub theme: ThemeName,
    /// None opens the console.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses `args` (the program's name first) as clap does, and refuses, as a usage error, a
    /// flag typed with `--server` that would otherwise mean nothing there.
    pub fn from_command_line<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::from_command_line_with(Cli::command(), args).map(|(cli, _, _)| cli)
    }

    /// As [`Cli::from_command_line`], over `command` (the config file's values as defaults,
    /// say); also gives the matches and the built command, which tell where each value came from.
    pub fn from_command_line_with<I, T>(
        mut command: clap::Command,
        args: I,
    ) -> Result<(Cli, ArgMatches, clap::Command), clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = command.try_get_matches_from_mut(args)?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))?;
        match cli.ignored_over_a_server(&matches) {
            Some(why) => Err(command.error(ErrorKind::ArgumentConflict, why)),
            None => Ok((cli, matches, command)),
        }
    }

    /// Why a flag typed on the command line does not apply over a server, if one was. Only typed
    /// flags count: a variable exported for local work (`OAUTH_CONSOLE_DATA_DIR`) stays out of
    /// the way of `--server`, as an exported `OAUTH_CONSOLE_SERVER` stays out of `serve`'s.
    fn ignored_over_a_server(&self, matches: &ArgMatches) -> Option<String> {
        let on_data_dir = matches!(
            self.command,
            Some(
                Command::Serve(_)
                    | Command::Keys(_)
                    | Command::Replay { .. }
                    | Command::Backup { .. }
                    | Command::Migrate { .. }
                    | Command::Restore { .. }
            )
        );
        if self.global.server.is_none() || on_data_dir {
            return None;
        }
        let (server, without) = match matches.value_source("server") {
            Some(ValueSource::EnvVariable) => (
                "with OAUTH_CONSOLE_SERVER set",
                "unset OAUTH_CONSOLE_SERVER",
            ),
            // No built-in default: a default is the config file's.
            Some(ValueSource::DefaultValue) => (
                "with `server` in the config file",
                "remove `server` from the config file",
            ),
            _ => ("with --server", "drop --server"),
        };
        let typed = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
        if typed("user") {
            Some(format!(
                "--user does not apply {server}: the server decides who you are, the user you signed in as; to act as another, sign in as them with `oauth-console login --username NAME`"
            ))
        } else if typed("data_dir") {
            Some(format!(
                "--data-dir does not apply {server}: the server keeps the data in its own data directory; {without} to work on the embedded store"
            ))
        } else if typed("database_url") {
            Some(format!(
                "--database-url does not apply {server}: the server keeps the data in its own store, whichever it was started over; {without} to work on the database directly"
            ))
        } else if typed("issuer") {
            Some(format!(
                "--issuer does not apply {server}: the server's own issuer names its tokens and authorization URLs; give it to the server with `oauth-console serve --issuer URL`"
            ))
        } else if typed("serve") {
            Some(format!(
                "--serve does not apply {server}: it runs a server over the embedded store beside the console, and the console would work over the other server; {without} to use --serve"
            ))
        } else {
            None
        }
    }
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where the embedded store keeps its data [default: the platform's data directory]
    #[arg(
        long,
        global = true,
        env = "OAUTH_CONSOLE_DATA_DIR",
        value_name = "DIR"
    )]
    pub data_dir: Option<PathBuf>,
    /// Keep the store in this PostgreSQL database instead of the data directory
    /// (postgres://USER:PASSWORD@HOST:5432/DATABASE), so that several `serve` processes share
    /// it; every command and the console work over it too
    #[arg(
        long,
        global = true,
        env = "OAUTH_CONSOLE_DATABASE_URL",
        // The URL holds a password: never shown by --help, nor in a parse error.
        hide_env_values = true,
        value_name = "URL",
        value_parser = DatabaseUrl::from_arg
    )]
    pub database_url: Option<DatabaseUrl>,
    /// Act as this user of the embedded store [default: the store's first user]
    #[arg(long, global = true, env = "OAUTH_CONSOLE_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// Print machine-readable JSON instead of tables
    #[arg(long, global = true)]
    pub json: bool,
    /// The authorization server's public URL: the `iss` of its tokens and the base of
    /// authorization URLs [default: http://127.0.0.1:8080, or for `serve` http:// and the
    /// --listen address]
    #[arg(long, global = true, env = "OAUTH_CONSOLE_ISSUER", value_name = "URL")]
    pub issuer: Option<String>,
    /// Work over a running `oauth-console serve` at this URL instead of the embedded store (sign
    /// in first with `oauth-console login --server URL`, or in the console); --data-dir, --user,
    /// --issuer and --serve do not apply with it. `serve`, `keys`, `backup` and `restore` always
    /// work on a data directory
    #[arg(long, global = true, env = "OAUTH_CONSOLE_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Where `login` keeps session tokens and the console finds keys.toml [default: the
    /// platform's config directory]
    #[arg(
        long,
        global = true,
        env = "OAUTH_CONSOLE_CONFIG_DIR",
        value_name = "DIR"
    )]
    pub config_dir: Option<PathBuf>,
    /// Trust an https server's certificate only if the CA in this PEM file signed it, instead of
    /// the platform's CAs (as curl's --cacert): for --server and the token tool, with a private
    /// CA or a self-signed certificate
    #[arg(
        long,
        global = true,
        env = "OAUTH_CONSOLE_CA_CERT",
        value_name = "FILE"
    )]
    pub ca_cert: Option<PathBuf>,
    /// Open everything to read and refuse every change (create, edit, rotate, end grace,
    /// delete, revoke, import, adding and changing users, rotating signing keys) before it is
    /// made; the console hides the keys of changes and says READ-ONLY
    #[arg(long, global = true, env = "OAUTH_CONSOLE_READ_ONLY")]
    pub read_only: bool,
    /// The console for demos and screen shares: SIDs and client IDs show only their first and
    /// last four characters and secrets are masked on screen (Copy still copies them)
    #[arg(long, global = true, env = "OAUTH_CONSOLE_PRESENT")]
    pub present: bool,
    /// The config file: flags' values written down once (see `oauth-console config show`); a
    /// typed flag or its environment variable wins over it [default: config.toml in the config
    /// directory]
    #[arg(long, global = true, env = "OAUTH_CONSOLE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// A PostgreSQL URL as given. It may hold a password, so its `Debug` shows none of it and only
/// the store, which never repeats it, reads it.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Takes anything: checking it here would have clap repeat it, password and all, in its error.
    fn from_arg(text: &str) -> Result<DatabaseUrl, std::convert::Infallible> {
        Ok(DatabaseUrl(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(…)")
    }
}

/// Where the server listens unless told otherwise, and so the issuer local commands assume.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_ISSUER: &str = "http://127.0.0.1:8080";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, show, update, rotate the secret of, and delete OAuth apps
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Show audit events, newest first
    Audit(AuditArgs),
    /// List the scopes (permissions) an app may be given
    Scopes(ScopesArgs),
    /// List or revoke the authorized applications of an organization
    #[command(subcommand)]
    Authorized(AuthorizedCommand),
    /// List the accounts, subaccounts and organizations you belong to, with your role
    Owners,
    /// List users, or add one
    Users {
        #[command(subcommand)]
        command: Option<UsersCommand>,
    },
    /// Sign in to the server of --server; later commands with --server act as this user
    Login {
        /// [default: asked for on the terminal]
        #[arg(long, value_name = "NAME")]
        username: Option<String>,
        /// Read the password from standard input instead of asking for it (for scripts)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign out of the server of --server and forget its session token here
    Logout,
    /// Run the authorization server (token endpoint, JWKS, introspection, revocation) and the
    /// management API over HTTP until Ctrl-C or SIGTERM
    Serve(ServeArgs),
    /// Manage the keys that sign access tokens
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write a consistent copy of the whole embedded store (every record; secrets only as their
    /// digests) to FILE, also while `serve` runs on the data directory
    Backup {
        /// Where to write the backup; it holds the signing keys, so it is made owner-only
        file: PathBuf,
    },
    /// Make a store in an empty data directory from a backup: every client secret, refresh
    /// token and signing key of the backed-up store works again
    Restore {
        /// A file written by `oauth-console backup`
        file: PathBuf,
    },
    /// Copy the embedded store of the data directory (every record: owners, users, apps with
    /// their secrets' digests, audit events, authorizations, codes, refresh tokens, signing keys,
    /// sessions) into an empty PostgreSQL database, in one transaction; stop `serve` first.
    /// Afterwards, run with --database-url: every client secret, refresh token and token
    /// signature keeps working
    Migrate {
        /// The empty database: postgres://USER:PASSWORD@HOST:5432/DATABASE
        #[arg(long, value_name = "URL", value_parser = DatabaseUrl::from_arg)]
        to: DatabaseUrl,
    },
    /// Write the apps' definitions (no secrets), keyed by client ID, as JSON or YAML
    Export(ExportArgs),
    /// Make the apps match a file written by `export`: create the missing, update the different,
    /// leave the equal alone; one change of the store, or none
    Import(ImportArgs),
    /// Print the shell code that completes commands, flags, client IDs and SIDs (see the README's
    /// "Shell completions" for where to put it)
    Completions {
        /// bash, zsh, fish or powershell
        shell: CompletionShell,
    },
    /// Write a man page for every command into DIR (oauth-console.1, oauth-console-apps.1, …)
    Man {
        /// Where to write the pages, e.g. ~/.local/share/man/man1; made if missing
        dir: PathBuf,
    },
    /// Show the settings in force and where each came from: a flag, the environment, the config
    /// file or the default
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run a console scenario file headless against a fresh store and print its marked frames,
    /// or record it as an asciinema cast and SVG pictures
    Replay {
        /// The scenario: key presses, typed text, waits and `snapshot NAME` marks (see
        /// assets/scenarios/)
        file: PathBuf,
        /// Write the scenario as an asciinema v2 recording (`asciinema play FILE`): keys at a
        /// readable pace, each `wait` as that much time
        #[arg(long, value_name = "FILE")]
        cast: Option<PathBuf>,
        /// Write one SVG picture of the screen per `snapshot`, as DIR/NAME.svg
        #[arg(long, value_name = "DIR")]
        svg: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on
    #[arg(long, env = "OAUTH_CONSOLE_LISTEN", value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: std::net::SocketAddr,
    /// The algorithm of the key that signs access tokens: ES256 or RS256; one other than the
    /// current key's rotates the signing key at start [default: the current key's; ES256 for a
    /// new store]
    #[arg(long, value_name = "ALG")]
    pub signing_alg: Option<SigningAlg>,
    /// The `aud` of tokens requested without `audience` [default: the issuer]
    #[arg(long, value_name = "URL")]
    pub audience: Option<String>,
    /// Connections open at once at most; past it idle ones are closed to make room, and a new
    /// one that finds none answers 503 with Retry-After. Keep it below the process's descriptor
    /// limit (`ulimit -n`)
    #[arg(long, env = "OAUTH_CONSOLE_MAX_CONNECTIONS", value_name = "N",
        default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// How long a refresh token lasts unused, 1m to 30d: each use issues the next one, and a
    /// spent one is kept (to catch its replay) until it would have expired
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    pub refresh_token_ttl: RefreshTokenTtl,
    /// Serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate chain, the server's own
    /// certificate first; the issuer then defaults to https://. SIGHUP reads it and --tls-key
    /// again, for new connections, without dropping open ones
    #[arg(
        long,
        env = "OAUTH_CONSOLE_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert, in PEM (PKCS#8, or RSA or EC)
    #[arg(
        long,
        env = "OAUTH_CONSOLE_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Failed client or user authentications one client ID or username may have from one
    /// address within a minute before that address is refused for it (429); across addresses
    /// it may have twice as many
    #[arg(long, value_name = "N",
        default_value_t = crate::server::LimiterConfig::default().per_pair,
        value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_failed_attempts: u32,
    /// After SIGTERM or Ctrl-C, how long to go on serving with /readyz answering 503 before
    /// refusing new connections, 0s to 5m: long enough for the load balancer's health checks to
    /// take the server out of rotation
    #[arg(long, env = "OAUTH_CONSOLE_DRAIN_DELAY", value_name = "DURATION",
        default_value = "5s", value_parser = drain_delay)]
    pub drain_delay: std::time::Duration,
    /// Serve /metrics (with /healthz and /readyz) on this address only, e.g. a private
    /// interface for the monitoring system [default: on --listen, to this machine only]
    #[arg(long, env = "OAUTH_CONSOLE_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// The log's format on standard error: text for people, or json, one object a line with
    /// each request's id, route, status, latency and client ID
    #[arg(
        long,
        env = "OAUTH_CONSOLE_LOG_FORMAT",
        value_name = "FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Every key of config.toml with its value in force (secrets masked) and where it came from
    Show,
}

/// The console's themes, as `--theme` and the config file name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeName {
    Default,
    Light,
}

/// How `serve` writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The longest `--drain-delay`: past it a deployment's stop would look hung.
const MAX_DRAIN_DELAY: Seconds = Seconds(5 * 60);

fn drain_delay(text: &str) -> Result<std::time::Duration, String> {
    let delay: Seconds = text.parse().map_err(|error| format!("{error}"))?;
    if delay > MAX_DRAIN_DELAY {
        return Err(format!(
            "'{text}' is longer than the drain delay's limit of 5m: a balancer needs a few health checks, seconds each"
        ));
    }
    Ok(std::time::Duration::from_secs(u64::from(delay.0)))
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only this owner's apps [default: every owner whose apps you manage]
    #[arg(long, value_name = "SID")]
    pub owner: Option<Sid>,
    /// json or yaml [default: yaml for a FILE ending .yaml or .yml, json otherwise]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<FileFormat>,
    /// Where to write [default: standard output]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A file written by `export` (YAML when it ends .yaml or .yml, JSON otherwise), edited or
    /// not
    pub file: PathBuf,
    /// Print what would be created, updated, left alone and deleted, and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Also delete the apps of the file's owners that the file does not list
    #[arg(long)]
    pub prune: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new signing key; the old ones stay in the JWKS until every token they signed has
    /// expired (30 days at most). Run it while the server is stopped: it owns the data directory
    Rotate {
        /// The new key's algorithm: ES256 or RS256
        #[arg(long, value_name = "ALG", default_value = "ES256")]
        signing_alg: SigningAlg,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Create an app; prints its client ID and client secret (shown only now)
    Create(CreateArgs),
    /// List the apps of an owner, newest first
    List(ListArgs),
    /// Show one app
    Show { id: Sid },
    /// Change an app's details or access settings
    Update(UpdateArgs),
    /// Issue a new client secret; the old one keeps working for the grace period
    RotateSecret {
        id: Sid,
        /// How long the old secret keeps working: 0 to 30d (0 ends it at once)
        #[arg(long, default_value = "1d", value_name = "DURATION")]
        grace: Seconds,
    },
    /// End the grace period of the older secret now: it stops working at once, no secret is made
    EndGrace {
        id: Sid,
        /// Do not ask for confirmation (for scripts)
        #[arg(long)]
        yes: bool,
    },
    /// Delete an app: its secrets and tokens stop working at once
    Delete {
        id: Sid,
        /// Do not ask for confirmation (for scripts)
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Application name (1 to 64 characters)
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "")]
    pub description: String,
    /// The account, subaccount or organization the app belongs to [default: your first account, or
    /// your first organization for authorization-code apps]
    #[arg(long, value_name = "SID")]
    pub owner: Option<Sid>,
    #[arg(long, default_value = "client-credentials")]
    pub grant_type: GrantType,
    /// A scope to grant; repeat for more (1 to 100; see `oauth-console scopes`)
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// How long access tokens live: 1m to 30d [default: 1h]
    #[arg(long, value_name = "DURATION")]
    pub token_ttl: Option<Seconds>,
    /// Redirect URL of an authorization-code app; repeat for more
    #[arg(long = "redirect-uri", value_name = "URL")]
    pub redirect_uris: Vec<String>,
    /// Company name shown on the consent page (authorization-code apps)
    #[arg(long, value_name = "NAME", default_value = "")]
    pub company: String,
    /// Homepage URL (authorization-code apps)
    #[arg(long, value_name = "URL", default_value = "")]
    pub homepage: String,
    /// Terms of service URL (authorization-code apps)
    #[arg(long, value_name = "URL", default_value = "")]
    pub terms: String,
    /// Image URL shown on the consent page; repeat for more (authorization-code apps)
    #[arg(long = "image", value_name = "URL")]
    pub images: Vec<String>,
    /// Twilio region; OAuth apps exist in us1 only
    #[arg(long)]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Whose apps [default: your first account]
    #[arg(long, value_name = "SID")]
    pub owner: Option<Sid>,
    /// Only apps whose name contains this (ignoring case)
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,
    /// Apps per page (1 to 1000)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Start after this page token (printed at the end of the previous page)
    #[arg(long, value_name = "TOKEN")]
    pub after: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    pub id: Sid,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Replace the scopes with these; repeat for more
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Add a scope to the ones the app has; repeat for more
    #[arg(long = "add-scope", value_name = "SCOPE", conflicts_with = "scopes")]
    pub add_scopes: Vec<String>,
    /// Remove a scope from the ones the app has; repeat for more
    #[arg(long = "remove-scope", value_name = "SCOPE", conflicts_with = "scopes")]
    pub remove_scopes: Vec<String>,
    #[arg(long, value_name = "DURATION")]
    pub token_ttl: Option<Seconds>,
    /// Replace the redirect URLs with these; repeat for more
    #[arg(long = "redirect-uri", value_name = "URL")]
    pub redirect_uris: Vec<String>,
    #[arg(long, value_name = "NAME")]
    pub company: Option<String>,
    #[arg(long, value_name = "URL")]
    pub homepage: Option<String>,
    #[arg(long, value_name = "URL")]
    pub terms: Option<String>,
    /// Replace the image URLs with these; repeat for more
    #[arg(long = "image", value_name = "URL")]
    pub images: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuthorizedCommand {
    /// List the apps people of an organization have authorized, newest first
    List {
        /// The organization [default: your first organization]
        #[arg(long, value_name = "SID")]
        owner: Option<Sid>,
        /// Authorizations per page (1 to 1000)
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, value_name = "TOKEN")]
        after: Option<String>,
    },
    /// Revoke an authorization: its refresh and access tokens stop working at once
    Revoke {
        /// The authorization's SID (AZ…), from `authorized list`
        id: Sid,
        /// Do not ask for confirmation (for scripts)
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this app's events
    #[arg(long, value_name = "ID")]
    pub app: Option<Sid>,
    /// Only this type: oauth-apps.created, .updated, .deleted, .secret-rotated,
    /// .secret-grace-ended, .authorized or .authorization-revoked
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: Option<AuditEventType>,
    /// Only this owner's events [default: every owner whose apps you manage]
    #[arg(long, value_name = "SID")]
    pub owner: Option<Sid>,
    /// Events per page (1 to 1000)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long, value_name = "TOKEN")]
    pub after: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScopesArgs {
    /// The scopes for this owner's apps (accounts and organizations have different ones)
    /// [default: your first account]
    #[arg(long, value_name = "SID")]
    pub owner: Option<Sid>,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user with a role for one owner; prints a generated password unless
    /// --password-stdin is given
    Add {
        username: String,
        #[arg(long, value_name = "SID")]
        owner: Sid,
        /// Owner, Administrator, Developer, Billing or Support
        #[arg(long)]
        role: Role,
        /// Read the password from standard input instead of generating one
        #[arg(long)]
        password_stdin: bool,
        /// The user may sign in and read, and every change they ask for is refused (not
        /// --read-only, which would make this command read-only and refuse adding anyone)
        #[arg(long)]
        read_only_user: bool,
    },
    /// Mark a user read-only (they may sign in and read; every change is refused), or lift it
    SetReadOnly {
        username: String,
        /// true or false
        #[arg(action = clap::ArgAction::Set, value_name = "true|false")]
        read_only: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("oauth-console").chain(args.iter().copied()))
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        let before = parse(&["--data-dir", "/tmp/x", "--json", "apps", "list"]).unwrap();
        let after = parse(&["apps", "list", "--data-dir", "/tmp/x", "--json"]).unwrap();
        for cli in [before, after] {
            assert_eq!(cli.global.data_dir, Some(PathBuf::from("/tmp/x")));
            assert!(cli.global.json);
        }
    }

    #[test]
    fn tls_cert_and_tls_key_come_together() {
        let Some(Command::Serve(serve)) =
            parse(&["serve", "--tls-cert", "c.pem", "--tls-key", "k.pem"])
                .unwrap()
                .command
        else {
            panic!("not serve")
        };
        assert_eq!(serve.tls_cert, Some(PathBuf::from("c.pem")));
        assert_eq!(serve.tls_key, Some(PathBuf::from("k.pem")));
        for alone in [["--tls-cert", "c.pem"], ["--tls-key", "k.pem"]] {
            let error = parse(&["serve", alone[0], alone[1]]).unwrap_err();
            assert_eq!(
                error.kind(),
                ErrorKind::MissingRequiredArgument,
                "{alone:?}"
            );
        }
    }

    #[test]
    fn grace_defaults_to_one_day_and_takes_durations() {
        let sid = format!("OQ{}", "0".repeat(32));
        let Some(Command::Apps(AppsCommand::RotateSecret { grace, .. })) =
            parse(&["apps", "rotate-secret", &sid]).unwrap().command
        else {
            panic!("not rotate-secret")
        };
        assert_eq!(grace, Seconds::DAY);
        let Some(Command::Apps(AppsCommand::RotateSecret { grace, .. })) =
            parse(&["apps", "rotate-secret", &sid, "--grace", "0"])
                .unwrap()
                .command
        else {
            panic!("not rotate-secret")
        };
        assert_eq!(grace, Seconds(0));
    }

    #[test]
    fn a_bad_token_ttl_names_the_format() {
        let error = parse(&["apps", "create", "--name", "x", "--token-ttl", "soon"]).unwrap_err();
        assert!(
            error.to_string().contains("like 90s, 15m, 1h or 30d"),
            "{error}"
        );
    }

    #[test]
    fn serve_listens_on_loopback_8080_and_keeps_the_signing_key_unless_told() {
        let Some(Command::Serve(args)) = parse(&["serve"]).unwrap().command else {
            panic!("not serve")
        };
        assert_eq!(args.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(args.signing_alg, None);
        let Some(Command::Serve(args)) = parse(&[
            "serve",
            "--listen",
            "0.0.0.0:9000",
            "--signing-alg",
            "rs256",
        ])
        .unwrap()
        .command
        else {
            panic!("not serve")
        };
        assert_eq!(args.listen.port(), 9000);
        assert_eq!(args.signing_alg, Some(SigningAlg::RS256));
        let error = parse(&["serve", "--signing-alg", "HS256"]).unwrap_err();
        assert!(error.to_string().contains("ES256 or RS256"), "{error}");
    }

    #[test]
    fn server_is_a_global_option() {
        let cli = parse(&["apps", "list", "--server", "http://127.0.0.1:8080"]).unwrap();
        assert_eq!(cli.global.server.as_deref(), Some("http://127.0.0.1:8080"));
        let Some(Command::Login {
            username,
            password_stdin,
        }) = parse(&[
            "login",
            "--server",
            "http://x",
            "--username",
            "ada",
            "--password-stdin",
        ])
        .unwrap()
        .command
        else {
            panic!("not login")
        };
        assert_eq!(username.as_deref(), Some("ada"));
        assert!(password_stdin);
    }

    #[test]
    fn flags_that_mean_nothing_over_a_server_are_refused_naming_the_flag() {
        let check = |args: &[&str], flag: &str| {
            let typed = std::iter::once("oauth-console").chain(args.iter().copied());
            let error = Cli::from_command_line(typed).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ArgumentConflict, "{args:?}");
            assert_eq!(error.exit_code(), 2);
            let said = error.to_string();
            assert!(
                said.starts_with(&format!("error: {flag} does not apply with --server: ")),
                "{said}"
            );
        };
        let server = ["--server", "http://127.0.0.1:8080"];
        check(
            &[&server[..], &["--user", "bob", "apps", "list"]].concat(),
            "--user",
        );
        check(
            &[&server[..], &["apps", "list", "--user", "bob"]].concat(),
            "--user",
        );
        check(
            &[&server[..], &["--data-dir", "/tmp/x", "audit"]].concat(),
            "--data-dir",
        );
        check(
            &[&server[..], &["--issuer", "https://id.example"]].concat(),
            "--issuer",
        );
        check(
            &[
                &server[..],
                &["apps", "list", "--database-url", "postgres://u@h/d"],
            ]
            .concat(),
            "--database-url",
        );
        check(
            &[&server[..], &["--serve", "127.0.0.1:8080"]].concat(),
            "--serve",
        );
        check(
            &[&server[..], &["login", "--user", "admin"]].concat(),
            "--user",
        );
        // The data directory's own commands ignore --server, as they ignore an exported one.
        for args in [
            vec!["serve", "--data-dir", "/tmp/x", "--server", "http://x"],
            vec![
                "keys",
                "rotate",
                "--data-dir",
                "/tmp/x",
                "--server",
                "http://x",
            ],
            vec!["--server", "http://x", "apps", "list", "--json"],
            vec!["--data-dir", "/tmp/x", "--user", "bob", "apps", "list"],
        ] {
            let typed = std::iter::once("oauth-console").chain(args.iter().copied());
            assert!(Cli::from_command_line(typed).is_ok(), "{args:?}");
        }
    }

    #[test]
    fn a_bad_client_id_is_refused_before_anything_runs() {
        let error = parse(&["apps", "show", "OQ123"]).unwrap_err();
        assert!(error.to_string().contains("34 characters"), "{error}");
    }
}
