//! oauth-console: administer OAuth 2.0 apps the way the Twilio Console does.
//!
//! The layers, each depending only on those before it:
//! - [`model`]: SIDs, apps, secrets, owners, roles, audit events and the rules they obey; no I/O.
//! - [`metrics`]: what a running server counts and times; a leaf every layer records into.
//! - [`store`]: the storage trait and its embedded sled implementation.
//! - [`service`]: the console service, the one place rules are enforced.
//! - [`api`]: the JSON shapes shared by the management API and `--json` output.
//! - [`server`]: the authorization server and management API over HTTP.
//! - [`backend`]: what the console and the CLI talk to, local or remote.
//! - [`tui`]: the console, over a backend.
//! - [`cli`]: the scriptable commands, and the binary's entry point.

pub mod api;
pub mod backend;
pub mod cli;
pub mod metrics;
pub mod model;
pub mod server;
pub mod service;
pub mod store;
pub mod tui;
