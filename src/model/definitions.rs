//! Apps' definitions as an export file holds them and an import reads them: what a person writes
//! about an app (name, scopes, URLs…) keyed by client ID, never a secret; and the plan an import
//! makes of them. The service plans and applies (service/import.rs); api.rs reads and writes the
//! file.

use super::{AppSettings, ClientSecret, FieldChange, GrantType, Sid};

/// One app as a file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDefinition {
    pub client_id: Sid,
    pub grant_type: GrantType,
    pub settings: AppSettings,
}

/// An owner's apps as a file describes them. Listing an owner with no apps says it should have
/// none, which matters to `--prune`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerDefinitions {
    pub owner: Sid,
    pub apps: Vec<AppDefinition>,
}

/// The whole file: the owners it covers and their apps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppDefinitions {
    pub owners: Vec<OwnerDefinitions>,
}

/// How an import runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportMode {
    /// Only plan: change nothing.
    pub dry_run: bool,
    /// Delete the apps of the file's owners that the file does not list.
    pub prune: bool,
}

/// What an import does, or did, to one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportAction {
    Create,
    /// The fields that differ, as the audit event records them.
    Update(Vec<FieldChange>),
    Unchanged,
    /// Not in the file, and `prune` was asked for.
    Delete,
    /// Not in the file; left alone because `prune` was not asked for.
    Kept,
}

/// One line of the plan. `secret` is the new app's first secret once an import created it,
/// shown this once.
pub struct ImportItem {
    pub client_id: Sid,
    pub owner: Sid,
    pub name: String,
    pub action: ImportAction,
    pub secret: Option<ClientSecret>,
}

/// The plan, and whether it was applied (not when a dry run, nor when nothing differed).
pub struct ImportOutcome {
    pub items: Vec<ImportItem>,
    pub applied: bool,
}

impl ImportOutcome {
    /// How many items take each action.
    pub fn count(&self, wanted: fn(&ImportAction) -> bool) -> usize {
        self.items
            .iter()
            .filter(|item| wanted(&item.action))
            .count()
    }

    /// Whether applying the plan changes anything.
    pub fn changes_anything(&self) -> bool {
        self.items.iter().any(|item| {
            matches!(
                item.action,
                ImportAction::Create | ImportAction::Update(_) | ImportAction::Delete
            )
        })
    }
}
