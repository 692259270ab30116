//! `config.toml`: the values typed on every start, written down once. Each key of the file is a
//! flag's value (see [`KEYS`]): the file's value becomes the flag's default before the command
//! line is parsed, so clap checks it with the flag's own parser and the precedence is clap's —
//! a typed flag, then the flag's environment variable, then the file, then the built-in default.
//!
//! The file is `config.toml` in the config directory (`--config-dir`, or the platform's), or the
//! one `--config FILE` names. Any mistake in it (a key this build does not know, a value its flag
//! would refuse, a TOML syntax error) is one line naming the file, the line, the key and what is
//! allowed, and the command does not start.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory};
use serde::Serialize;
use toml::de::{DeTable, DeValue};

use super::args::Cli;

/// The file's name in the config directory.
pub const FILE_NAME: &str = "config.toml";

/// One key of `config.toml`: the flag it gives a value to. Adding a key is one line in [`KEYS`],
/// once its flag exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKey {
    /// As written in the file; also the flag's clap id (`--data-dir` is `data_dir`).
    pub name: &'static str,
    /// The subcommand whose flag it is; `None` for a global flag.
    pub command: Option<&'static str>,
    /// What the flag takes, for the message that refuses a value.
    pub allowed: &'static str,
}

impl ConfigKey {
    const fn global(name: &'static str, allowed: &'static str) -> ConfigKey {
        ConfigKey {
            name,
            command: None,
            allowed,
        }
    }

    const fn serve(name: &'static str, allowed: &'static str) -> ConfigKey {
        ConfigKey {
            name,
            command: Some("serve"),
            allowed,
        }
    }
}

/// Every key the file may hold, in the order `config show` lists them.
pub const KEYS: &[ConfigKey] = &[
    ConfigKey::global("issuer", "a URL, like https://id.example.com"),
    ConfigKey::global("data_dir", "a directory"),
    ConfigKey::global("server", "a URL of a running `oauth-console serve`"),
    ConfigKey::global(
        "database_url",
        "a PostgreSQL URL, like postgres://USER:PASSWORD@HOST:5432/DATABASE",
    ),
    ConfigKey::global(
        "ca_cert",
        "a PEM file of the CA that signed the server's certificate",
    ),
    ConfigKey::global("read_only", "true or false"),
    ConfigKey::global("present", "true or false"),
    ConfigKey::global("theme", "default or light"),
    ConfigKey::serve("listen", "an address and port, like 127.0.0.1:8080"),
    ConfigKey::serve("signing_alg", "ES256 or RS256"),
    ConfigKey::serve("audience", "a URL"),
    ConfigKey::serve("max_connections", "a whole number from 1"),
    ConfigKey::serve("max_failed_attempts", "a whole number from 1 to 1000"),
    ConfigKey::serve("refresh_token_ttl", "a duration from 1m to 30d, like 30d"),
    ConfigKey::serve("log_format", "text or json"),
    ConfigKey::serve("tls_cert", "a PEM certificate chain file"),
    ConfigKey::serve("tls_key", "a PEM private key file"),
    ConfigKey::serve("drain_delay", "a duration from 0s to 5m, like 5s"),
    ConfigKey::serve("metrics_listen", "an address and port, like 10.0.0.5:9100"),
];

/// A mistake in the config file, or a file that cannot be read. Its text is the one line that
/// is shown.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// A value the file gives, and where.
#[derive(Debug, Clone)]
struct FileValue {
    key: &'static ConfigKey,
    value: String,
    line: usize,
}

/// A config file, read and checked.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    values: Vec<FileValue>,
}

impl ConfigFile {
    /// Reads and checks `path` against `command`'s flags. A missing file is `None` unless it was
    /// named (`--config`), which makes it an error.
    pub fn load(
        path: &Path,
        named: bool,
        command: &clap::Command,
    ) -> Result<Option<ConfigFile>, ConfigError> {
        let shown = path.display();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !named => {
                return Ok(None);
            }
            Err(error) => return Err(ConfigError(format!("cannot read {shown}: {error}"))),
        };
        ConfigFile::parse(path, &text, command).map(Some)
    }

    fn parse(path: &Path, text: &str, command: &clap::Command) -> Result<ConfigFile, ConfigError> {
        let at = |span: Option<std::ops::Range<usize>>| {
            let line = line_of(text, span.map_or(0, |s| s.start));
            format!("{}:{line}", path.display())
        };
        let table = DeTable::parse(text).map_err(|error| {
            let first = error.message().lines().next().unwrap_or_default();
            ConfigError(format!("{}: {first}", at(error.span())))
        })?;
        let mut entries: Vec<_> = table.get_ref().iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        let mut values = Vec::new();
        for (key, value) in entries {
            let name: &str = key.get_ref();
            let line = line_of(text, key.span().start);
            let place = format!("{}:{line}", path.display());
            let Some(known) = KEYS.iter().find(|k| k.name == name) else {
                return Err(ConfigError(format!(
                    "{place}: unknown key '{name}'; the keys are {}",
                    key_names()
                )));
            };
            let typed = match value.get_ref() {
                DeValue::String(text) => text.to_string(),
                DeValue::Integer(number) => number.to_string(),
                DeValue::Boolean(yes) => yes.to_string(),
                other => {
                    return Err(ConfigError(format!(
                        "{place}: {name} takes {}, not {}",
                        known.allowed,
                        article(other.type_str())
                    )));
                }
            };
            check(known, &typed, command).map_err(|reason| {
                ConfigError(format!(
                    "{place}: {name} = {typed:?} is refused ({reason}); {name} takes {}",
                    known.allowed
                ))
            })?;
            values.push(FileValue {
                key: known,
                value: typed,
                line,
            });
        }
        Ok(ConfigFile {
            path: path.to_owned(),
            values,
        })
    }

    /// `command` with the file's values as its flags' defaults.
    pub fn apply(&self, mut command: clap::Command) -> clap::Command {
        for value in &self.values {
            let default = value.value.clone();
            let set = |arg: clap::Arg| arg.default_value(default);
            command = match value.key.command {
                None => command.mut_arg(value.key.name, set),
                Some(sub) => command.mut_subcommand(sub, |s| s.mut_arg(value.key.name, set)),
            };
        }
        command
    }

    fn value_of(&self, key: &ConfigKey) -> Option<&FileValue> {
        self.values.iter().find(|v| v.key == key)
    }
}

/// The flag `key` stands for in `command`.
fn flag<'c>(
    key: &ConfigKey,
    command: &'c clap::Command,
) -> Option<(&'c clap::Command, &'c clap::Arg)> {
    let owner = match key.command {
        None => command,
        Some(sub) => command.find_subcommand(sub)?,
    };
    let arg = owner.get_arguments().find(|a| a.get_id() == key.name)?;
    Some((owner, arg))
}

/// Whether the flag of `key` would take `value`; why not if not, in its parser's words.
fn check(key: &ConfigKey, value: &str, command: &clap::Command) -> Result<(), String> {
    let Some((_, arg)) = flag(key, command) else {
        return Err(format!(
            "this build has no flag --{}",
            key.name.replace('_', "-")
        ));
    };
    if !arg.get_action().takes_values() {
        // A switch: the file says whether it is on.
        return match value {
            "true" | "false" => Ok(()),
            _ => Err("neither true nor false".to_owned()),
        };
    }
    let Some(long) = arg.get_long() else {
        return Err(format!("--{} takes no value from a file", key.name));
    };
    // The flag alone, typed with this value: clap runs its own parser on it.
    let probe = clap::Command::new("config")
        .no_binary_name(true)
        .arg(arg.clone());
    probe
        .try_get_matches_from([format!("--{long}={value}")])
        .map(|_| ())
        .map_err(|error| refusal_reason(&error))
}

/// Why clap refused a value, without the usage text: the parser's own words, or the values a
/// list of choices allows.
fn refusal_reason(error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    if let Some(cause) = std::error::Error::source(error) {
        return cause.to_string();
    }
    if let Some(ContextValue::Strings(allowed)) = error.get(ContextKind::ValidValue) {
        return format!("not one of {}", allowed.join(", "));
    }
    let rendered = error.render().to_string();
    rendered
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned()
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

fn key_names() -> String {
    KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}

fn article(kind: &str) -> String {
    match kind.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

/// Where the config file is: `--config FILE` (or `OAUTH_CONSOLE_CONFIG`), else `config.toml` in
/// the config directory; and whether it was named.
fn locate(args: &[OsString]) -> Option<(PathBuf, bool)> {
    // Only --config and --config-dir matter here; the real parse reports everything else.
    let matches = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(args)
        .ok();
    let get = |id: &str| {
        matches
            .as_ref()
            .and_then(|m| m.try_get_one::<PathBuf>(id).ok().flatten().cloned())
    };
    if let Some(file) = get("config") {
        return Some((file, true));
    }
    // No home directory: then there is no config directory, nor a file in it.
    let dir = get("config_dir").or_else(|| super::login::default_config_dir().ok())?;
    Some((dir.join(FILE_NAME), false))
}

/// Why the command line was not taken.
#[derive(Debug)]
pub enum Refused {
    Usage(clap::Error),
    Config(ConfigError),
}

/// The command line parsed over the config file's values, and where each value came from.
pub fn parse_command_line(args: Vec<OsString>) -> Result<(Cli, Settings), Refused> {
    let base = Cli::command();
    let file = match locate(&args) {
        Some((path, named)) => ConfigFile::load(&path, named, &base).map_err(Refused::Config)?,
        None => None,
    };
    let command = match &file {
        Some(file) => file.apply(base),
        None => base,
    };
    let (cli, matches, command) =
        Cli::from_command_line_with(command, args).map_err(Refused::Usage)?;
    let settings = Settings::of(&command, &matches, file.as_ref());
    Ok((cli, settings))
}

/// `command` with the config file found from `args` applied, for completing: a file with a
/// mistake is left out rather than said, since nothing may be printed while completing.
pub fn command_for_completing(args: &[OsString]) -> clap::Command {
    let base = Cli::command();
    let file =
        locate(args).and_then(|(path, named)| ConfigFile::load(&path, named, &base).ok().flatten());
    match file {
        Some(file) => file.apply(base),
        None => base,
    }
}

/// Where a value came from, for `config show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// Typed on the command line.
    Flag { flag: String },
    /// The flag's environment variable.
    Environment { variable: String },
    /// The config file, at this line.
    File { file: String, line: usize },
    /// The built-in default.
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag { flag } => write!(f, "flag {flag}"),
            Source::Environment { variable } => write!(f, "environment {variable}"),
            Source::File { file, line } => write!(f, "file {file}:{line}"),
            Source::Default => write!(f, "default"),
        }
    }
}

/// One key's value in force, masked where it holds a secret, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub key: &'static str,
    /// `None` when neither a flag, the environment, the file nor a built-in default sets it (the
    /// command then decides, as `default_is` says).
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_is: Option<String>,
    pub source: Source,
}

/// Every key's [`Setting`], as `config show` prints them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Settings {
    /// The config file read, if one was.
    pub file: Option<String>,
    pub settings: Vec<Setting>,
}

impl Settings {
    fn of(command: &clap::Command, matches: &ArgMatches, file: Option<&ConfigFile>) -> Settings {
        let settings = KEYS
            .iter()
            .filter_map(|key| {
                let (_, arg) = flag(key, command)?;
                let matches = match key.command {
                    None => Some(matches),
                    Some(sub) => matches.subcommand_matches(sub),
                };
                Some(setting(key, arg, matches, file))
            })
            .collect();
        Settings {
            file: file.map(|f| f.path.display().to_string()),
            settings,
        }
    }
}

/// The value of `key` in force: from `matches` when the command parsed its flag, otherwise as
/// clap would resolve it (the environment, the file, the default).
fn setting(
    key: &'static ConfigKey,
    arg: &clap::Arg,
    matches: Option<&ArgMatches>,
    file: Option<&ConfigFile>,
) -> Setting {
    let typed = matches
        .filter(|m| m.value_source(key.name) == Some(ValueSource::CommandLine))
        .and_then(|m| m.get_raw(key.name))
        .and_then(|mut raw| raw.next())
        .map(|raw| raw.to_string_lossy().into_owned());
    let from_env = arg.get_env().and_then(|variable| {
        let value = std::env::var_os(variable).filter(|v| !v.is_empty())?;
        Some((variable.to_string_lossy().into_owned(), value))
    });
    let from_file = file.and_then(|f| f.value_of(key).map(|v| (f, v)));
    let default = arg
        .get_default_values()
        .first()
        .map(|v| v.to_string_lossy().into_owned());
    let (value, source) = if let Some(value) = typed {
        let flag = arg
            .get_long()
            .map_or_else(|| key.name.to_owned(), |long| format!("--{long}"));
        (Some(value), Source::Flag { flag })
    } else if let Some((variable, value)) = from_env {
        (
            Some(value.to_string_lossy().into_owned()),
            Source::Environment { variable },
        )
    } else if let Some((file, value)) = from_file {
        (
            Some(value.value.clone()),
            Source::File {
                file: file.path.display().to_string(),
                line: value.line,
            },
        )
    } else {
        (default, Source::Default)
    };
    let default_is = value
        .is_none()
        .then(|| {
            arg.get_help()
                .and_then(|help| default_in_help(&help.to_string()))
        })
        .flatten();
    Setting {
        key: key.name,
        value: value.map(|v| mask_secrets(&v)),
        default_is,
        source,
    }
}

/// The `[default: …]` a flag's help ends with, for a flag whose default the command decides.
fn default_in_help(help: &str) -> Option<String> {
    let start = help.find("[default: ")? + "[default: ".len();
    let end = help[start..].find(']')? + start;
    Some(
        help[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A value as `config show` may print it: a URL's password (a database URL's, say) masked.
fn mask_secrets(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("****")).is_ok() {
                parsed.to_string()
            } else {
                "****".to_owned()
            }
        }
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        ConfigFile::parse(Path::new("/etc/oc/config.toml"), text, &Cli::command())
    }

    #[test]
    fn every_key_names_a_flag_this_build_has() {
        let command = Cli::command();
        for key in KEYS {
            assert!(flag(key, &command).is_some(), "{} has no flag", key.name);
        }
    }

    #[test]
    fn an_unknown_key_is_one_line_naming_the_file_the_line_and_the_keys() {
        let error = parse("issuer = \"https://id.example\"\n\nlisten_on = \"0.0.0.0:80\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            format!(
                "/etc/oc/config.toml:3: unknown key 'listen_on'; the keys are {}",
                key_names()
            )
        );
        assert!(!error.contains('\n'));
    }

    #[test]
    fn a_bad_value_is_refused_in_its_flags_words_with_what_is_allowed() {
        let error = parse("# serving\nsigning_alg = \"HS256\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("/etc/oc/config.toml:2: signing_alg = \"HS256\" is refused ("),
            "{error}"
        );
        assert!(
            error.ends_with("; signing_alg takes ES256 or RS256"),
            "{error}"
        );
        let error = parse("max_connections = 0").unwrap_err().to_string();
        assert!(
            error.starts_with("/etc/oc/config.toml:1: max_connections = \"0\" is refused"),
            "{error}"
        );
        let error = parse("listen = [\"127.0.0.1:80\"]")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "/etc/oc/config.toml:1: listen takes an address and port, like 127.0.0.1:8080, not an array"
        );
        let error = parse("listen = \"127.0.0.1:80").unwrap_err().to_string();
        assert!(error.starts_with("/etc/oc/config.toml:1: "), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn a_value_outside_a_flags_choices_is_refused_naming_the_choices_and_a_switch_takes_a_boolean()
    {
        // The shape of the flags other parts add (a log format, read-only), one line each in KEYS.
        let command = clap::Command::new("oauth-console")
            .arg(
                clap::Arg::new("log_format")
                    .long("log-format")
                    .value_parser(["text", "json"]),
            )
            .arg(
                clap::Arg::new("read_only")
                    .long("read-only")
                    .action(clap::ArgAction::SetTrue),
            );
        let log_format = ConfigKey::global("log_format", "text or json");
        assert_eq!(
            check(&log_format, "xml", &command),
            Err("not one of text, json".to_owned())
        );
        assert_eq!(check(&log_format, "json", &command), Ok(()));
        let read_only = ConfigKey::global("read_only", "true or false");
        assert_eq!(check(&read_only, "true", &command), Ok(()));
        assert_eq!(
            check(&read_only, "yes", &command),
            Err("neither true nor false".to_owned())
        );
    }

    #[test]
    fn a_url_password_is_masked() {
        assert_eq!(
            mask_secrets("postgres://oc:hunter2@db.example/oc"),
            "postgres://oc:****@db.example/oc"
        );
        assert_eq!(mask_secrets("https://id.example"), "https://id.example");
        assert_eq!(mask_secrets("127.0.0.1:8080"), "127.0.0.1:8080");
    }
}
