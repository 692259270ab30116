//! Export and import of apps' definitions: what a person writes about an app (name, scopes, URLs…)
//! keyed by client ID, never a secret. An import makes the store match a file: it plans what to
//! create, update, leave alone and (only when asked) delete, and applies the plan as one commit,
//! so that a bad entry writes nothing and the same file imported twice changes nothing the second
//! time.

use std::collections::{HashMap, HashSet};

use crate::model::{
    AppDefinition, AppDefinitions, AppOrder, AppSettings, AuditEventType, Field, FieldChange,
    FieldError, GrantType, ImportAction, ImportItem, ImportMode, ImportOutcome, OAuthApp,
    OwnerDefinitions, SecretRecord, Sid, SidKind, User, ValidationErrors,
};
use crate::store::{AppQuery, Expect, Write};

use super::apps::MAX_PAGE_SIZE;
use super::{ConsoleService, Result, ServiceError, retrying};

/// An app of the plan with what it becomes.
enum Step {
    Create(OAuthApp),
    Update {
        /// The version read, which the write expects to find.
        read_version: u64,
        next: OAuthApp,
        changes: Vec<FieldChange>,
    },
    Unchanged(OAuthApp),
    Delete(OAuthApp),
    Kept(OAuthApp),
}

/// An error of one entry: the model's message with the entry in front, so that one line names
/// the entry, the field and the limit.
fn entry_error(client_id: &Sid, name: &str, error: &FieldError) -> FieldError {
    let entry = if name.trim().is_empty() {
        format!("entry {client_id}")
    } else {
        format!("entry {client_id} ({})", name.trim())
    };
    FieldError::new(error.field, format!("{entry}: {}", error.message))
}

impl ConsoleService {
    /// The definitions of the apps of `owner`, or of every owner whose apps the user manages,
    /// oldest first.
    pub async fn export_apps(&self, actor: &Sid, owner: Option<&Sid>) -> Result<AppDefinitions> {
        let user = self.actor(actor).await?;
        let owners = match owner {
            Some(owner) => vec![self.owner_managed_by(&user, owner).await?.sid],
            None => self
                .owners(actor)
                .await?
                .into_iter()
                .filter(|access| access.role.may_manage_oauth_apps())
                .map(|access| access.owner.sid)
                .collect(),
        };
        let mut definitions = AppDefinitions::default();
        for owner in owners {
            let apps = self.all_apps_of(&owner).await?;
            definitions.owners.push(OwnerDefinitions {
                owner,
                apps: apps
                    .into_iter()
                    .map(|app| AppDefinition {
                        client_id: app.sid,
                        grant_type: app.grant_type,
                        settings: app.settings,
                    })
                    .collect(),
            });
        }
        Ok(definitions)
    }

    /// Every app of `owner`, oldest first, read a page at a time.
    async fn all_apps_of(&self, owner: &Sid) -> Result<Vec<OAuthApp>> {
        let mut apps = Vec::new();
        let mut after = None;
        loop {
            let query = AppQuery {
                owner: owner.clone(),
                order: AppOrder::OldestFirst,
                name_contains: None,
                page_size: MAX_PAGE_SIZE,
                after,
            };
            let page = self.store.apps(&query).await?;
            apps.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(apps),
            }
        }
    }

    /// Makes the store match `definitions`: creates the apps it lacks (each with a first secret,
    /// returned once), updates the ones that differ, leaves equal ones alone (no audit event),
    /// and deletes the other apps of the file's owners only with `mode.prune`. Everything is one
    /// commit; any bad entry refuses the whole import, naming every bad entry.
    pub async fn import_apps(
        &self,
        actor: &Sid,
        definitions: &AppDefinitions,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        // A dry run changes nothing, so a read-only user may see what a file would do.
        let user = if mode.dry_run {
            self.actor(actor).await?
        } else {
            self.changer(actor, "import apps").await?
        };
        retrying(|| self.try_import(&user, definitions, mode)).await
    }

    async fn try_import(
        &self,
        user: &User,
        definitions: &AppDefinitions,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        let steps = self.plan_import(user, definitions, mode).await?;
        let mut outcome = ImportOutcome {
            items: Vec::new(),
            applied: false,
        };
        let mut writes = Vec::new();
        let apply = !mode.dry_run;
        for step in steps {
            let (app, action, secret) = match step {
                Step::Create(mut app) => {
                    let mut secret = None;
                    if apply {
                        let new_secret = self.new_secret();
                        app.secrets = vec![SecretRecord::new(
                            &new_secret,
                            app.created_at,
                            user.reference(),
                        )];
                        let changes = AppSettings::default().changes_to(&app.settings);
                        let event =
                            self.audit_event(AuditEventType::AppCreated, &app, user, changes);
                        writes.push(Write::PutApp {
                            app: app.clone(),
                            expect: Expect::Absent,
                        });
                        writes.push(Write::AddAuditEvent(event));
                        secret = Some(new_secret);
                    }
                    (app, ImportAction::Create, secret)
                }
                Step::Update {
                    read_version,
                    next,
                    changes,
                } => {
                    if apply {
                        let event = self.audit_event(
                            AuditEventType::AppUpdated,
                            &next,
                            user,
                            changes.clone(),
                        );
                        writes.push(Write::PutApp {
                            app: next.clone(),
                            expect: Expect::Version(read_version),
                        });
                        writes.push(Write::AddAuditEvent(event));
                    }
                    (next, ImportAction::Update(changes), None)
                }
                Step::Unchanged(app) => (app, ImportAction::Unchanged, None),
                Step::Delete(app) => {
                    if apply {
                        // As `delete_app` does: an authorization-code app's authorizations end in
                        // the same commit.
                        if app.grant_type == GrantType::AuthorizationCode {
                            writes.extend(self.revocations_of_app(&app, user).await?);
                        }
                        let event =
                            self.audit_event(AuditEventType::AppDeleted, &app, user, Vec::new());
                        writes.push(Write::DeleteApp {
                            app: app.clone(),
                            expect: Expect::Version(app.version),
                        });
                        writes.push(Write::AddAuditEvent(event));
                    }
                    (app, ImportAction::Delete, None)
                }
                Step::Kept(app) => (app, ImportAction::Kept, None),
            };
            outcome.items.push(ImportItem {
                client_id: app.sid,
                owner: app.owner,
                name: app.settings.name,
                action,
                secret,
            });
        }
        if !writes.is_empty() {
            self.commit(writes).await?;
            outcome.applied = true;
        }
        Ok(outcome)
    }

    /// Checks every entry and decides what happens to each app; reads, never writes.
    async fn plan_import(
        &self,
        user: &User,
        definitions: &AppDefinitions,
        mode: ImportMode,
    ) -> Result<Vec<Step>> {
        let mut errors = Vec::new();
        let mut seen_owners = HashSet::new();
        let mut seen_apps = HashSet::new();
        let mut steps = Vec::new();
        let now = self.clock.now();
        for listed in &definitions.owners {
            let owner = self.owner_managed_by(user, &listed.owner).await?;
            if !seen_owners.insert(owner.sid.clone()) {
                errors.push(FieldError::new(
                    Field::Owner,
                    format!("owner {} is listed twice; list each owner once", owner.sid),
                ));
                continue;
            }
            let mut current: HashMap<Sid, OAuthApp> = HashMap::new();
            let mut order = Vec::new();
            for app in self.all_apps_of(&owner.sid).await? {
                order.push(app.sid.clone());
                current.insert(app.sid.clone(), app);
            }
            for entry in &listed.apps {
                let id = &entry.client_id;
                let name = &entry.settings.name;
                let fail = |error: FieldError| entry_error(id, name, &error);
                if !id.is(SidKind::OAuthApp) {
                    errors.push(fail(FieldError::new(
                        Field::ClientId,
                        format!("client ID '{id}' is not an app's: client IDs start with OQ"),
                    )));
                    continue;
                }
                if !seen_apps.insert(id.clone()) {
                    errors.push(fail(FieldError::new(
                        Field::ClientId,
                        "client ID is listed twice; list each app once",
                    )));
                    continue;
                }
                let settings = match entry
                    .settings
                    .clone()
                    .validate(owner.kind(), entry.grant_type)
                {
                    Ok(settings) => settings,
                    Err(ValidationErrors(invalid)) => {
                        errors.extend(invalid.into_iter().map(&fail));
                        continue;
                    }
                };
                match current.remove(id) {
                    Some(app) if app.grant_type != entry.grant_type => {
                        errors.push(fail(FieldError::new(
                            Field::GrantType,
                            format!(
                                "grant type is fixed when an app is created (this one is {}); create a new app for {}",
                                app.grant_type.slug(),
                                entry.grant_type.slug()
                            ),
                        )));
                    }
                    Some(app) => {
                        let changes = app.settings.changes_to(&settings);
                        if changes.is_empty() {
                            steps.push(Step::Unchanged(app));
                        } else {
                            steps.push(Step::Update {
                                read_version: app.version,
                                next: OAuthApp {
                                    settings,
                                    updated_at: now,
                                    version: app.version + 1,
                                    ..app
                                },
                                changes,
                            });
                        }
                    }
                    None => match self.store.app(id).await? {
                        Some(elsewhere) => errors.push(fail(self.taken(user, &elsewhere).await)),
                        None => steps.push(Step::Create(OAuthApp {
                            sid: id.clone(),
                            owner: owner.sid.clone(),
                            grant_type: entry.grant_type,
                            settings,
                            secrets: Vec::new(),
                            created_at: now,
                            updated_at: now,
                            created_by: user.reference(),
                            version: 1,
                        })),
                    },
                }
            }
            for sid in order {
                if let Some(app) = current.remove(&sid) {
                    steps.push(if mode.prune {
                        Step::Delete(app)
                    } else {
                        Step::Kept(app)
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(steps)
        } else {
            Err(ServiceError::Invalid(ValidationErrors(errors)))
        }
    }

    /// Why a client ID that another owner's app has cannot be imported: the owner is named only
    /// to a user who may see it, so that other tenants stay invisible.
    async fn taken(&self, user: &User, app: &OAuthApp) -> FieldError {
        match self.owner_managed_by(user, &app.owner).await {
            Ok(owner) => FieldError::new(
                Field::Owner,
                format!(
                    "the app belongs to {} ({}); an app cannot move to another owner, so list it under that owner",
                    owner.name, owner.sid
                ),
            ),
            Err(_) => FieldError::new(
                Field::ClientId,
                "client ID is already in use; give the new app another (OQ and 32 hex digits)",
            ),
        }
    }
}
