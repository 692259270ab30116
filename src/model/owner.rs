//! Owners of OAuth apps (accounts, their subaccounts, organizations), the people who act on them,
//! and the roles that say what each person may do for each owner.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Sid, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OwnerKind {
    Account,
    Organization,
}

impl OwnerKind {
    /// Organizations are `OR…`; accounts and subaccounts are `AC…`.
    pub fn of(owner: &Sid) -> OwnerKind {
        if owner.is(super::SidKind::Organization) {
            OwnerKind::Organization
        } else {
            OwnerKind::Account
        }
    }
}

/// An account (`AC…`, a subaccount when it has a parent) or an organization (`OR…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub sid: Sid,
    pub name: String,
    /// The parent account of a subaccount. An app of the parent never acts for the subaccount:
    /// the subaccount makes its own apps.
    pub parent: Option<Sid>,
}

impl Owner {
    pub fn kind(&self) -> OwnerKind {
        OwnerKind::of(&self.sid)
    }

    /// "Account", "Subaccount" or "Organization", as the console labels it.
    pub fn label(&self) -> &'static str {
        match (self.kind(), &self.parent) {
            (OwnerKind::Organization, _) => "Organization",
            (OwnerKind::Account, None) => "Account",
            (OwnerKind::Account, Some(_)) => "Subaccount",
        }
    }
}

/// A role a user holds for one owner. Owner, Administrator and Developer may manage OAuth apps;
/// the others may not (Twilio's FAQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Administrator,
    Developer,
    Billing,
    Support,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Administrator,
        Role::Developer,
        Role::Billing,
        Role::Support,
    ];

    pub fn may_manage_oauth_apps(self) -> bool {
        matches!(self, Role::Owner | Role::Administrator | Role::Developer)
    }

    /// Adding users and giving them roles is for the owner's administrators.
    pub fn may_manage_users(self) -> bool {
        matches!(self, Role::Owner | Role::Administrator)
    }

    /// Whether this role may give `role` to someone: an Owner any role, an Administrator any but
    /// Owner (or an Administrator could make themselves an Owner through another account), the
    /// rest none.
    pub fn may_give(self, role: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Administrator => role != Role::Owner,
            Role::Developer | Role::Billing | Role::Support => false,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Administrator => "Administrator",
            Role::Developer => "Developer",
            Role::Billing => "Billing",
            Role::Support => "Support",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a role: use Owner, Administrator, Developer, Billing or Support")]
pub struct UnknownRole(String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|role| role.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

/// A person who signs in. The password is kept only as an argon2id hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub sid: Sid,
    pub username: String,
    /// PHC string of the argon2id hash of the password.
    pub password_hash: String,
    pub roles: Vec<Membership>,
    pub created_at: Timestamp,
    /// May sign in and read, and every change is refused (`users add --read-only`). Absent in
    /// records written before the flag existed, which are not read-only.
    #[serde(default)]
    pub read_only: bool,
}

/// Why a change is refused to a console or command started with `--read-only`: the same words
/// whether the service refuses it (the embedded store) or the remote backend does, before
/// sending it.
pub fn started_read_only(doing: &str) -> String {
    format!(
        "read-only: this console or command was started with --read-only, so it may not {doing}"
    )
}

/// One role of a user for one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub owner: Sid,
    pub role: Role,
}

impl User {
    /// The user's role for this owner; `None` when the user does not belong to it, which the
    /// service answers as "not found" so that other tenants stay invisible.
    pub fn role_for(&self, owner: &Sid) -> Option<Role> {
        self.roles
            .iter()
            .find(|membership| &membership.owner == owner)
            .map(|membership| membership.role)
    }

    pub fn reference(&self) -> UserRef {
        UserRef {
            sid: self.sid.clone(),
            username: self.username.clone(),
        }
    }
}

/// Who did something, kept by value so that records stay readable after the user is deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub sid: Sid,
    pub username: String,
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.username)
    }
}

/// A password made for someone, shown once. No `Debug`, so it cannot be logged by accident.
pub struct GeneratedPassword(String);

impl GeneratedPassword {
    /// A password just generated, or as the remote backend receives it from the server.
    pub fn received(text: String) -> GeneratedPassword {
        GeneratedPassword(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// An owner the user belongs to, with the user's role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerAccess {
    pub owner: Owner,
    pub role: Role,
}
