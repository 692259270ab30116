//! What a failed command tells a script: a stable `code` (with `--json`) and an exit status,
//! decided here and nowhere else from the error the command returned. The message stays the
//! service's words; the code and the status are what a script branches on, so they never change
//! with the wording.

use std::process::ExitCode;

use serde::Serialize;

use crate::api::FieldErrorJson;
use crate::backend::BackendError;
use crate::service::ServiceError;
use crate::store::StoreError;

use super::config::ConfigError;

/// Exit statuses, documented in `--help`, the man page and the README.
pub mod exit {
    /// Anything not listed below: a fault of the store, a file that cannot be written, …
    pub const FAILED: u8 = 1;
    /// The command line or the config file is wrong; nothing ran.
    pub const USAGE: u8 = 2;
    /// A value the service refused (each field and its limit is named).
    pub const INVALID: u8 = 3;
    /// The app, owner, user or authorization does not exist, or is not yours to see.
    pub const NOT_FOUND: u8 = 4;
    /// Someone else changed it first, or the name is taken.
    pub const CONFLICT: u8 = 5;
    /// Refused: a role that may not do this, a wrong password, or no session with the server.
    pub const REFUSED: u8 = 6;
    /// The server of `--server` could not be reached, or the database of `--database-url` used.
    pub const UNREACHABLE: u8 = 7;
}

/// The exit statuses as `--help` and the man page show them.
pub const EXIT_STATUS_HELP: &str = "Exit status:
  0  done
  1  failed (a fault of the store or a file; with --json the code says which)
  2  usage: the command line or the config file is wrong, nothing ran (also invalid_database_url)
  3  invalid: a value was refused (code invalid_field; each field and its limit is named)
  4  not found (app_not_found, owner_not_found, user_not_found, authorization_not_found)
  5  conflict: changed by someone else first, or the name is taken (conflict); migrate into a
     database that holds a store (database_not_empty)
  6  refused (forbidden, bad_credentials, bad_client, not_signed_in)
  7  unreachable: the server of --server did not answer (unreachable), or the database of
     --database-url cannot be used (database_unusable) or stopped answering (store_unavailable)

With --json an error is one JSON object on standard error: {\"error\": MESSAGE, \"code\": CODE}, and
for invalid_field also \"errors\": [{\"field\", \"message\"}].";

/// How a failure is reported to a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// Stable, snake_case: what a script matches on.
    pub code: &'static str,
    /// The process's exit status, one of [`exit`].
    pub exit: u8,
}

impl Failure {
    const fn new(code: &'static str, exit: u8) -> Failure {
        Failure { code, exit }
    }

    /// The failure that `error` (as a command returned it, with its context) stands for: the
    /// first error of the chain that has a code of its own decides.
    pub fn of(error: &anyhow::Error) -> Failure {
        error
            .chain()
            .find_map(|cause| {
                if let Some(backend) = cause.downcast_ref::<BackendError>() {
                    Some(of_backend(backend))
                } else if let Some(service) = cause.downcast_ref::<ServiceError>() {
                    Some(of_service(service))
                } else if let Some(store) = cause.downcast_ref::<StoreError>() {
                    Some(of_store(store))
                } else if cause.downcast_ref::<ConfigError>().is_some() {
                    Some(Failure::new("invalid_config", exit::USAGE))
                } else {
                    cause
                        .downcast_ref::<NotConfirmed>()
                        .map(|_| Failure::new("not_confirmed", exit::USAGE))
                }
            })
            .unwrap_or(Failure::new("failed", exit::FAILED))
    }
}

/// A change that needs `--yes` (or the person's typed confirmation) and did not get it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotConfirmed(pub String);

fn of_service(error: &ServiceError) -> Failure {
    match error {
        ServiceError::Invalid(_) => Failure::new("invalid_field", exit::INVALID),
        ServiceError::NotFound { what, .. } => Failure::new(not_found_code(what), exit::NOT_FOUND),
        ServiceError::Forbidden(_) => Failure::new("forbidden", exit::REFUSED),
        ServiceError::Conflict(_) => Failure::new("conflict", exit::CONFLICT),
        ServiceError::BadCredentials => Failure::new("bad_credentials", exit::REFUSED),
        ServiceError::BadClient => Failure::new("bad_client", exit::REFUSED),
        ServiceError::NotSignedIn(_) => Failure::new("not_signed_in", exit::REFUSED),
        ServiceError::Overloaded { .. } => Failure::new("overloaded", exit::FAILED),
        ServiceError::Crypto(_) => Failure::new("signing_key_error", exit::FAILED),
        ServiceError::Store(store) => of_store(store),
    }
}

/// What commands meet through the `Backend`, over the embedded store or a server alike.
fn of_backend(error: &BackendError) -> Failure {
    match error {
        BackendError::Invalid(_) => Failure::new("invalid_field", exit::INVALID),
        BackendError::NotFound { resource, .. } => {
            Failure::new(not_found_code(resource), exit::NOT_FOUND)
        }
        BackendError::Forbidden(_) => Failure::new("forbidden", exit::REFUSED),
        BackendError::Conflict(_) => Failure::new("conflict", exit::CONFLICT),
        BackendError::BadCredentials => Failure::new("bad_credentials", exit::REFUSED),
        BackendError::BadClient => Failure::new("bad_client", exit::REFUSED),
        BackendError::NotSignedIn(_) => Failure::new("not_signed_in", exit::REFUSED),
        BackendError::Unreachable(_) => Failure::new("unreachable", exit::UNREACHABLE),
        BackendError::Remote(_) => Failure::new("server_error", exit::FAILED),
        BackendError::Cancelled => Failure::new("cancelled", exit::FAILED),
        BackendError::Overloaded { .. } => Failure::new("overloaded", exit::FAILED),
        BackendError::Failed(_) => Failure::new("failed", exit::FAILED),
    }
}

fn of_store(error: &StoreError) -> Failure {
    match error {
        StoreError::Conflict { .. } => Failure::new("conflict", exit::CONFLICT),
        StoreError::Locked { .. } => Failure::new("store_in_use", exit::FAILED),
        StoreError::NewerSchema { .. } => Failure::new("store_too_new", exit::FAILED),
        StoreError::Damaged { .. } | StoreError::Corrupt(_) => {
            Failure::new("store_damaged", exit::FAILED)
        }
        StoreError::Exposed { .. } => Failure::new("store_exposed", exit::FAILED),
        StoreError::NewerDatabaseSchema { .. } => Failure::new("store_too_new", exit::FAILED),
        StoreError::BadDatabaseUrl(_) => Failure::new("invalid_database_url", exit::USAGE),
        StoreError::DatabaseUnusable { .. } => Failure::new("database_unusable", exit::UNREACHABLE),
        StoreError::DatabaseNotEmpty { .. } => Failure::new("database_not_empty", exit::CONFLICT),
        StoreError::Unavailable { .. } => Failure::new("store_unavailable", exit::UNREACHABLE),
        StoreError::BadPageToken(_) => Failure::new("invalid_field", exit::INVALID),
        StoreError::Backend(_) => Failure::new("store_error", exit::FAILED),
    }
}

/// The `what` of [`ServiceError::NotFound`] as a code; one the CLI does not know yet is plain
/// `not_found`, never another kind's code.
fn not_found_code(what: &str) -> &'static str {
    match what {
        "OAuth app" | "client ID" => "app_not_found",
        "owner" => "owner_not_found",
        "user" => "user_not_found",
        "authorization" => "authorization_not_found",
        _ => "not_found",
    }
}

/// The JSON a failed command prints on standard error with `--json`.
#[derive(Debug, Serialize)]
struct FailureJson {
    error: String,
    code: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldErrorJson>,
}

/// Says why the command failed, on standard error (one line, or one JSON object with `json`),
/// and gives the exit status.
pub fn report(error: &anyhow::Error, json: bool) -> ExitCode {
    let failure = Failure::of(error);
    if json {
        let fields = error
            .chain()
            .find_map(|cause| {
                let invalid = match cause.downcast_ref::<BackendError>() {
                    Some(BackendError::Invalid(invalid)) => Some(invalid),
                    _ => match cause.downcast_ref::<ServiceError>() {
                        Some(ServiceError::Invalid(invalid)) => Some(invalid),
                        _ => None,
                    },
                };
                invalid.map(|invalid| invalid.0.iter().map(FieldErrorJson::from).collect())
            })
            .unwrap_or_default();
        let body = FailureJson {
            error: format!("{error:#}"),
            code: failure.code,
            errors: fields,
        };
        match serde_json::to_string(&body) {
            Ok(line) => eprintln!("{line}"),
            Err(_) => eprintln!("error: {error:#}"),
        }
    } else {
        eprintln!("error: {error:#}");
    }
    ExitCode::from(failure.exit)
}

/// A usage error of clap's (not `--help` or `--version`, which clap prints and ends itself): with
/// `json`, one JSON object with the code `usage`; otherwise clap's own words. Exits 2 either way.
pub fn report_usage(usage: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    let shows_help = matches!(
        usage.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !json || shows_help {
        usage.exit()
    }
    let rendered = usage.render().to_string();
    let message = rendered
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ");
    let body = serde_json::json!({ "error": message, "code": "usage" });
    eprintln!("{body}");
    ExitCode::from(exit::USAGE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, FieldError};

    #[test]
    fn a_refusal_keeps_its_code_under_the_context_a_command_adds() {
        let invalid: ServiceError =
            ServiceError::Invalid(FieldError::new(Field::Name, "name is too long").into());
        let wrapped = anyhow::Error::new(invalid).context("apps.json: nothing was imported");
        assert_eq!(
            Failure::of(&wrapped),
            Failure::new("invalid_field", exit::INVALID)
        );
    }

    #[test]
    fn every_kind_of_not_found_has_its_own_code() {
        for (what, code) in [
            ("OAuth app", "app_not_found"),
            ("client ID", "app_not_found"),
            ("owner", "owner_not_found"),
            ("user", "user_not_found"),
            ("authorization", "authorization_not_found"),
            ("planet", "not_found"),
        ] {
            let error = anyhow::Error::new(ServiceError::NotFound {
                what,
                id: "X".into(),
            });
            assert_eq!(Failure::of(&error), Failure::new(code, exit::NOT_FOUND));
        }
    }

    #[test]
    fn a_lost_race_in_the_store_is_a_conflict_and_an_io_error_is_a_plain_failure() {
        let raced = anyhow::Error::new(ServiceError::Store(StoreError::Conflict {
            what: "app".into(),
            write: 0,
        }));
        assert_eq!(Failure::of(&raced).code, "conflict");
        assert_eq!(Failure::of(&raced).exit, exit::CONFLICT);
        let io = anyhow::Error::new(std::io::Error::other("disk full"));
        assert_eq!(Failure::of(&io), Failure::new("failed", exit::FAILED));
    }
}
