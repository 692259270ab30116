//! The console: a keyboard-driven TUI over [`Backend`](crate::backend::Backend), in The Elm
//! Architecture's shape.
//!
//! - [`state`]: the model; screens are an enum, the wizard an enum of steps, dialogs are data.
//! - [`update`]: `update(state, msg) -> Vec<Effect>`, synchronous and free of I/O; components in
//!   [`screens`] own their keys and footer hints.
//! - [`effect`]: backend calls and copies, performed by a runtime and answered as messages.
//! - [`view`] and [`widgets`]: drawing, from the model alone; [`layout`] is the geometry the view
//!   draws into and mouse clicks are matched against.
//! - [`runtime`] runs it in a terminal; [`headless`] runs it over a test backend for snapshot
//!   tests, [`replay`] scenario files and benchmarks.
//!
//! The console never reaches the store or the service: a remote backend needs no change here.

pub mod clipboard;
pub mod component;
pub mod effect;
pub mod fields;
pub mod headless;
pub mod keys;
pub mod layout;
pub mod presenter;
pub mod replay;
pub mod router;
pub mod runtime;
pub mod screens;
pub mod session;
pub mod state;
pub mod update;
pub mod view;
pub mod widgets;
pub mod zone;

pub use clipboard::{Clipboard, CopiedVia, MemoryClipboard, SystemClipboard};
pub use headless::Headless;
pub use runtime::{Opening, run};
