//! The one integration-test binary (one link on a 2-core machine); a module per area.

mod api;
mod authorizations;
mod cli;
mod console;
mod remote;
mod service;
