//! What every component may read: who is signed in and which owner is in view, the status line's
//! message, and the theme. Below the components, so that they and the model above them share it
//! without importing each other.

use super::zone::Zone;
use crate::model::{OwnerAccess, UserView};

/// Who is signed in and which owner's apps are in view.
pub struct Session {
    pub user: Option<UserView>,
    pub owners: Vec<OwnerAccess>,
    pub current: usize,
    /// The authorization server's URL, for authorization URLs.
    pub issuer: String,
    /// Where this process serves the authorization server (`--serve`), for the header.
    pub serving: Option<String>,
    /// Where the token tool sends its requests.
    pub token_endpoint: String,
    /// The server the console works over, named on the sign-in screen; `None` over the embedded
    /// store.
    pub server: Option<String>,
    /// `--present`: SIDs, client IDs and secrets are masked on screen (see `tui::presenter`).
    pub present: bool,
    /// The zone times are shown in (see `tui::zone`).
    pub zone: Zone,
}

impl Session {
    pub fn owner(&self) -> Option<&OwnerAccess> {
        self.owners.get(self.current)
    }

    /// Whether the signed-in user may change nothing (a read-only user, or `--read-only`), as
    /// the backend says.
    pub fn read_only(&self) -> bool {
        self.user.as_ref().is_some_and(|user| user.read_only)
    }

    pub fn may_manage(&self) -> bool {
        self.owner()
            .is_some_and(|access| access.role.may_manage_oauth_apps())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Done,
    Error,
    Info,
}

impl Status {
    pub fn done(text: impl Into<String>) -> Status {
        Status {
            kind: StatusKind::Done,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Status {
        Status {
            kind: StatusKind::Error,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Status {
        Status {
            kind: StatusKind::Info,
            text: text.into(),
        }
    }
}

/// How the console is drawn: today's colours, colours that read on light and Solarized
/// backgrounds, or none at all when `NO_COLOR` is set (<https://no-color.org>), where emphasis
/// falls back to bold, reverse and symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Cyan titles, yellow focus and grey hints, for dark terminals.
    #[default]
    Default,
    /// No grey (colour 8 is the background on Solarized dark) and no bold yellow (unreadable on
    /// white): only the base colours every light and Solarized palette keeps readable on its own
    /// background, and reverse video for what is selected.
    Light,
    /// No colour, only emphasis.
    NoColor,
}

impl Theme {
    /// The theme chosen, unless `NO_COLOR` is set to anything non-empty: it wins over the
    /// choice, as no-color.org asks.
    pub fn unless_no_color(self) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        if no_color { Theme::NoColor } else { self }
    }
}
