//! The one integration-test binary (one link on a 2-core machine); a module per area.

mod api;
mod authorizations;
mod authorize;
mod cli;
mod console;
/// The same scenarios over a server; see console.rs. Loading the file twice is the point: one
/// source of scenarios, two backends.
#[allow(clippy::duplicate_mod)]
#[path = "console.rs"]
mod console_remote;
mod remote;
mod service;
mod sweeper;
