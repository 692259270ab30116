//! Export and import of apps' definitions through the service, over a real sled store with a
//! manual clock and seeded randomness: the plan's rules, one commit or none, roles and tenants.

use std::sync::Arc;

use oauth_console::model::{
    AppDefinition, AppDefinitions, AppSettings, AuditEventType, AuditFilter, Field, GrantType,
    ImportAction, ImportMode, NewApp, NewUser, OwnerDefinitions, Role, Sid, Timestamp,
};
use oauth_console::service::{ConsoleService, ManualClock, SeededEntropy, ServiceError};
use oauth_console::store::SledStore;

const MESSAGES_READ: &str = "/twilio/messaging/messages/read";
const MESSAGES_LIST: &str = "/twilio/messaging/messages/list";

struct World {
    service: ConsoleService,
    clock: Arc<ManualClock>,
    admin: Sid,
    account: Sid,
    subaccount: Sid,
    organization: Sid,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp(1_795_462_741_000)));
    let service = ConsoleService::new(store, clock.clone(), Arc::new(SeededEntropy::new(12)));
    let made = service
        .bootstrap("admin", Some("correct horse battery".into()))
        .await
        .unwrap()
        .expect("a new store bootstraps");
    let admin = service.local_user(None).await.unwrap().sid;
    let sids: Vec<Sid> = made.owners.into_iter().map(|o| o.sid).collect();
    let [account, subaccount, organization] = <[Sid; 3]>::try_from(sids).expect("three owners");
    World {
        service,
        clock,
        admin,
        account,
        subaccount,
        organization,
        _dir: dir,
    }
}

fn settings(name: &str, scopes: &[&str]) -> AppSettings {
    AppSettings {
        name: name.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        ..AppSettings::default()
    }
}

/// A client ID nobody has yet, as a person writing a new entry by hand would make one up.
fn new_client_id(n: u8) -> Sid {
    format!("OQ{}", format!("{n:02x}").repeat(16))
        .parse()
        .unwrap()
}

const DRY_RUN: ImportMode = ImportMode {
    dry_run: true,
    prune: false,
};
const APPLY: ImportMode = ImportMode {
    dry_run: false,
    prune: false,
};
const PRUNE: ImportMode = ImportMode {
    dry_run: false,
    prune: true,
};

impl World {
    async fn create(&self, name: &str) -> oauth_console::service::CreatedApp {
        // Apps made in the same millisecond have no order of creation.
        self.clock.advance(oauth_console::model::Seconds::MINUTE);
        self.service
            .create_app(
                &self.admin,
                NewApp {
                    owner: self.account.clone(),
                    grant_type: GrantType::ClientCredentials,
                    settings: settings(name, &[MESSAGES_READ]),
                    region: None,
                },
            )
            .await
            .unwrap()
    }

    async fn events(&self) -> Vec<(AuditEventType, String)> {
        let page = self
            .service
            .audit_events(
                &self.admin,
                AuditFilter {
                    page_size: 1000,
                    ..AuditFilter::default()
                },
            )
            .await
            .unwrap();
        page.items
            .into_iter()
            .map(|e| (e.event_type, e.app_name))
            .collect()
    }

    async fn export_account(&self) -> AppDefinitions {
        self.service
            .export_apps(&self.admin, Some(&self.account))
            .await
            .unwrap()
    }

    async fn add_user(&self, name: &str, owner: &Sid, role: Role) -> Sid {
        let new = NewUser {
            username: name.into(),
            password: None,
            owner: owner.clone(),
            role,
            read_only: false,
        };
        self.service.add_user(&self.admin, new).await.unwrap().0.sid
    }
}

/// Each item's action, by app name, in plan order.
fn plan(outcome: &oauth_console::model::ImportOutcome) -> Vec<(String, String)> {
    outcome
        .items
        .iter()
        .map(|item| {
            let action = match &item.action {
                ImportAction::Create => "create".to_owned(),
                ImportAction::Update(changes) => {
                    let fields: Vec<String> = changes
                        .iter()
                        .map(|c| format!("{}: {} -> {}", c.field, c.before, c.after))
                        .collect();
                    format!("update ({})", fields.join("; "))
                }
                ImportAction::Unchanged => "unchanged".to_owned(),
                ImportAction::Delete => "delete".to_owned(),
                ImportAction::Kept => "keep".to_owned(),
            };
            (item.name.clone(), action)
        })
        .collect()
}

fn invalid(error: ServiceError) -> Vec<(Field, String)> {
    match error {
        ServiceError::Invalid(errors) => {
            errors.0.into_iter().map(|e| (e.field, e.message)).collect()
        }
        other => panic!("not a validation error: {other}"),
    }
}

#[tokio::test]
async fn an_export_holds_every_definition_and_no_secret_and_imports_back_as_unchanged() {
    let w = world().await;
    let billing = w.create("Billing sync").await;
    w.create("Reports").await;
    let exported = w.export_account().await;
    let names: Vec<&str> = exported.owners[0]
        .apps
        .iter()
        .map(|a| a.settings.name.as_str())
        .collect();
    assert_eq!(names, ["Billing sync", "Reports"], "oldest first");
    assert_eq!(exported.owners[0].apps[0].client_id, billing.app.sid);
    let events_before = w.events().await;
    let again = w
        .service
        .import_apps(&w.admin, &exported, APPLY)
        .await
        .unwrap();
    assert_eq!(
        plan(&again),
        [
            ("Billing sync".to_owned(), "unchanged".to_owned()),
            ("Reports".to_owned(), "unchanged".to_owned())
        ]
    );
    assert!(!again.applied, "nothing to write");
    assert_eq!(
        w.events().await,
        events_before,
        "no audit event for equal apps"
    );
    // Every owner the admin manages is in a full export, the empty ones too.
    let all = w.service.export_apps(&w.admin, None).await.unwrap();
    let owners: Vec<&Sid> = all.owners.iter().map(|o| &o.owner).collect();
    assert_eq!(owners, [&w.account, &w.subaccount, &w.organization]);
}

#[tokio::test]
async fn a_dry_run_plans_create_update_and_keep_and_writes_nothing_then_the_import_does_it_once() {
    let w = world().await;
    w.create("Billing sync").await;
    w.create("Legacy").await;
    let mut file = w.export_account().await;
    let apps = &mut file.owners[0].apps;
    apps.retain(|a| a.settings.name != "Legacy");
    apps[0].settings.description = "Syncs invoices".into();
    apps[0].settings.scopes.push(MESSAGES_LIST.into());
    apps.push(AppDefinition {
        client_id: new_client_id(1),
        grant_type: GrantType::ClientCredentials,
        settings: settings("Nightly export", &[MESSAGES_READ]),
    });
    let events_before = w.events().await;

    let dry = w
        .service
        .import_apps(&w.admin, &file, DRY_RUN)
        .await
        .unwrap();
    let expected = [
        (
            "Billing sync".to_owned(),
            format!("update (description:  -> Syncs invoices; scopes added:  -> {MESSAGES_LIST})"),
        ),
        ("Nightly export".to_owned(), "create".to_owned()),
        ("Legacy".to_owned(), "keep".to_owned()),
    ];
    assert_eq!(plan(&dry), expected);
    assert!(!dry.applied);
    assert!(dry.items.iter().all(|i| i.secret.is_none()));
    assert_eq!(w.events().await, events_before, "a dry run writes nothing");
    assert_eq!(w.export_account().await.owners[0].apps.len(), 2);

    let applied = w.service.import_apps(&w.admin, &file, APPLY).await.unwrap();
    assert_eq!(plan(&applied), expected);
    assert!(applied.applied);
    let created = applied
        .items
        .iter()
        .find(|i| i.action == ImportAction::Create)
        .unwrap();
    assert_eq!(created.client_id, new_client_id(1), "the file's client ID");
    let secret = created.secret.as_ref().expect("a new app's secret, once");
    let authenticated = w
        .service
        .authenticate_client(created.client_id.as_str(), secret.expose())
        .await
        .unwrap();
    assert_eq!(authenticated.settings.name, "Nightly export");
    let new_events: Vec<_> = w.events().await[..2].to_vec();
    assert!(new_events.contains(&(AuditEventType::AppCreated, "Nightly export".into())));
    assert!(new_events.contains(&(AuditEventType::AppUpdated, "Billing sync".into())));

    let twice = w.service.import_apps(&w.admin, &file, APPLY).await.unwrap();
    assert!(!twice.applied, "the same import twice changes nothing");
    assert!(
        twice
            .items
            .iter()
            .all(|i| matches!(i.action, ImportAction::Unchanged | ImportAction::Kept))
    );
    assert_eq!(w.events().await.len(), events_before.len() + 2);
}

#[tokio::test]
async fn prune_deletes_the_owners_apps_the_file_leaves_out_and_only_those() {
    let w = world().await;
    w.create("Keep me").await;
    let gone = w.create("Prune me").await;
    let mut file = w.export_account().await;
    file.owners[0].apps.retain(|a| a.client_id != gone.app.sid);
    // An app of an owner the file does not list stays, prune or not.
    let elsewhere = w
        .service
        .create_app(
            &w.admin,
            NewApp {
                owner: w.subaccount.clone(),
                grant_type: GrantType::ClientCredentials,
                settings: settings("Other owner", &[MESSAGES_READ]),
                region: None,
            },
        )
        .await
        .unwrap();
    let pruned = w.service.import_apps(&w.admin, &file, PRUNE).await.unwrap();
    assert_eq!(
        plan(&pruned),
        [
            ("Keep me".to_owned(), "unchanged".to_owned()),
            ("Prune me".to_owned(), "delete".to_owned())
        ]
    );
    assert!(matches!(
        w.service.app(&w.admin, &gone.app.sid).await,
        Err(ServiceError::NotFound { .. })
    ));
    assert!(w.service.app(&w.admin, &elsewhere.app.sid).await.is_ok());
    assert_eq!(
        w.events().await[0],
        (AuditEventType::AppDeleted, "Prune me".into())
    );
}

#[tokio::test]
async fn one_bad_entry_refuses_the_whole_file_naming_the_entry_the_field_and_the_limit() {
    let w = world().await;
    let existing = w.create("Billing sync").await;
    let mut file = w.export_account().await;
    file.owners[0].apps[0].settings.description = "changed".into();
    file.owners[0].apps.push(AppDefinition {
        client_id: new_client_id(2),
        grant_type: GrantType::ClientCredentials,
        settings: settings(&"x".repeat(65), &[MESSAGES_READ]),
    });
    file.owners[0].apps.push(AppDefinition {
        client_id: new_client_id(3),
        grant_type: GrantType::ClientCredentials,
        settings: AppSettings {
            token_ttl: oauth_console::model::Seconds(30),
            ..settings("Too short", &[MESSAGES_READ])
        },
    });
    let events_before = w.events().await;
    let refused = w
        .service
        .import_apps(&w.admin, &file, APPLY)
        .await
        .err()
        .unwrap();
    let id2 = new_client_id(2);
    let id3 = new_client_id(3);
    assert_eq!(
        invalid(refused),
        [
            (
                Field::Name,
                format!(
                    "entry {id2} ({}): name may be at most 64 characters; 65 were given",
                    "x".repeat(65)
                )
            ),
            (
                Field::TokenTtl,
                format!(
                    "entry {id3} (Too short): token expiration must be between 1 minute and 30 days (1m to 30d); 30s was given"
                )
            ),
        ]
    );
    assert_eq!(w.events().await, events_before, "nothing was written");
    let kept = w.service.app(&w.admin, &existing.app.sid).await.unwrap();
    assert_eq!(kept.settings.description, "", "not even the good entry");
}

#[tokio::test]
async fn a_grant_type_or_owner_change_and_a_client_id_listed_twice_are_refused() {
    let w = world().await;
    let app = w.create("Billing sync").await;
    let mut file = w.export_account().await;
    file.owners[0].apps[0].grant_type = GrantType::AuthorizationCode;
    let refused = invalid(
        w.service
            .import_apps(&w.admin, &file, DRY_RUN)
            .await
            .err()
            .unwrap(),
    );
    assert_eq!(refused[0].0, Field::GrantType, "{refused:?}");

    let mut moved = w.export_account().await;
    let definition = moved.owners.remove(0).apps.remove(0);
    moved.owners.push(OwnerDefinitions {
        owner: w.subaccount.clone(),
        apps: vec![definition.clone()],
    });
    let refused = invalid(
        w.service
            .import_apps(&w.admin, &moved, DRY_RUN)
            .await
            .err()
            .unwrap(),
    );
    assert_eq!(refused[0].0, Field::Owner);
    assert!(
        refused[0].1.contains("an app cannot move to another owner"),
        "{refused:?}"
    );

    let twice = AppDefinitions {
        owners: vec![
            OwnerDefinitions {
                owner: w.account.clone(),
                apps: vec![definition.clone()],
            },
            OwnerDefinitions {
                owner: w.subaccount.clone(),
                apps: vec![definition],
            },
        ],
    };
    let refused = invalid(
        w.service
            .import_apps(&w.admin, &twice, DRY_RUN)
            .await
            .err()
            .unwrap(),
    );
    assert_eq!(
        refused,
        [(
            Field::ClientId,
            format!(
                "entry {} (Billing sync): client ID is listed twice; list each app once",
                app.app.sid
            )
        )]
    );
}

#[tokio::test]
async fn an_importer_cannot_touch_an_owner_they_do_not_manage_nor_learn_whose_client_id_it_is() {
    let w = world().await;
    let theirs = w.create("Account app").await;
    // A developer of the subaccount only.
    let dev = w.add_user("dev", &w.subaccount, Role::Developer).await;
    let into_account = AppDefinitions {
        owners: vec![OwnerDefinitions {
            owner: w.account.clone(),
            apps: Vec::new(),
        }],
    };
    let refused = w
        .service
        .import_apps(&dev, &into_account, PRUNE)
        .await
        .err()
        .unwrap();
    assert!(
        matches!(refused, ServiceError::NotFound { what: "owner", .. }),
        "{refused}"
    );
    assert!(
        w.service.app(&w.admin, &theirs.app.sid).await.is_ok(),
        "not pruned"
    );
    // The account's client ID under the developer's own owner: in use, and whose is not said.
    let taking = AppDefinitions {
        owners: vec![OwnerDefinitions {
            owner: w.subaccount.clone(),
            apps: vec![AppDefinition {
                client_id: theirs.app.sid.clone(),
                grant_type: GrantType::ClientCredentials,
                settings: settings("Mine now", &[MESSAGES_READ]),
            }],
        }],
    };
    let refused = invalid(
        w.service
            .import_apps(&dev, &taking, APPLY)
            .await
            .err()
            .unwrap(),
    );
    assert_eq!(refused[0].0, Field::ClientId);
    assert!(
        refused[0].1.ends_with(
            "client ID is already in use; give the new app another (OQ and 32 hex digits)"
        ),
        "{refused:?}"
    );
    assert!(!refused[0].1.contains(w.account.as_str()));
    let unchanged = w.service.app(&w.admin, &theirs.app.sid).await.unwrap();
    assert_eq!(unchanged.settings.name, "Account app");
    // A role that may not manage apps is told which role it needs.
    let billing = w.add_user("bill", &w.subaccount, Role::Billing).await;
    let forbidden = w
        .service
        .import_apps(&billing, &taking, DRY_RUN)
        .await
        .err()
        .unwrap();
    assert!(
        matches!(forbidden, ServiceError::Forbidden(_)),
        "{forbidden}"
    );
}
