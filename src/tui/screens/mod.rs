//! The console's screens and dialogs, each a [`Component`](super::component::Component) owning
//! its state, keys, clicks, hints, layout and drawing (gitui's pattern). A screen uses the parts
//! below it (a form, a list, a dialog it opens) and never the screens that lead to it: where to go
//! next is a [`Nav`](super::component::Nav), which the router turns into a screen.

pub mod apps;
pub mod audit;
pub mod authorized;
pub mod command_line;
pub mod detail;
pub mod dialogs;
pub mod forms;
pub mod owner_picker;
pub mod paged;
pub mod scopes;
pub mod secret;
pub mod sign_in;
pub mod starting;
pub mod token;
pub mod wizard;
