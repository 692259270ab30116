//! The command line as typed: clap structures and nothing else. [`super::run`] turns them into
//! service calls. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::model::{AuditEventType, GrantType, Role, Seconds, Sid, SigningAlg};

/// Administer OAuth 2.0 apps the way the Twilio Console does.
#[derive(Debug, Parser)]
#[command(name = "oauth-console", version, arg_required_else_help = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
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
    /// List the accounts, subaccounts and organizations you belong to, with your role
    Owners,
    /// List users, or add one
    Users {
        #[command(subcommand)]
        command: Option<UsersCommand>,
    },
    /// Run the authorization server (token endpoint, JWKS, introspection, revocation) and the
    /// management API over HTTP until Ctrl-C or SIGTERM
    Serve(ServeArgs),
    /// Manage the keys that sign access tokens
    #[command(subcommand)]
    Keys(KeysCommand),
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

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this app's events
    #[arg(long, value_name = "ID")]
    pub app: Option<Sid>,
    /// Only this type: oauth-apps.created, .updated, .deleted or .secret-rotated
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
    fn grace_defaults_to_one_day_and_takes_durations() {
        let sid = format!("OQ{}", "0".repeat(32));
        let Command::Apps(AppsCommand::RotateSecret { grace, .. }) =
            parse(&["apps", "rotate-secret", &sid]).unwrap().command
        else {
            panic!("not rotate-secret")
        };
        assert_eq!(grace, Seconds::DAY);
        let Command::Apps(AppsCommand::RotateSecret { grace, .. }) =
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
        let Command::Serve(args) = parse(&["serve"]).unwrap().command else {
            panic!("not serve")
        };
        assert_eq!(args.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(args.signing_alg, None);
        let Command::Serve(args) = parse(&[
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
    fn a_bad_client_id_is_refused_before_anything_runs() {
        let error = parse(&["apps", "show", "OQ123"]).unwrap_err();
        assert!(error.to_string().contains("34 characters"), "{error}");
    }
}
