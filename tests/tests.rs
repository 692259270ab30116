//! The one integration-test binary (one link on a 2-core machine); a module per area.

mod api;
mod authorizations;
mod authorize;
mod backup;
mod cli;
mod console;
/// The scenarios that mean something over one backend only; see console_once.rs.
mod console_once;
/// The same scenarios over a server; see console.rs. Loading the file twice is the point: one
/// source of scenarios, two backends.
#[allow(clippy::duplicate_mod)]
#[path = "console.rs"]
mod console_remote;
mod crash;
mod fleet;
mod grant_races;
mod grants;
mod hostile;
mod import;
mod oidc;
mod operations;
mod postgres;
mod properties;
mod remote;
mod service;
mod shell;
mod store_contract;

/// The one file the console's export and import scenarios write, under target/: the same path
/// over both backends, so that their frames are the same, taken by one scenario at a time.
pub static CONSOLE_APPS_FILE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
mod sweeper;
mod tls;
