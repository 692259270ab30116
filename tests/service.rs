//! The console service over a real sled store, with a manual clock and seeded randomness.

use std::sync::Arc;
use std::task::Poll;

use oauth_console::model::{
    AppOrder, AppSettings, AppUpdate, AuditEventType, AuditFilter, Field, GrantType, ListApps,
    NewApp, NewUser, OwnerKind, Role, Seconds, Sid, Timestamp,
};
use oauth_console::service::{
    CLIENT_CACHE_MAX_AGE, Clock, ConsoleService, ManualClock, SeededEntropy, ServiceError,
};
use oauth_console::store::SledStore;

const MESSAGES_READ: &str = "/twilio/messaging/messages/read";
const MESSAGES_LIST: &str = "/twilio/messaging/messages/list";

struct World {
    service: ConsoleService,
    store: Arc<SledStore>,
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
    let service = ConsoleService::new(
        store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(7)),
    );
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
        store,
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

fn new_app(owner: &Sid, settings: AppSettings) -> NewApp {
    NewApp {
        owner: owner.clone(),
        grant_type: GrantType::ClientCredentials,
        settings,
        region: None,
    }
}

impl World {
    async fn create(&self, name: &str) -> oauth_console::service::CreatedApp {
        self.service
            .create_app(
                &self.admin,
                new_app(&self.account, settings(name, &[MESSAGES_READ])),
            )
            .await
            .unwrap()
    }

    async fn app_names(&self, owner: &Sid) -> Vec<String> {
        let page = self
            .service
            .apps(
                &self.admin,
                owner,
                ListApps {
                    page_size: 1000,
                    ..ListApps::default()
                },
            )
            .await
            .unwrap();
        page.items.into_iter().map(|a| a.settings.name).collect()
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

#[tokio::test]
async fn bootstrap_makes_an_account_a_subaccount_an_organization_and_an_owner_once() {
    let w = world().await;
    let owners = w.service.owners(&w.admin).await.unwrap();
    let labels: Vec<_> = owners.iter().map(|o| (o.owner.label(), o.role)).collect();
    assert_eq!(
        labels,
        [
            ("Account", Role::Owner),
            ("Subaccount", Role::Owner),
            ("Organization", Role::Owner)
        ]
    );
    assert_eq!(owners[1].owner.parent.as_ref(), Some(&w.account));
    assert!(w.service.bootstrap("admin", None).await.unwrap().is_none());
    assert!(
        w.service
            .sign_in("admin", "correct horse battery")
            .await
            .is_ok()
    );
    assert!(matches!(
        w.service.sign_in("admin", "wrong").await,
        Err(ServiceError::BadCredentials)
    ));
    assert!(matches!(
        w.service.sign_in("nobody", "correct horse battery").await,
        Err(ServiceError::BadCredentials)
    ));
}

#[tokio::test]
async fn create_lists_the_app_and_audits_it_with_the_secret_stored_only_as_a_digest() {
    let w = world().await;
    let created = w.create("demo").await;
    assert_eq!(created.app.sid.as_str().len(), 34);
    assert!(created.app.sid.as_str().starts_with("OQ"));
    assert_eq!(created.app.created_by.username, "admin");
    assert_eq!(w.app_names(&w.account).await, ["demo"]);
    assert_eq!(
        w.events().await,
        [(AuditEventType::AppCreated, "demo".to_string())]
    );
    let stored = w.service.app(&w.admin, &created.app.sid).await.unwrap();
    let stored_json = format!("{stored:?}");
    assert!(!stored_json.contains(created.secret.expose()));
    let app = w
        .service
        .authenticate_client(created.app.sid.as_str(), created.secret.expose())
        .await
        .unwrap();
    assert_eq!(app.sid, created.app.sid);
}

#[tokio::test]
async fn another_server_over_the_same_store_sees_a_deleted_app_within_the_cache_age() {
    let w = world().await;
    let created = w.create("shared").await;
    let (id, secret) = (created.app.sid.as_str(), created.secret.expose());
    // A second server process over the same database, as behind a load balancer.
    let other = ConsoleService::new(
        w.store.clone(),
        w.clock.clone(),
        Arc::new(SeededEntropy::new(8)),
    );
    assert!(other.authenticate_client(id, secret).await.is_ok());
    assert!(w.service.authenticate_client(id, secret).await.is_ok());

    w.service
        .delete_app(&w.admin, &created.app.sid, None)
        .await
        .unwrap();
    assert!(
        matches!(
            w.service.authenticate_client(id, secret).await,
            Err(ServiceError::BadClient)
        ),
        "the server that deleted the app refuses its client at once"
    );
    w.clock.advance(Seconds(CLIENT_CACHE_MAX_AGE.0 - 1));
    assert!(
        other.authenticate_client(id, secret).await.is_ok(),
        "the other server may still use what it read, for less than the stated age"
    );
    w.clock.advance(Seconds(1));
    assert!(matches!(
        other.authenticate_client(id, secret).await,
        Err(ServiceError::BadClient)
    ));
}

#[tokio::test]
async fn a_grace_zero_rotation_whose_caller_stops_waiting_still_ends_the_old_secret_here() {
    let w = world().await;
    let created = w.create("hung up").await;
    let id = created.app.sid.as_str();
    let mut secret = created.secret.expose().to_owned();
    // A rotation commits and then waits for the flush to disk; its caller (an HTTP client that
    // hung up) drops it there. The flush is sometimes done before the first poll asks, so try
    // until one is caught waiting.
    for _ in 0..50 {
        assert!(w.service.authenticate_client(id, &secret).await.is_ok());
        let version = w
            .service
            .app(&w.admin, &created.app.sid)
            .await
            .unwrap()
            .version;
        let first = {
            let mut rotation = std::pin::pin!(w.service.rotate_secret(
                &w.admin,
                &created.app.sid,
                Seconds(0)
            ));
            std::future::poll_fn(|cx| Poll::Ready(rotation.as_mut().poll(cx))).await
        };
        match first {
            Poll::Ready(rotated) => secret = rotated.unwrap().secret.expose().to_owned(),
            Poll::Pending => {
                let app = w.service.app(&w.admin, &created.app.sid).await.unwrap();
                assert_eq!(app.version, version + 1, "the rotation was committed");
                assert!(matches!(
                    w.service.authenticate_client(id, &secret).await,
                    Err(ServiceError::BadClient)
                ));
                return;
            }
        }
    }
    panic!("no rotation was caught waiting for its flush");
}

#[tokio::test]
async fn two_default_rotations_leave_the_two_newest_secrets_and_grace_zero_only_the_newest() {
    let w = world().await;
    let created = w.create("rotating").await;
    let id = created.app.sid.clone();
    let valid = async |secret: &str| {
        w.service
            .authenticate_client(id.as_str(), secret)
            .await
            .is_ok()
    };

    w.clock.advance(Seconds(10));
    let second = w
        .service
        .rotate_secret(&w.admin, &id, Seconds::DAY)
        .await
        .unwrap();
    w.clock.advance(Seconds(10));
    let third = w
        .service
        .rotate_secret(&w.admin, &id, Seconds::DAY)
        .await
        .unwrap();
    assert!(
        !valid(created.secret.expose()).await,
        "the oldest ends at once"
    );
    assert!(valid(second.secret.expose()).await);
    assert!(valid(third.secret.expose()).await);

    w.clock.advance(Seconds::DAY);
    assert!(
        !valid(second.secret.expose()).await,
        "the grace period is over"
    );
    assert!(valid(third.secret.expose()).await);

    let fourth = w
        .service
        .rotate_secret(&w.admin, &id, Seconds(0))
        .await
        .unwrap();
    assert!(!valid(third.secret.expose()).await);
    assert!(valid(fourth.secret.expose()).await);

    let rotations: Vec<_> = w
        .service
        .audit_events(
            &w.admin,
            AuditFilter {
                event_type: Some(AuditEventType::SecretRotated),
                page_size: 10,
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.changes[0].after.clone())
        .collect();
    assert_eq!(
        rotations,
        ["0s", "1d", "1d"],
        "newest first, each with its grace period"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_the_limit_and_nothing_is_written() {
    let w = world().await;
    let too_many: Vec<String> = oauth_console::model::scopes::catalog()
        .for_owner(OwnerKind::Account)
        .take(101)
        .map(|p| p.name.to_string())
        .collect();
    let mut cases: Vec<(NewApp, Field, &str)> = Vec::new();
    let mut many = settings("many", &[]);
    many.scopes = too_many;
    cases.push((
        new_app(&w.account, many),
        Field::Scopes,
        "at most 100 scopes; 101 were selected",
    ));
    let mut short = settings("short", &[MESSAGES_READ]);
    short.token_ttl = Seconds(30);
    cases.push((
        new_app(&w.account, short),
        Field::TokenTtl,
        "between 1 minute and 30 days",
    ));
    cases.push((
        new_app(&w.account, settings("unknown", &["/twilio/nothing/read"])),
        Field::Scopes,
        "is not a scope of account apps",
    ));
    cases.push((
        new_app(&w.account, settings("", &[MESSAGES_READ])),
        Field::Name,
        "name is required",
    ));
    let mut code_on_account = new_app(&w.account, settings("code", &[MESSAGES_READ]));
    code_on_account.grant_type = GrantType::AuthorizationCode;
    cases.push((
        code_on_account,
        Field::GrantType,
        "client-credentials grant type only",
    ));
    let mut elsewhere = new_app(&w.account, settings("ie1", &[MESSAGES_READ]));
    elsewhere.region = Some("ie1".into());
    cases.push((elsewhere, Field::Region, "us1 only"));

    for (app, field, expected) in cases {
        let error = w
            .service
            .create_app(&w.admin, app)
            .await
            .err()
            .expect("refused");
        let ServiceError::Invalid(errors) = &error else {
            panic!("{error}")
        };
        let message = &errors
            .for_field(field)
            .unwrap_or_else(|| panic!("{error}"))
            .message;
        assert!(message.contains(expected), "{message}");
    }
    let created = w.create("ok").await;
    let grace = w
        .service
        .rotate_secret(&w.admin, &created.app.sid, Seconds::days(31))
        .await;
    assert!(
        grace
            .err()
            .unwrap()
            .to_string()
            .contains("grace period must be between 0 and 30 days")
    );
    assert_eq!(
        w.app_names(&w.account).await,
        ["ok"],
        "only the valid app was written"
    );
    assert_eq!(w.events().await.len(), 1);
}

#[tokio::test]
async fn an_organization_makes_authorization_code_apps_with_redirect_urls() {
    let w = world().await;
    let mut code = settings("partner portal", &["managed-users/read", "offline_access"]);
    code.redirect_uris = vec!["https://partner.example.com/callback".into()];
    code.company_name = "Partner Inc".into();
    let created = w
        .service
        .create_app(
            &w.admin,
            NewApp {
                grant_type: GrantType::AuthorizationCode,
                ..new_app(&w.organization, code)
            },
        )
        .await
        .unwrap();
    let url = created
        .app
        .authorization_url("https://oauth.example.com")
        .unwrap();
    assert!(
        url.starts_with("https://oauth.example.com/v2/authorize?client_id=OQ"),
        "{url}"
    );
    assert!(url.contains("response_type=code"));
    assert!(url.contains("redirect_uri=https%3A%2F%2Fpartner.example.com%2Fcallback"));
}

#[tokio::test]
async fn updates_are_audited_with_what_changed_and_stale_saves_are_refused() {
    let w = world().await;
    let created = w.create("before").await;
    let id = created.app.sid;
    let update = AppUpdate {
        name: Some("after".into()),
        scopes: Some(vec![MESSAGES_READ.into(), MESSAGES_LIST.into()]),
        expected_version: Some(1),
        ..AppUpdate::default()
    };
    let updated = w
        .service
        .update_app(&w.admin, &id, update.clone())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    let stale = w.service.update_app(&w.admin, &id, update).await;
    let message = stale.err().unwrap().to_string();
    assert!(message.contains("changed elsewhere"), "{message}");
    let page = w
        .service
        .audit_events(
            &w.admin,
            AuditFilter {
                app: Some(id.clone()),
                page_size: 10,
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
    let changes: Vec<_> = page.items[0]
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.after.as_str()))
        .collect();
    assert_eq!(
        changes,
        [("name", "after"), ("scopes added", MESSAGES_LIST)]
    );
}

#[tokio::test]
async fn deleting_stops_the_secret_and_is_audited() {
    let w = world().await;
    let created = w.create("doomed").await;
    w.service
        .delete_app(&w.admin, &created.app.sid, None)
        .await
        .unwrap();
    assert!(
        w.service
            .authenticate_client(created.app.sid.as_str(), created.secret.expose())
            .await
            .is_err()
    );
    assert!(w.app_names(&w.account).await.is_empty());
    let types: Vec<_> = w.events().await.into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        types,
        [AuditEventType::AppDeleted, AuditEventType::AppCreated]
    );
    assert!(matches!(
        w.service.app(&w.admin, &created.app.sid).await,
        Err(ServiceError::NotFound { .. })
    ));
}

#[tokio::test]
async fn ending_the_grace_stops_the_older_secret_at_once_makes_none_and_is_audited() {
    let w = world().await;
    let created = w.create("ending").await;
    let id = created.app.sid.clone();
    let valid = async |secret: &str| {
        w.service
            .authenticate_client(id.as_str(), secret)
            .await
            .is_ok()
    };
    let nothing = w.service.end_grace(&w.admin, &id, None).await.unwrap_err();
    assert!(matches!(nothing, ServiceError::Conflict(_)), "{nothing:?}");
    assert_eq!(
        nothing.to_string(),
        "OAuth app 'ending' has no secret in a grace period: only its current secret works, so there is nothing to end (rotating makes a new secret)"
    );

    w.clock.advance(Seconds(10));
    let rotated = w
        .service
        .rotate_secret(&w.admin, &id, Seconds::DAY)
        .await
        .unwrap();
    assert_eq!(
        rotated
            .app
            .secrets
            .last()
            .unwrap()
            .created_by
            .as_ref()
            .map(|u| u.username.as_str()),
        Some("admin")
    );
    // Both work, and client authentication has the app cached now.
    assert!(valid(created.secret.expose()).await);
    assert!(valid(rotated.secret.expose()).await);

    let stale = w
        .service
        .end_grace(&w.admin, &id, Some(rotated.app.version - 1))
        .await
        .unwrap_err();
    assert!(stale.to_string().contains("changed elsewhere"), "{stale}");
    let billing = w.add_user("bill", &w.account, Role::Billing).await;
    assert!(matches!(
        w.service.end_grace(&billing, &id, None).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(
        valid(created.secret.expose()).await,
        "a refusal ends nothing"
    );

    w.clock.advance(Seconds(5));
    let ended = w
        .service
        .end_grace(&w.admin, &id, Some(rotated.app.version))
        .await
        .unwrap();
    assert_eq!(ended.secrets, rotated.app.secrets[1..]);
    assert!(!valid(created.secret.expose()).await, "ended at once");
    assert!(valid(rotated.secret.expose()).await);

    let events = w
        .service
        .audit_events(
            &w.admin,
            AuditFilter {
                event_type: Some(AuditEventType::SecretGraceEnded),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor.username, "admin");
    let changes: Vec<_> = events[0]
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.before.as_str(), c.after.as_str()))
        .collect();
    let grace_end = rotated.previous_expires_at.unwrap().to_rfc3339();
    let now = w.clock.now().to_rfc3339();
    assert_eq!(
        changes,
        [
            (
                "secret ended",
                "",
                created.app.secrets[0].short_id().as_str()
            ),
            (
                "previous secret valid until",
                grace_end.as_str(),
                now.as_str()
            ),
        ]
    );
}

#[tokio::test]
async fn billing_users_are_refused_and_say_which_role_they_need() {
    let w = world().await;
    let billing = w.add_user("bill", &w.account, Role::Billing).await;
    let refused = w
        .service
        .create_app(
            &billing,
            new_app(&w.account, settings("nope", &[MESSAGES_READ])),
        )
        .await
        .err()
        .unwrap();
    assert!(matches!(refused, ServiceError::Forbidden(_)));
    assert_eq!(
        refused.to_string(),
        format!(
            "bill is Billing of Main account ({}); to manage OAuth apps ask for the Owner, Administrator or Developer role",
            w.account
        )
    );
    let listing = w
        .service
        .apps(&billing, &w.account, ListApps::default())
        .await;
    assert!(matches!(listing, Err(ServiceError::Forbidden(_))));
}

#[tokio::test]
async fn tenants_see_only_their_own_owners_and_apps() {
    let w = world().await;
    let account_app = w.create("main account app").await;
    // A developer of the subaccount only: the parent account's apps are not theirs.
    let dev = w.add_user("dev", &w.subaccount, Role::Developer).await;
    let own = w
        .service
        .create_app(
            &dev,
            new_app(&w.subaccount, settings("sub app", &[MESSAGES_READ])),
        )
        .await
        .unwrap();
    assert!(matches!(
        w.service.app(&dev, &account_app.app.sid).await,
        Err(ServiceError::NotFound { .. })
    ));
    assert!(matches!(
        w.service.delete_app(&dev, &account_app.app.sid, None).await,
        Err(ServiceError::NotFound { .. })
    ));
    assert!(matches!(
        w.service.apps(&dev, &w.account, ListApps::default()).await,
        Err(ServiceError::NotFound { .. })
    ));
    assert!(
        w.service
            .create_app(&dev, new_app(&w.account, settings("x", &[MESSAGES_READ])))
            .await
            .is_err()
    );
    let owners: Vec<_> = w
        .service
        .owners(&dev)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.owner.sid)
        .collect();
    assert_eq!(owners, std::slice::from_ref(&w.subaccount));
    let seen: Vec<_> = w
        .service
        .audit_events(
            &dev,
            AuditFilter {
                page_size: 100,
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.app)
        .collect();
    assert_eq!(seen, std::slice::from_ref(&own.app.sid));
    // And the account's own list does not include the subaccount's app.
    assert_eq!(w.app_names(&w.account).await, ["main account app"]);
    let users: Vec<_> = w
        .service
        .users(&dev)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(users, ["admin", "dev"]);
}

#[tokio::test]
async fn lists_page_newest_first_and_filter_by_name() {
    let w = world().await;
    for n in 0..5 {
        w.clock.advance(Seconds(1));
        w.create(&format!("app {n}")).await;
    }
    w.create("other").await;
    let first = w
        .service
        .apps(
            &w.admin,
            &w.account,
            ListApps {
                name_contains: Some("APP".into()),
                page_size: 3,
                after: None,
                ..ListApps::default()
            },
        )
        .await
        .unwrap();
    let names: Vec<_> = first
        .items
        .iter()
        .map(|a| a.settings.name.as_str())
        .collect();
    assert_eq!(names, ["app 4", "app 3", "app 2"]);
    let rest = w
        .service
        .apps(
            &w.admin,
            &w.account,
            ListApps {
                name_contains: Some("app".into()),
                page_size: 3,
                after: first.next,
                ..ListApps::default()
            },
        )
        .await
        .unwrap();
    let names: Vec<_> = rest
        .items
        .iter()
        .map(|a| a.settings.name.as_str())
        .collect();
    assert_eq!(names, ["app 1", "app 0"]);
    assert_eq!(rest.next, None);
}

#[tokio::test]
async fn lists_page_oldest_first_when_asked() {
    let w = world().await;
    for n in 0..5 {
        w.clock.advance(Seconds(1));
        w.create(&format!("app {n}")).await;
    }
    let mut names = Vec::new();
    let mut after = None;
    loop {
        let page = w
            .service
            .apps(
                &w.admin,
                &w.account,
                ListApps {
                    order: AppOrder::OldestFirst,
                    page_size: 2,
                    after,
                    ..ListApps::default()
                },
            )
            .await
            .unwrap();
        names.extend(page.items.into_iter().map(|a| a.settings.name));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(names, ["app 0", "app 1", "app 2", "app 3", "app 4"]);
}

/// sled 0.34's `flush_async` deadlocks when several commits flush at once (spacejam/sled#1308);
/// the console runs backend calls concurrently and the server serves requests concurrently, so
/// many writers at once must all get their answer. The work runs on a runtime of its own in
/// another thread, so that a hang (which parks every worker) fails the test instead of stalling it.
#[test]
fn many_changes_at_once_all_commit() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let names = runtime.block_on(async {
            let w = world().await;
            let tasks: Vec<_> = (0..64)
                .map(|n| {
                    let service = w.service.clone();
                    let new = new_app(&w.account, settings(&format!("app {n}"), &[MESSAGES_READ]));
                    let admin = w.admin.clone();
                    tokio::spawn(async move { service.create_app(&admin, new).await.map(|_| ()) })
                })
                .collect();
            for task in tasks {
                task.await.unwrap().unwrap();
            }
            w.app_names(&w.account).await.len()
        });
        let _ = done.send(names);
    });
    let created = finished
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("64 concurrent creates should all commit, not hang");
    assert_eq!(created, 64);
}

#[tokio::test]
async fn an_administrator_cannot_shut_out_an_owner_or_a_stranger_by_marking_them_read_only() {
    let w = world().await;
    let ada = w.add_user("ada", &w.account, Role::Administrator).await;
    w.add_user("olive", &w.account, Role::Owner).await;
    let dev = w.add_user("dev", &w.account, Role::Developer).await;
    w.add_user("stranger", &w.organization, Role::Owner).await;

    let marked = w.service.set_read_only(&ada, "dev", true).await.unwrap();
    assert!(marked.read_only);
    let refused = w
        .service
        .create_app(&dev, new_app(&w.account, settings("x", &[MESSAGES_READ])))
        .await;
    assert!(
        matches!(&refused, Err(ServiceError::Forbidden(why)) if why == "read-only: dev may read but not create apps; an Owner or Administrator can lift it"),
        "{:?}",
        refused.err()
    );
    // Reading goes on.
    assert!(
        w.service
            .apps(&dev, &w.account, ListApps::default())
            .await
            .is_ok()
    );

    let owner = w.service.set_read_only(&ada, "olive", true).await;
    assert!(
        matches!(&owner, Err(ServiceError::Forbidden(why)) if why.contains("only an Owner may change an Owner")),
        "{:?}",
        owner.err()
    );
    let own = w.service.set_read_only(&ada, "ada", true).await;
    assert!(matches!(own, Err(ServiceError::Forbidden(_))));
    let stranger = w.service.set_read_only(&ada, "stranger", true).await;
    assert!(matches!(stranger, Err(ServiceError::NotFound { .. })));
    let users = w.service.users(&w.admin).await.unwrap();
    let read_only: Vec<&str> = users
        .iter()
        .filter(|u| u.read_only)
        .map(|u| u.username.as_str())
        .collect();
    assert_eq!(read_only, ["dev"]);

    w.service.set_read_only(&ada, "dev", false).await.unwrap();
    w.service
        .create_app(&dev, new_app(&w.account, settings("x", &[MESSAGES_READ])))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_handle_that_reads_only_refuses_changes_while_the_service_beside_it_changes_as_ever() {
    let w = world().await;
    let reading = w.service.clone().reading_only();
    assert!(reading.user(&w.admin).await.unwrap().read_only);
    let refused = reading
        .create_app(
            &w.admin,
            new_app(&w.account, settings("x", &[MESSAGES_READ])),
        )
        .await;
    assert!(matches!(refused, Err(ServiceError::Forbidden(_))));
    let refused = reading
        .rotate_signing_key(oauth_console::model::SigningAlg::ES256)
        .await;
    assert!(matches!(refused, Err(ServiceError::Forbidden(_))));
    assert!(!w.service.user(&w.admin).await.unwrap().read_only);
    w.create("made beside it").await;
    assert_eq!(
        reading
            .apps(&w.admin, &w.account, ListApps::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}
