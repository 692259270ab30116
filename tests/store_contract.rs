//! What every `Store` promises, checked the same way against each: the embedded `SledStore` and
//! the shared `PgStore` (skipped, and said so once, without a PostgreSQL; see postgres.rs). Each
//! scenario is one function over `&dyn Store`; [`contract!`] runs each over both.

use std::sync::Arc;

use oauth_console::model::{AppOrder, Page};
use oauth_console::model::{
    AppSettings, AuditEvent, AuditEventType, Authorization, AuthorizationCode, GrantType,
    Membership, OAuthApp, Owner, PrivateKeyDer, RefreshToken, Role, SecretDigest, Session, Sid,
    SidKind, SigningAlg, SigningKeyRecord, Timestamp, User, UserRef,
};
use oauth_console::store::{
    AppQuery, AuditQuery, AuthorizationQuery, Expect, Granting, PurgeCutoffs, Purged, SledStore,
    Store, StoreError, Write,
};

/// Runs each scenario over a new sled store in a temporary directory and over a new PostgreSQL
/// database.
macro_rules! contract {
    ($($scenario:ident,)*) => {
        mod sled {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let dir = tempfile::tempdir().unwrap();
                    let store: Arc<dyn super::Store> =
                        Arc::new(super::SledStore::open(dir.path()).unwrap());
                    super::$scenario(store).await;
                }
            )*
            use std::sync::Arc;
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(database) = crate::postgres::TestDatabase::create().await else {
                        return;
                    };
                    let store: Arc<dyn super::Store> = Arc::new(database.store().await);
                    super::$scenario(store).await;
                }
            )*
            use std::sync::Arc;
        }
    };
}

contract! {
    an_app_is_written_once_then_only_over_the_version_last_read,
    a_refused_commit_names_the_write_refused_and_writes_nothing,
    apps_page_newest_or_oldest_first_through_every_page_and_by_name,
    a_name_filter_follows_renames,
    a_page_token_that_is_not_one_is_refused,
    audit_events_page_newest_first_filtered_by_owner_app_and_type,
    users_are_found_by_name_ignoring_case_and_a_taken_name_is_refused,
    a_user_is_replaced_only_over_the_record_last_read,
    owners_are_kept_and_listed,
    authorizations_page_newest_first_without_revoked_unless_asked,
    a_code_is_redeemed_once_and_a_refresh_token_spent_once,
    a_code_or_refresh_token_is_read_with_its_authorization_and_user_while_they_exist,
    an_active_authorization_is_touched_by_any_number_of_grants_and_a_revoked_one_refused,
    of_many_racing_to_redeem_one_code_exactly_one_wins,
    signing_keys_list_oldest_first_and_a_retirement_is_kept,
    a_revoked_token_and_a_session_are_kept_until_removed,
    a_purge_takes_what_expired_oldest_first_a_batch_at_a_time,
    a_purge_keeps_what_was_written_again_to_matter_longer_and_keys_that_sign,
}

pub fn sid(kind: SidKind, byte: u8) -> Sid {
    Sid::new(kind, [byte; 16])
}

pub fn owner_sid(byte: u8) -> Sid {
    sid(SidKind::Account, byte)
}

fn admin() -> UserRef {
    UserRef {
        sid: sid(SidKind::User, 2),
        username: "admin".into(),
    }
}

/// An app of owner 1 made at `created_at`.
pub fn app(byte: u8, created_at: i64, name: &str, version: u64) -> OAuthApp {
    OAuthApp {
        sid: sid(SidKind::OAuthApp, byte),
        owner: owner_sid(1),
        grant_type: GrantType::ClientCredentials,
        settings: AppSettings {
            name: name.into(),
            ..AppSettings::default()
        },
        secrets: Vec::new(),
        created_at: Timestamp(created_at),
        updated_at: Timestamp(created_at),
        created_by: admin(),
        version,
    }
}

pub fn code(byte: u8, expires_at: i64) -> AuthorizationCode {
    AuthorizationCode {
        digest: SecretDigest::of(&format!("code {byte}")),
        authorization: sid(SidKind::Authorization, byte),
        app: sid(SidKind::OAuthApp, 7),
        user: sid(SidKind::User, 2),
        redirect_uri: "https://example.com/callback".into(),
        scopes: vec!["openid".into()],
        code_challenge: None,
        nonce: None,
        auth_time: None,
        expires_at: Timestamp(expires_at),
        redeemed: false,
    }
}

pub fn refresh_token(byte: u8, expires_at: i64) -> RefreshToken {
    RefreshToken {
        digest: SecretDigest::of(&format!("refresh {byte}")),
        authorization: sid(SidKind::Authorization, byte),
        app: sid(SidKind::OAuthApp, 7),
        scopes: vec!["offline_access".into()],
        auth_time: Some(Timestamp(5)),
        expires_at: Timestamp(expires_at),
        spent: false,
    }
}

fn session(byte: u8, expires_at: i64) -> Session {
    Session {
        digest: SecretDigest::of(&format!("session {byte}")),
        user: sid(SidKind::User, 2),
        created_at: Timestamp(0),
        expires_at: Timestamp(expires_at),
    }
}

fn authorization(byte: u8, app: u8, created_at: i64) -> Authorization {
    Authorization {
        sid: sid(SidKind::Authorization, byte),
        app: sid(SidKind::OAuthApp, app),
        app_name: "Partner portal".into(),
        owner: owner_sid(1),
        user: admin(),
        scopes: vec!["openid".into()],
        created_at: Timestamp(created_at),
        last_used_at: Timestamp(created_at),
        revoked_at: None,
        version: 1,
    }
}

fn event(byte: u8, at: i64, app: u8, event_type: AuditEventType, owner: u8) -> AuditEvent {
    AuditEvent {
        sid: sid(SidKind::AuditEvent, byte),
        event_type,
        owner: owner_sid(owner),
        app: sid(SidKind::OAuthApp, app),
        app_name: format!("app {app}"),
        actor: admin(),
        at: Timestamp(at),
        changes: Vec::new(),
    }
}

pub fn key(kid: &str, created_at: i64, retired_at: Option<i64>) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.into(),
        alg: SigningAlg::ES256,
        private_key: PrivateKeyDer(vec![1, 2, 3]),
        created_at: Timestamp(created_at),
        retired_at: retired_at.map(Timestamp),
    }
}

fn put(app: &OAuthApp, expect: Expect) -> Write {
    Write::PutApp {
        app: app.clone(),
        expect,
    }
}

fn is_conflict_at(result: &Result<(), StoreError>, position: usize) -> bool {
    matches!(result, Err(StoreError::Conflict { write, .. }) if *write == position)
}

fn apps_query(order: AppOrder, page_size: usize) -> AppQuery {
    AppQuery {
        owner: owner_sid(1),
        order,
        name_contains: None,
        page_size,
        after: None,
    }
}

/// Follows `next` from the first page to the last, collecting what each page held.
async fn every_page<T>(
    mut read: impl AsyncFnMut(Option<String>) -> Result<Page<T>, StoreError>,
) -> Vec<T> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = read(after).await.unwrap();
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

async fn an_app_is_written_once_then_only_over_the_version_last_read(store: Arc<dyn Store>) {
    let first = app(1, 1_000, "Partner portal", 1);
    store
        .commit(vec![put(&first, Expect::Absent)])
        .await
        .unwrap();
    assert_eq!(store.app(&first.sid).await.unwrap(), Some(first.clone()));
    let again = store.commit(vec![put(&first, Expect::Absent)]).await;
    assert!(is_conflict_at(&again, 0), "{again:?}");

    let renamed = app(1, 1_000, "Partner portal (EU)", 2);
    store
        .commit(vec![put(&renamed, Expect::Version(1))])
        .await
        .unwrap();
    let stale = store
        .commit(vec![put(
            &app(1, 1_000, "Lost update", 2),
            Expect::Version(1),
        )])
        .await;
    assert!(is_conflict_at(&stale, 0), "{stale:?}");
    assert_eq!(store.app(&first.sid).await.unwrap(), Some(renamed.clone()));

    let stale_delete = store
        .commit(vec![Write::DeleteApp {
            app: renamed.clone(),
            expect: Expect::Version(1),
        }])
        .await;
    assert!(is_conflict_at(&stale_delete, 0), "{stale_delete:?}");
    store
        .commit(vec![Write::DeleteApp {
            app: renamed.clone(),
            expect: Expect::Version(2),
        }])
        .await
        .unwrap();
    assert_eq!(store.app(&first.sid).await.unwrap(), None);
    let page = store
        .apps(&apps_query(AppOrder::NewestFirst, 10))
        .await
        .unwrap();
    assert!(page.items.is_empty(), "a deleted app leaves its list");
}

async fn a_refused_commit_names_the_write_refused_and_writes_nothing(store: Arc<dyn Store>) {
    let stale = app(1, 1_000, "Partner portal", 1);
    store
        .commit(vec![put(&stale, Expect::Absent)])
        .await
        .unwrap();
    let other = app(2, 2_000, "Billing", 1);
    let refused = store
        .commit(vec![
            put(&other, Expect::Absent),
            Write::AddAuditEvent(event(1, 2_000, 2, AuditEventType::AppCreated, 1)),
            put(
                &app(1, 1_000, "Partner portal renamed", 3),
                Expect::Version(2),
            ),
        ])
        .await;
    assert!(is_conflict_at(&refused, 2), "{refused:?}");
    assert_eq!(store.app(&other.sid).await.unwrap(), None);
    assert_eq!(store.app(&stale.sid).await.unwrap(), Some(stale));
    let events = store
        .audit_events(&AuditQuery {
            owners: vec![owner_sid(1)],
            app: None,
            event_type: None,
            page_size: 10,
            after: None,
        })
        .await
        .unwrap();
    assert!(events.items.is_empty(), "{:?}", events.items);
}

async fn apps_page_newest_or_oldest_first_through_every_page_and_by_name(store: Arc<dyn Store>) {
    // Seven apps of owner 1, three made in the same millisecond, and two of another owner.
    let made = [
        (1, 1_000),
        (2, 2_000),
        (3, 3_000),
        (4, 3_000),
        (5, 3_000),
        (6, 4_000),
        (7, 5_000),
    ];
    let mut writes: Vec<Write> = made
        .iter()
        .map(|&(byte, at)| put(&app(byte, at, &format!("App {byte}"), 1), Expect::Absent))
        .collect();
    for byte in [8, 9] {
        let mut theirs = app(byte, 3_500, "Theirs", 1);
        theirs.owner = owner_sid(9);
        writes.push(put(&theirs, Expect::Absent));
    }
    store.commit(writes).await.unwrap();

    let names = |apps: Vec<OAuthApp>| -> Vec<String> {
        apps.into_iter().map(|a| a.settings.name).collect()
    };
    for page_size in [1, 2, 3, 7, 50] {
        let newest = every_page(async |after| {
            store
                .apps(&AppQuery {
                    after,
                    ..apps_query(AppOrder::NewestFirst, page_size)
                })
                .await
        })
        .await;
        let newest = names(newest);
        assert_eq!(newest.len(), 7, "page size {page_size}: {newest:?}");
        assert_eq!(newest[0], "App 7");
        assert_eq!(newest[1], "App 6");
        assert_eq!(newest[5], "App 2");
        assert_eq!(newest[6], "App 1");
        let mut same_millisecond = newest[2..5].to_vec();
        same_millisecond.sort();
        assert_eq!(same_millisecond, ["App 3", "App 4", "App 5"]);

        let oldest = every_page(async |after| {
            store
                .apps(&AppQuery {
                    after,
                    ..apps_query(AppOrder::OldestFirst, page_size)
                })
                .await
        })
        .await;
        let mut reversed = names(oldest);
        reversed.reverse();
        assert_eq!(reversed, newest, "oldest first is newest first reversed");
    }
    let last = store
        .apps(&apps_query(AppOrder::NewestFirst, 7))
        .await
        .unwrap();
    assert_eq!(last.next, None, "a page holding the last app names no next");

    let filtered = every_page(async |after| {
        store
            .apps(&AppQuery {
                name_contains: Some("APP 3".into()),
                after,
                ..apps_query(AppOrder::NewestFirst, 1)
            })
            .await
    })
    .await;
    assert_eq!(names(filtered), ["App 3"]);
}

async fn a_name_filter_follows_renames(store: Arc<dyn Store>) {
    let named = async |needle: &str| -> Vec<String> {
        let page = store
            .apps(&AppQuery {
                name_contains: Some(needle.into()),
                ..apps_query(AppOrder::NewestFirst, 10)
            })
            .await
            .unwrap();
        page.items.into_iter().map(|a| a.settings.name).collect()
    };
    store
        .commit(vec![put(&app(1, 1_000, "Billing Sync", 1), Expect::Absent)])
        .await
        .unwrap();
    assert_eq!(named("billing").await, ["Billing Sync"]);
    assert_eq!(
        named("%").await,
        Vec::<String>::new(),
        "no pattern characters"
    );
    store
        .commit(vec![put(&app(1, 1_000, "Reports", 2), Expect::Version(1))])
        .await
        .unwrap();
    assert!(named("billing").await.is_empty());
    assert_eq!(named("REP").await, ["Reports"]);
}

async fn a_page_token_that_is_not_one_is_refused(store: Arc<dyn Store>) {
    for token in ["not a token", "zz"] {
        let refused = store
            .apps(&AppQuery {
                after: Some(token.into()),
                ..apps_query(AppOrder::NewestFirst, 10)
            })
            .await;
        assert!(
            matches!(&refused, Err(StoreError::BadPageToken(t)) if t == token),
            "{refused:?}"
        );
    }
}

async fn audit_events_page_newest_first_filtered_by_owner_app_and_type(store: Arc<dyn Store>) {
    use AuditEventType::{AppCreated, AppUpdated, SecretRotated};
    // Events 3 and 4 happen in the same millisecond; 4 is written after 3.
    let events = [
        event(1, 1_000, 1, AppCreated, 1),
        event(2, 2_000, 2, AppCreated, 1),
        event(3, 3_000, 1, AppUpdated, 1),
        event(4, 3_000, 1, SecretRotated, 1),
        event(5, 4_000, 2, AppUpdated, 1),
        event(6, 3_500, 3, AppCreated, 9),
    ];
    for event in &events {
        store
            .commit(vec![Write::AddAuditEvent(event.clone())])
            .await
            .unwrap();
    }
    let query = |owners: Vec<Sid>, app: Option<u8>, event_type, page_size| AuditQuery {
        owners,
        app: app.map(|byte| sid(SidKind::OAuthApp, byte)),
        event_type,
        page_size,
        after: None,
    };
    let sids = |found: Vec<AuditEvent>| -> Vec<Sid> { found.into_iter().map(|e| e.sid).collect() };
    let expect =
        |bytes: &[u8]| -> Vec<Sid> { bytes.iter().map(|&b| sid(SidKind::AuditEvent, b)).collect() };
    for page_size in [1, 2, 10] {
        let all = every_page(async |after| {
            store
                .audit_events(&AuditQuery {
                    after,
                    ..query(vec![owner_sid(1)], None, None, page_size)
                })
                .await
        })
        .await;
        assert_eq!(sids(all), expect(&[5, 4, 3, 2, 1]), "page size {page_size}");
    }
    let both_owners = store
        .audit_events(&query(vec![owner_sid(1), owner_sid(9)], None, None, 10))
        .await
        .unwrap();
    assert_eq!(sids(both_owners.items), expect(&[5, 6, 4, 3, 2, 1]));
    let one_app = every_page(async |after| {
        store
            .audit_events(&AuditQuery {
                after,
                ..query(vec![owner_sid(1)], Some(1), None, 1)
            })
            .await
    })
    .await;
    assert_eq!(sids(one_app), expect(&[4, 3, 1]));
    let updates = store
        .audit_events(&query(vec![owner_sid(1)], None, Some(AppUpdated), 10))
        .await
        .unwrap();
    assert_eq!(sids(updates.items), expect(&[5, 3]));
    let nobody = store
        .audit_events(&query(vec![], None, None, 10))
        .await
        .unwrap();
    assert!(nobody.items.is_empty());
}

fn user(byte: u8, username: &str) -> User {
    User {
        sid: sid(SidKind::User, byte),
        username: username.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        roles: vec![Membership {
            owner: owner_sid(1),
            role: Role::Developer,
        }],
        created_at: Timestamp(1_000),
        read_only: false,
    }
}

async fn users_are_found_by_name_ignoring_case_and_a_taken_name_is_refused(store: Arc<dyn Store>) {
    // Made in an order their SIDs do not sort in: the first user is the one made first.
    for (byte, name) in [(9, "Zoe"), (3, "ada"), (5, "Bob")] {
        store
            .commit(vec![Write::CreateUser(user(byte, name))])
            .await
            .unwrap();
    }
    let taken = store
        .commit(vec![
            Write::PutOwner(Owner {
                sid: owner_sid(4),
                name: "Lost".into(),
                parent: None,
            }),
            Write::CreateUser(user(6, "ADA")),
        ])
        .await;
    assert!(is_conflict_at(&taken, 1), "{taken:?}");
    assert_eq!(store.owner(&owner_sid(4)).await.unwrap(), None);
    assert_eq!(
        store.user_by_name("BOB").await.unwrap(),
        Some(user(5, "Bob"))
    );
    assert_eq!(store.user_by_name("carol").await.unwrap(), None);
    assert_eq!(
        store.user(&sid(SidKind::User, 3)).await.unwrap(),
        Some(user(3, "ada"))
    );
    let names: Vec<String> = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["Zoe", "ada", "Bob"]);
}

async fn a_user_is_replaced_only_over_the_record_last_read(store: Arc<dyn Store>) {
    let ada = user(3, "ada");
    store
        .commit(vec![Write::CreateUser(ada.clone())])
        .await
        .unwrap();
    let read_only = User {
        read_only: true,
        ..ada.clone()
    };
    store
        .commit(vec![Write::ReplaceUser {
            user: read_only.clone(),
            was: ada.clone(),
        }])
        .await
        .unwrap();
    assert_eq!(
        store.user_by_name("ADA").await.unwrap(),
        Some(read_only.clone())
    );
    // Made from the record before the change: refused, and the change stays.
    let stale = store
        .commit(vec![Write::ReplaceUser {
            user: User {
                roles: Vec::new(),
                ..ada.clone()
            },
            was: ada.clone(),
        }])
        .await;
    assert!(is_conflict_at(&stale, 0), "{stale:?}");
    let missing = store
        .commit(vec![Write::ReplaceUser {
            user: user(8, "nobody"),
            was: user(8, "nobody"),
        }])
        .await;
    assert!(is_conflict_at(&missing, 0), "{missing:?}");
    assert_eq!(
        store.user(&sid(SidKind::User, 3)).await.unwrap(),
        Some(read_only)
    );
}

async fn owners_are_kept_and_listed(store: Arc<dyn Store>) {
    let account = Owner {
        sid: owner_sid(1),
        name: "Acme".into(),
        parent: None,
    };
    let subaccount = Owner {
        sid: owner_sid(2),
        name: "Acme EU".into(),
        parent: Some(owner_sid(1)),
    };
    store
        .commit(vec![
            Write::PutOwner(subaccount.clone()),
            Write::PutOwner(account.clone()),
        ])
        .await
        .unwrap();
    let renamed = Owner {
        name: "Acme Inc".into(),
        ..account
    };
    store
        .commit(vec![Write::PutOwner(renamed.clone())])
        .await
        .unwrap();
    assert_eq!(
        store.owner(&owner_sid(1)).await.unwrap(),
        Some(renamed.clone())
    );
    let mut all = store.owners().await.unwrap();
    all.sort_by(|a, b| a.sid.as_str().cmp(b.sid.as_str()));
    assert_eq!(all, [renamed, subaccount]);
}

async fn authorizations_page_newest_first_without_revoked_unless_asked(store: Arc<dyn Store>) {
    let writes = [(1, 1, 1_000), (2, 2, 2_000), (3, 1, 3_000), (4, 1, 4_000)]
        .into_iter()
        .map(|(byte, app, at)| Write::PutAuthorization {
            authorization: authorization(byte, app, at),
            expect: Expect::Absent,
        })
        .collect();
    store.commit(writes).await.unwrap();
    let again = store
        .commit(vec![Write::PutAuthorization {
            authorization: authorization(4, 1, 4_000),
            expect: Expect::Absent,
        }])
        .await;
    assert!(is_conflict_at(&again, 0), "{again:?}");
    let revoked = Authorization {
        revoked_at: Some(Timestamp(5_000)),
        version: 2,
        ..authorization(3, 1, 3_000)
    };
    store
        .commit(vec![Write::PutAuthorization {
            authorization: revoked.clone(),
            expect: Expect::Version(1),
        }])
        .await
        .unwrap();
    let stale = store
        .commit(vec![Write::PutAuthorization {
            authorization: authorization(3, 1, 3_000),
            expect: Expect::Version(1),
        }])
        .await;
    assert!(is_conflict_at(&stale, 0), "{stale:?}");
    assert_eq!(
        store.authorization(&revoked.sid).await.unwrap(),
        Some(revoked)
    );

    let query = |include_revoked, app: Option<u8>, after| AuthorizationQuery {
        owner: owner_sid(1),
        app: app.map(|byte| sid(SidKind::OAuthApp, byte)),
        include_revoked,
        page_size: 1,
        after,
    };
    let bytes =
        |found: Vec<Authorization>| -> Vec<Sid> { found.into_iter().map(|a| a.sid).collect() };
    let expect = |list: &[u8]| -> Vec<Sid> {
        list.iter()
            .map(|&b| sid(SidKind::Authorization, b))
            .collect()
    };
    let active =
        every_page(async |after| store.authorizations(&query(false, None, after)).await).await;
    assert_eq!(bytes(active), expect(&[4, 2, 1]));
    let all = every_page(async |after| store.authorizations(&query(true, None, after)).await).await;
    assert_eq!(bytes(all), expect(&[4, 3, 2, 1]));
    let one_app =
        every_page(async |after| store.authorizations(&query(true, Some(1), after)).await).await;
    assert_eq!(bytes(one_app), expect(&[4, 3, 1]));
}

async fn a_code_is_redeemed_once_and_a_refresh_token_spent_once(store: Arc<dyn Store>) {
    let issued = code(1, 10_000);
    let token = refresh_token(1, 10_000);
    store
        .commit(vec![
            Write::AddAuthorizationCode(issued.clone()),
            Write::AddRefreshToken(token.clone()),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.authorization_code(&issued.digest).await.unwrap(),
        Some(issued.clone())
    );
    assert_eq!(
        store.refresh_token(&token.digest).await.unwrap(),
        Some(token.clone())
    );
    // With the authorization it touches, as the service redeems: either both or neither.
    let redeem = || {
        vec![
            Write::PutAuthorization {
                authorization: authorization(1, 7, 1_000),
                expect: Expect::Absent,
            },
            Write::RedeemAuthorizationCode(issued.digest.clone()),
        ]
    };
    store.commit(redeem()).await.unwrap();
    let replay = store
        .commit(vec![Write::RedeemAuthorizationCode(issued.digest.clone())])
        .await;
    assert!(is_conflict_at(&replay, 0), "{replay:?}");
    let redeemed = store.authorization_code(&issued.digest).await.unwrap();
    assert_eq!(redeemed.map(|c| c.redeemed), Some(true));

    let spend = store
        .commit(vec![
            Write::SpendRefreshToken(token.digest.clone()),
            Write::AddRefreshToken(refresh_token(2, 20_000)),
        ])
        .await;
    spend.unwrap();
    let reuse = store
        .commit(vec![
            Write::AddRefreshToken(refresh_token(3, 20_000)),
            Write::SpendRefreshToken(token.digest.clone()),
        ])
        .await;
    assert!(is_conflict_at(&reuse, 1), "{reuse:?}");
    let spent = store.refresh_token(&token.digest).await.unwrap();
    assert_eq!(spent.map(|t| t.spent), Some(true));
    let never_made = refresh_token(3, 20_000).digest;
    assert_eq!(store.refresh_token(&never_made).await.unwrap(), None);

    let unknown = store
        .commit(vec![Write::RedeemAuthorizationCode(SecretDigest::of(
            "never issued",
        ))])
        .await;
    assert!(is_conflict_at(&unknown, 0), "{unknown:?}");
}

async fn a_code_or_refresh_token_is_read_with_its_authorization_and_user_while_they_exist(
    store: Arc<dyn Store>,
) {
    // Code and refresh token 1 belong to authorization 1, approved by the admin (user 2); those
    // numbered 2 to an authorization never made (the admin still exists for the code's user).
    let admin = user(2, "admin");
    let approved = authorization(1, 7, 1_000);
    store
        .commit(vec![
            Write::CreateUser(admin.clone()),
            Write::PutAuthorization {
                authorization: approved.clone(),
                expect: Expect::Absent,
            },
            Write::AddAuthorizationCode(code(1, 10_000)),
            Write::AddRefreshToken(refresh_token(1, 10_000)),
            Write::AddAuthorizationCode(code(2, 10_000)),
            Write::AddRefreshToken(refresh_token(2, 10_000)),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.code_granting(&code(1, 0).digest).await.unwrap(),
        Some(Granting {
            credential: code(1, 10_000),
            authorization: Some(approved.clone()),
            user: Some(admin.clone()),
        })
    );
    assert_eq!(
        store
            .refresh_granting(&refresh_token(1, 0).digest)
            .await
            .unwrap(),
        Some(Granting {
            credential: refresh_token(1, 10_000),
            authorization: Some(approved.clone()),
            user: Some(admin.clone()),
        })
    );
    assert_eq!(
        store.code_granting(&code(2, 0).digest).await.unwrap(),
        Some(Granting {
            credential: code(2, 10_000),
            authorization: None,
            user: Some(admin.clone()),
        })
    );
    assert_eq!(
        store
            .refresh_granting(&refresh_token(2, 0).digest)
            .await
            .unwrap(),
        Some(Granting {
            credential: refresh_token(2, 10_000),
            authorization: None,
            user: None,
        })
    );
    let never_issued = SecretDigest::of("never issued");
    assert_eq!(store.code_granting(&never_issued).await.unwrap(), None);
    assert_eq!(store.refresh_granting(&never_issued).await.unwrap(), None);

    // Spent, each reads as spent, with what it was granted under.
    store
        .commit(vec![
            Write::RedeemAuthorizationCode(code(1, 0).digest),
            Write::SpendRefreshToken(refresh_token(1, 0).digest),
        ])
        .await
        .unwrap();
    let redeemed = store.code_granting(&code(1, 0).digest).await.unwrap();
    assert_eq!(
        redeemed.map(|g| (g.credential.redeemed, g.authorization)),
        Some((true, Some(approved.clone())))
    );
    let spent = store
        .refresh_granting(&refresh_token(1, 0).digest)
        .await
        .unwrap();
    assert_eq!(
        spent.map(|g| (g.credential.spent, g.user)),
        Some((true, Some(admin)))
    );
}

async fn an_active_authorization_is_touched_by_any_number_of_grants_and_a_revoked_one_refused(
    store: Arc<dyn Store>,
) {
    let approved = authorization(1, 7, 1_000);
    store
        .commit(vec![Write::PutAuthorization {
            authorization: approved.clone(),
            expect: Expect::Absent,
        }])
        .await
        .unwrap();
    let touch = |at| Write::TouchAuthorization {
        sid: approved.sid.clone(),
        at: Timestamp(at),
    };
    // Eight grants at once, none refused; the last use is the latest, whatever the order.
    let touches = (0..8).map(|n| {
        let store = store.clone();
        let write = touch(5_000 + n * 100);
        tokio::spawn(async move { store.commit(vec![write]).await })
    });
    for touched in touches.collect::<Vec<_>>() {
        touched.await.unwrap().unwrap();
    }
    let touched = store.authorization(&approved.sid).await.unwrap().unwrap();
    assert_eq!(touched.last_used_at, Timestamp(5_700));
    assert_eq!(touched.version, 9, "each touch counts as a change");
    store.commit(vec![touch(2_000)]).await.unwrap();
    let later = store.authorization(&approved.sid).await.unwrap().unwrap();
    assert_eq!(
        (later.last_used_at, later.version),
        (Timestamp(5_700), 10),
        "an earlier use leaves the last use as it was"
    );
    // An edit from a read before the touches is refused: they changed its version.
    let stale = store
        .commit(vec![Write::PutAuthorization {
            authorization: Authorization {
                revoked_at: Some(Timestamp(6_000)),
                version: 2,
                ..approved.clone()
            },
            expect: Expect::Version(1),
        }])
        .await;
    assert!(is_conflict_at(&stale, 0), "{stale:?}");

    store
        .commit(vec![Write::PutAuthorization {
            authorization: Authorization {
                revoked_at: Some(Timestamp(6_000)),
                version: 11,
                ..later.clone()
            },
            expect: Expect::Version(10),
        }])
        .await
        .unwrap();
    let after_revocation = store
        .commit(vec![
            Write::AddRefreshToken(refresh_token(1, 10_000)),
            touch(7_000),
        ])
        .await;
    assert!(is_conflict_at(&after_revocation, 1), "{after_revocation:?}");
    let revoked = store.authorization(&approved.sid).await.unwrap().unwrap();
    assert_eq!(
        (revoked.revoked_at, revoked.last_used_at),
        (Some(Timestamp(6_000)), Timestamp(5_700))
    );
    assert_eq!(
        store
            .refresh_token(&refresh_token(1, 0).digest)
            .await
            .unwrap(),
        None,
        "nothing of the refused commit was written"
    );
    let never_made = store
        .commit(vec![Write::TouchAuthorization {
            sid: sid(SidKind::Authorization, 99),
            at: Timestamp(7_000),
        }])
        .await;
    assert!(is_conflict_at(&never_made, 0), "{never_made:?}");
}

async fn of_many_racing_to_redeem_one_code_exactly_one_wins(store: Arc<dyn Store>) {
    for round in 0..10u8 {
        let issued = code(round, 10_000);
        store
            .commit(vec![Write::AddAuthorizationCode(issued.clone())])
            .await
            .unwrap();
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                let digest = issued.digest.clone();
                tokio::spawn(async move {
                    store
                        .commit(vec![Write::RedeemAuthorizationCode(digest)])
                        .await
                })
            })
            .collect();
        let mut won = 0;
        for racer in racers {
            match racer.await.unwrap() {
                Ok(()) => won += 1,
                Err(StoreError::Conflict { write: 0, .. }) => {}
                Err(other) => panic!("round {round}: {other:?}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
}

async fn signing_keys_list_oldest_first_and_a_retirement_is_kept(store: Arc<dyn Store>) {
    store
        .commit(vec![
            Write::PutSigningKey(key("newer", 2_000, None)),
            Write::PutSigningKey(key("older", 1_000, None)),
        ])
        .await
        .unwrap();
    store
        .commit(vec![Write::PutSigningKey(key("older", 1_000, Some(2_000)))])
        .await
        .unwrap();
    assert_eq!(
        store.signing_keys().await.unwrap(),
        [key("older", 1_000, Some(2_000)), key("newer", 2_000, None)]
    );
}

async fn a_revoked_token_and_a_session_are_kept_until_removed(store: Arc<dyn Store>) {
    assert!(!store.is_token_revoked("jti-1").await.unwrap());
    store
        .commit(vec![
            Write::RevokeToken {
                jti: "jti-1".into(),
                expires_at: Timestamp(9_000),
            },
            Write::PutSession(session(1, 9_000)),
        ])
        .await
        .unwrap();
    assert!(store.is_token_revoked("jti-1").await.unwrap());
    assert!(!store.is_token_revoked("jti-2").await.unwrap());
    let digest = session(1, 0).digest;
    assert_eq!(
        store.session(&digest).await.unwrap(),
        Some(session(1, 9_000))
    );
    store
        .commit(vec![
            Write::DeleteSession(digest.clone()),
            Write::DeleteSession(session(2, 0).digest),
        ])
        .await
        .unwrap();
    assert_eq!(store.session(&digest).await.unwrap(), None);
}

/// Purges codes and sessions expired before `before`, nothing else.
fn cutoffs(before: i64) -> PurgeCutoffs {
    PurgeCutoffs {
        codes_expired_before: Timestamp(before),
        refresh_tokens_expired_before: Timestamp(0),
        revocations_expired_before: Timestamp(0),
        sessions_expired_before: Timestamp(before),
        signing_keys_retired_before: Timestamp(0),
        failure_windows_ended_before: Timestamp(0),
    }
}

async fn a_purge_takes_what_expired_oldest_first_a_batch_at_a_time(store: Arc<dyn Store>) {
    let writes = (1..=5u8)
        .map(|n| Write::AddAuthorizationCode(code(n, i64::from(n) * 1000)))
        .collect();
    store.commit(writes).await.unwrap();
    let left = async || {
        let mut left = Vec::new();
        for n in 1..=5u8 {
            if store
                .authorization_code(&code(n, 0).digest)
                .await
                .unwrap()
                .is_some()
            {
                left.push(n);
            }
        }
        left
    };
    let purged = store.purge(&cutoffs(1000), 10).await.unwrap();
    assert_eq!(purged.codes, 0, "expiring at the cutoff is not before it");
    assert_eq!(store.purge(&cutoffs(4500), 2).await.unwrap().codes, 2);
    assert_eq!(left().await, [3, 4, 5], "the oldest went first");
    assert_eq!(store.purge(&cutoffs(4500), 2).await.unwrap().codes, 2);
    assert_eq!(store.purge(&cutoffs(4500), 2).await.unwrap().codes, 0);
    assert_eq!(left().await, [5]);
}

async fn a_purge_keeps_what_was_written_again_to_matter_longer_and_keys_that_sign(
    store: Arc<dyn Store>,
) {
    store
        .commit(vec![
            Write::PutSession(session(1, 1000)),
            Write::PutSession(session(2, 1000)),
            Write::AddRefreshToken(refresh_token(1, 1000)),
            Write::RevokeToken {
                jti: "old".into(),
                expires_at: Timestamp(1000),
            },
            Write::PutSigningKey(key("signs", 0, None)),
            Write::PutSigningKey(key("retired long ago", 0, Some(1000))),
            Write::PutSigningKey(key("retired lately", 0, Some(9000))),
        ])
        .await
        .unwrap();
    store
        .commit(vec![Write::PutSession(session(1, 9000))])
        .await
        .unwrap();
    let everything = PurgeCutoffs {
        codes_expired_before: Timestamp(5000),
        refresh_tokens_expired_before: Timestamp(5000),
        revocations_expired_before: Timestamp(5000),
        sessions_expired_before: Timestamp(5000),
        signing_keys_retired_before: Timestamp(5000),
        failure_windows_ended_before: Timestamp(5000),
    };
    let purged = store.purge(&everything, 10).await.unwrap();
    assert_eq!(
        purged,
        Purged {
            codes: 0,
            refresh_tokens: 1,
            revocations: 1,
            sessions: 1,
            signing_keys: 1,
            failure_windows: 0,
        }
    );
    assert_eq!(
        store.session(&session(1, 0).digest).await.unwrap(),
        Some(session(1, 9000))
    );
    assert!(!store.is_token_revoked("old").await.unwrap());
    let kids: Vec<String> = store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&"signs".to_owned()) && kids.contains(&"retired lately".to_owned()));
    assert_eq!(
        store.purge(&everything, 10).await.unwrap(),
        Purged::default()
    );
}
