//! The one integration-test binary (one link on a 2-core machine); a module per area.

mod api;
mod authorizations;
mod authorize;
mod cli;
mod console;
mod service;
