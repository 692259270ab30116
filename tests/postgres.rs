//! A fresh PostgreSQL database for each test that needs one, and what only `PgStore` does:
//! migrations, the errors of a database that cannot be used, retries, two servers racing.
//!
//! The database comes from `OAUTH_CONSOLE_TEST_DATABASE_URL` (a role that may create databases;
//! `.ci/run` starts PostgreSQL and sets it). Without it these tests pass as skipped and say so
//! once, except under CI (`CI` set), where they fail: CI must run them.

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::sync::Arc;

use oauth_console::model::Timestamp;
use oauth_console::store::{
    Change, Changes, Expect, Notice, PgStore, RefusedPair, Store, StoreError, Write,
};

pub const TEST_DATABASE_URL_ENV: &str = "OAUTH_CONSOLE_TEST_DATABASE_URL";

/// A database made for one test, dropped after it.
pub struct TestDatabase {
    /// The URL of this test's database, password included.
    pub url: String,
    name: String,
    admin_url: String,
}

static SKIPPED: Once = Once::new();
static MADE: AtomicUsize = AtomicUsize::new(0);

impl TestDatabase {
    /// A new, empty database; `None` when there is no PostgreSQL to test against outside CI.
    pub async fn create() -> Option<TestDatabase> {
        let in_ci = std::env::var_os("CI").is_some();
        let Ok(admin_url) = std::env::var(TEST_DATABASE_URL_ENV) else {
            assert!(
                !in_ci,
                "CI is set but {TEST_DATABASE_URL_ENV} is not: the PostgreSQL tests must run in CI (.ci/run starts PostgreSQL and sets it)"
            );
            // Straight to standard error, past the test harness's capture of `eprintln!`, so
            // that a passing run says what it did not test.
            SKIPPED.call_once(|| {
                use std::io::Write as _;
                let mut stderr = std::io::stderr().lock();
                let _ = writeln!(
                    stderr,
                    "PostgreSQL tests skipped: set {TEST_DATABASE_URL_ENV}=postgres://USER:PASSWORD@127.0.0.1:5432/postgres (a role with CREATEDB) to run them; .ci/run shows how to start one"
                );
            });
            return None;
        };
        let name = format!(
            "oauth_console_test_{}_{}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::SeqCst)
        );
        let admin = admin_client(&admin_url).await;
        // Two statements: PostgreSQL makes databases outside transactions only.
        for statement in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .batch_execute(&statement)
                .await
                .unwrap_or_else(|error| {
                    panic!("cannot create the test database {name}: {error:?}")
                });
        }
        let mut url = url::Url::parse(&admin_url).expect("the test database URL parses");
        url.set_path(&name);
        Some(TestDatabase {
            url: url.to_string(),
            name,
            admin_url,
        })
    }

    pub async fn store(&self) -> PgStore {
        PgStore::connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// A plain connection to this test's database, to look at or change it behind the store.
    pub async fn client(&self) -> tokio_postgres::Client {
        admin_client(&self.url).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // The test's runtime may be the one dropping this; the drop gets its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let admin = admin_client(&admin_url).await;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
            })
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop the test database {}: {error}", self.name);
        }
    }
}

async fn admin_client(url: &str) -> tokio_postgres::Client {
    let in_ci = std::env::var_os("CI").is_some();
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "{TEST_DATABASE_URL_ENV} is set but PostgreSQL cannot be reached ({error}){}",
                if in_ci { " and CI is set" } else { "" }
            )
        });
    tokio::spawn(connection);
    client
}

fn app(byte: u8, version: u64) -> oauth_console::model::OAuthApp {
    crate::store_contract::app(byte, 1, "Partner portal", version)
}

#[tokio::test]
async fn a_database_of_a_newer_schema_is_refused_with_what_to_do() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    drop(database.store().await);
    let client = database.client().await;
    client
        .execute(
            "INSERT INTO oauth_console_schema (version) VALUES (99)",
            &[],
        )
        .await
        .unwrap();
    let refused = PgStore::connect(&database.url).await.err().unwrap();
    assert!(
        matches!(refused, StoreError::NewerDatabaseSchema { found: 99, .. }),
        "{refused:?}"
    );
    let said = refused.to_string();
    assert!(
        said.contains("written by a newer oauth-console (schema 99; this build reads up to 3); upgrade oauth-console"),
        "{said}"
    );
}

#[tokio::test]
async fn starting_again_applies_no_migration_twice_and_keeps_the_data() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let first = database.store().await;
    first
        .commit(vec![Write::PutApp {
            app: app(1, 1),
            expect: oauth_console::store::Expect::Absent,
        }])
        .await
        .unwrap();
    // Two servers starting at the same moment over the database: one migrates, the other waits.
    let (second, third) = tokio::join!(
        PgStore::connect(&database.url),
        PgStore::connect(&database.url)
    );
    let (second, _third) = (second.unwrap(), third.unwrap());
    assert_eq!(second.app(&app(1, 1).sid).await.unwrap(), Some(app(1, 1)));
    let client = database.client().await;
    let versions: i64 = client
        .query_one("SELECT count(*) FROM oauth_console_schema", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        versions, 3,
        "each migration once: the tables, read-only users, then failure windows"
    );
}

/// The next notice of `changes`, failing the test if none comes within a second.
async fn next_notice(changes: &mut Changes) -> Notice {
    tokio::time::timeout(std::time::Duration::from_secs(1), changes.next())
        .await
        .expect("a notice within a second")
        .expect("the store still announces")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_announces_the_apps_and_keys_it_changed_and_a_refused_one_announces_nothing() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = Arc::new(database.store().await);
    let shared = store
        .clone()
        .shared()
        .expect("a PostgreSQL store is shared");
    let mut changes = shared.changes();
    assert_eq!(next_notice(&mut changes).await, Notice::Listening);
    store
        .commit(vec![Write::PutApp {
            app: app(1, 1),
            expect: Expect::Absent,
        }])
        .await
        .unwrap();
    assert_eq!(
        next_notice(&mut changes).await,
        Notice::Changed(vec![Change::App(app(1, 1).sid)])
    );
    // Refused (the app exists): rolled back, announced by no one.
    let refused = store
        .commit(vec![
            Write::PutApp {
                app: app(2, 1),
                expect: Expect::Absent,
            },
            Write::PutApp {
                app: app(1, 1),
                expect: Expect::Absent,
            },
        ])
        .await;
    assert!(matches!(
        refused,
        Err(StoreError::Conflict { write: 1, .. })
    ));
    store
        .commit(vec![Write::PutSigningKey(crate::store_contract::key(
            "new", 0, None,
        ))])
        .await
        .unwrap();
    assert_eq!(
        next_notice(&mut changes).await,
        Notice::Changed(vec![Change::SigningKeys]),
        "the refused commit announced nothing before this"
    );
    // An import's many apps overflow NOTIFY's 8000 bytes: several notices, each app in one.
    let many: Vec<Write> = (0..=255u8)
        .flat_map(|byte| {
            [1u8, 2].map(|kind| Write::PutApp {
                app: oauth_console::model::OAuthApp {
                    sid: oauth_console::model::Sid::new(
                        oauth_console::model::SidKind::OAuthApp,
                        [byte, kind, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9],
                    ),
                    ..app(3, 1)
                },
                expect: Expect::Absent,
            })
        })
        .collect();
    store.commit(many).await.unwrap();
    let mut heard = 0;
    let mut notices = 0;
    while heard < 512 {
        let Notice::Changed(apps) = next_notice(&mut changes).await else {
            panic!("only changes");
        };
        notices += 1;
        heard += apps.len();
    }
    assert_eq!(heard, 512);
    assert!(notices > 1, "cut into payloads under 8000 bytes");
}

#[tokio::test]
async fn failures_count_together_start_again_when_their_window_ended_and_are_swept() {
    use oauth_console::store::{FailureKeys, FailureLimits, PurgeCutoffs};
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = Arc::new(database.store().await);
    let (one, other) = (
        store.clone().shared().unwrap(),
        Arc::new(database.store().await).shared().unwrap(),
    );
    let keys = |pair: u8, identity: u8, source: u8| FailureKeys {
        pair: [pair; 16],
        identity: [identity; 16],
        source: [source; 16],
    };
    let limits = FailureLimits {
        per_pair: 3,
        per_identity: 5,
        per_source: 100,
    };
    let at = Timestamp;
    // Two processes count one pair: at three it is refused.
    for (shared, now) in [(&one, 1000), (&other, 2000), (&one, 3000)] {
        let refused = shared.refused_pairs(&limits, at(now), 100).await.unwrap();
        assert!(refused.is_empty(), "{refused:?}");
        shared
            .count_failure(&keys(1, 10, 20), at(61_000), at(now))
            .await
            .unwrap();
    }
    let refused = other.refused_pairs(&limits, at(3000), 100).await.unwrap();
    assert_eq!(
        refused,
        [RefusedPair {
            pair: [1; 16],
            window_ends: at(61_000)
        }]
    );
    // Two more pairs of the identity from elsewhere: the identity is at five, so every pair of
    // it that has failed is refused, and only those.
    for pair in [2, 3] {
        one.count_failure(&keys(pair, 10, pair + 20), at(61_000), at(4000))
            .await
            .unwrap();
    }
    let mut refused: Vec<u8> = one
        .refused_pairs(&limits, at(4000), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|refused| refused.pair[0])
        .collect();
    refused.sort_unstable();
    assert_eq!(refused, [1, 2, 3]);
    // Past the window, nothing counts, and a new failure starts a window of one.
    assert!(
        one.refused_pairs(&limits, at(61_000), 100)
            .await
            .unwrap()
            .is_empty()
    );
    one.count_failure(&keys(1, 10, 20), at(130_000), at(70_000))
        .await
        .unwrap();
    assert!(
        one.refused_pairs(&limits, at(70_000), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let mut cutoffs = PurgeCutoffs {
        codes_expired_before: at(0),
        refresh_tokens_expired_before: at(0),
        revocations_expired_before: at(0),
        sessions_expired_before: at(0),
        signing_keys_retired_before: at(0),
        failure_windows_ended_before: at(62_000),
    };
    // Pairs 2 and 3 and their sources ended; pair 1, its identity and its source started again.
    assert_eq!(store.purge(&cutoffs, 100).await.unwrap().failure_windows, 4);
    cutoffs.failure_windows_ended_before = at(131_000);
    assert_eq!(store.purge(&cutoffs, 100).await.unwrap().failure_windows, 3);
}

/// The URL of the test database with another password.
fn with_password(url: &str, password: &str) -> String {
    let mut url = url::Url::parse(url).unwrap();
    url.set_password(Some(password)).unwrap();
    url.to_string()
}

#[tokio::test]
async fn a_refused_password_is_one_line_naming_the_host_and_what_to_check_without_the_password() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let wrong = "not-the-Passw0rd-4f9c";
    let refused = PgStore::connect(&with_password(&database.url, wrong))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(!refused.contains(wrong), "{refused}");
    assert!(!refused.contains('\n'), "{refused}");
    assert!(
        refused.contains("@127.0.0.1:5432/oauth_console_test_"),
        "{refused}"
    );
    assert!(
        refused.contains("refused the user or the password"),
        "{refused}"
    );
    assert!(
        refused.contains("check the user and password in the URL"),
        "{refused}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_one_line_naming_the_host_and_what_to_check() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    // A port nothing listens on: one a listener just let go of.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut url = url::Url::parse(&database.url).unwrap();
    url.set_port(Some(port)).unwrap();
    let password = url.password().unwrap().to_owned();
    let refused = PgStore::connect(url.as_str())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(!refused.contains(&password), "{refused}");
    assert!(!refused.contains('\n'), "{refused}");
    assert!(refused.contains(&format!("127.0.0.1:{port}/")), "{refused}");
    assert!(refused.contains("refused"), "the cause: {refused}");
    assert!(
        refused.contains("check that PostgreSQL runs on that host and port"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_missing_database_says_to_create_it() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let mut url = url::Url::parse(&database.url).unwrap();
    url.set_path("no_such_database_here");
    let refused = PgStore::connect(url.as_str())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(refused.contains("/no_such_database_here"), "{refused}");
    assert!(refused.contains("createdb"), "{refused}");
}

#[tokio::test]
async fn a_url_that_does_not_parse_is_refused_without_repeating_it() {
    let refused = PgStore::connect("postgres://admin:s3cret-pw@db.example.com:notaport/x")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(!refused.contains("s3cret-pw"), "{refused}");
    assert!(
        refused.contains("postgres://USER:PASSWORD@HOST:5432/DATABASE"),
        "{refused}"
    );
}

#[tokio::test]
async fn connections_the_database_drops_are_made_again_and_the_commit_lands() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = database.store().await;
    // Fills the pool with a few connections, then has the database end every one of them, as a
    // restart or a failover does.
    let sid = app(1, 1).sid;
    let reads = tokio::join!(store.app(&sid), store.app(&sid), store.app(&sid));
    for read in [reads.0, reads.1, reads.2] {
        assert_eq!(read.unwrap(), None);
    }
    let client = database.client().await;
    let ended: i64 = client
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()) AS ended",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(ended >= 1, "the store's connections were ended");
    store
        .commit(vec![Write::PutApp {
            app: app(1, 1),
            expect: oauth_console::store::Expect::Absent,
        }])
        .await
        .unwrap();
    assert_eq!(store.app(&app(1, 1).sid).await.unwrap(), Some(app(1, 1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_servers_spending_one_refresh_token_at_once_exactly_one_wins_every_time() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    // Two stores with their own pools: two servers over one database.
    let (one, other) = (database.store().await, database.store().await);
    for round in 0..25u8 {
        let token = crate::store_contract::refresh_token(round, 10_000);
        one.commit(vec![Write::AddRefreshToken(token.clone())])
            .await
            .unwrap();
        let spend = || vec![Write::SpendRefreshToken(token.digest.clone())];
        let (first, second) = tokio::join!(one.commit(spend()), other.commit(spend()));
        let won = [&first, &second].iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "round {round}: {first:?} {second:?}");
        for result in [first, second] {
            assert!(
                matches!(result, Ok(()) | Err(StoreError::Conflict { write: 0, .. })),
                "{result:?}"
            );
        }
    }
}

/// The binary over this test's database, given by `OAUTH_CONSOLE_DATABASE_URL` or (`by_flag`)
/// `--database-url`, with a data directory that stays empty.
fn over_database(database: &TestDatabase, data_dir: &std::path::Path, by_flag: bool) -> Command {
    let mut command = crate::cli::oauth_console(data_dir);
    command.env_remove("OAUTH_CONSOLE_DATABASE_URL");
    if by_flag {
        command.arg("--database-url").arg(&database.url);
    } else {
        command.env("OAUTH_CONSOLE_DATABASE_URL", &database.url);
    }
    command
}

use std::process::Command;

#[tokio::test]
async fn every_command_works_over_the_database_and_leaves_the_data_directory_empty() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let created = crate::cli::json(
        &over_database(&database, dir.path(), true)
            .args(["apps", "create", "--name", "Shared portal", "--json"])
            .args(["--scope", crate::cli::MESSAGES_READ])
            .output()
            .unwrap(),
    );
    let client_id = created["client_id"].as_str().unwrap();
    let listed = over_database(&database, dir.path(), false)
        .args(["apps", "list"])
        .output()
        .unwrap();
    let table = crate::cli::stdout(&listed);
    assert!(
        table.contains(&format!("Shared portal  {client_id}")),
        "{table}{}",
        crate::cli::stderr(&listed)
    );
    let audit = crate::cli::json(
        &over_database(&database, dir.path(), false)
            .args(["audit", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(audit["events"][0]["app_sid"], client_id);
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "sled made nothing in the data directory"
    );
    let backup = over_database(&database, dir.path(), false)
        .args(["backup", "copy.json"])
        .output()
        .unwrap();
    assert!(!backup.status.success());
    assert!(
        crate::cli::stderr(&backup).contains("pg_dump"),
        "{}",
        crate::cli::stderr(&backup)
    );
}

#[tokio::test]
async fn a_refused_password_in_the_database_url_is_never_printed_or_logged() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let wrong = "Wr0ng-but-secret-7c1e";
    let mut command = crate::cli::oauth_console(dir.path());
    let refused = command
        .env(
            "OAUTH_CONSOLE_DATABASE_URL",
            with_password(&database.url, wrong),
        )
        .env("RUST_LOG", "trace")
        .args(["apps", "list"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = format!(
        "{}{}",
        crate::cli::stdout(&refused),
        crate::cli::stderr(&refused)
    );
    assert!(!said.contains(wrong), "{said}");
    assert!(said.contains("127.0.0.1:5432"), "{said}");
    assert!(said.contains("refused the user or the password"), "{said}");
    // The help shows where the URL comes from, not what it holds.
    let help = crate::cli::oauth_console(dir.path())
        .env(
            "OAUTH_CONSOLE_DATABASE_URL",
            with_password(&database.url, wrong),
        )
        .arg("--help")
        .output()
        .unwrap();
    let help = crate::cli::stdout(&help);
    assert!(help.contains("OAUTH_CONSOLE_DATABASE_URL"), "{help}");
    assert!(!help.contains(wrong), "{help}");
}

const REDIRECT: &str = "https://partner.example.com/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

#[tokio::test]
async fn a_migrated_store_keeps_its_refresh_tokens_and_codes_working_and_a_second_migrate_is_refused()
 {
    use oauth_console::model::{AppSettings, GrantType, NewApp, s256_challenge};
    use oauth_console::service::{
        AuthorizationRequest, ConsoleService, ManualClock, SeededEntropy,
    };
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sled = Arc::new(oauth_console::store::SledStore::open(dir.path()).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp(1_795_462_741_000)));
    let before = ConsoleService::new(sled.clone(), clock.clone(), Arc::new(SeededEntropy::new(5)));
    let made = before
        .bootstrap("admin", Some("correct horse battery".into()))
        .await
        .unwrap()
        .unwrap();
    let admin = before.local_user(None).await.unwrap().sid;
    let app = before
        .create_app(
            &admin,
            NewApp {
                owner: made.owners[2].sid.clone(),
                grant_type: GrantType::AuthorizationCode,
                settings: AppSettings {
                    name: "Partner portal".into(),
                    scopes: vec!["managed-users/read".into(), "offline_access".into()],
                    redirect_uris: vec![REDIRECT.into()],
                    ..AppSettings::default()
                },
                region: None,
            },
        )
        .await
        .unwrap()
        .app;
    let code = async || {
        let request = AuthorizationRequest {
            client_id: app.sid.to_string(),
            redirect_uri: Some(REDIRECT.into()),
            response_type: "code".into(),
            scope: Some("managed-users/read offline_access".into()),
            state: Some("xyz".into()),
            code_challenge: Some(s256_challenge(VERIFIER)),
            code_challenge_method: Some("S256".into()),
            nonce: None,
        };
        let valid = before.check_authorization_request(request).await.unwrap();
        let code = before.approve(&admin, before.now(), &valid).await.unwrap();
        code.expose().to_owned()
    };
    let granted = before
        .exchange_code(&app, &code().await, Some(REDIRECT), Some(VERIFIER))
        .await
        .unwrap();
    let refresh = granted.refresh_token.unwrap().expose().to_owned();
    let pending_code = code().await;

    let writes = sled.copy_writes().unwrap();
    let store = Arc::new(database.store().await);
    store.fill_empty(&writes).await.unwrap();
    let after = ConsoleService::new(store.clone(), clock, Arc::new(SeededEntropy::new(6)));
    let refreshed = after.refresh(&app, &refresh, None).await.unwrap();
    assert_eq!(refreshed.authorization.sid, granted.authorization.sid);
    after
        .exchange_code(&app, &pending_code, Some(REDIRECT), Some(VERIFIER))
        .await
        .unwrap();
    assert!(
        after.refresh(&app, &refresh, None).await.is_err(),
        "the copied token was spent once"
    );

    let again = store.fill_empty(&writes).await;
    assert!(
        matches!(again, Err(StoreError::DatabaseNotEmpty { .. })),
        "{again:?}"
    );
    assert!(
        again
            .err()
            .unwrap()
            .to_string()
            .contains("already holds an oauth-console store")
    );
}

/// `serve` on a free port of 127.0.0.1 over `command`'s store, killed when dropped.
pub(crate) struct Serving {
    pub(crate) child: std::process::Child,
    pub(crate) base: String,
}

impl Serving {
    pub(crate) fn start(command: Command) -> Serving {
        Serving::start_with(command, &[])
    }

    /// `serve` with `serve_args` besides the address.
    fn start_with(mut command: Command, serve_args: &[&str]) -> Serving {
        use std::io::BufRead;
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(serve_args)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut log = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let address = loop {
            line.clear();
            assert!(log.read_line(&mut line).unwrap() > 0, "serve stopped");
            if let Some(rest) = line.split("address=").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        Serving {
            child,
            base: format!("http://{address}"),
        }
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        self.child.wait().unwrap();
    }

    /// A client-credentials token request: its status and body.
    async fn token(&self, client_id: &str, secret: &str) -> (u16, serde_json::Value) {
        self.token_from(LOOPBACK, client_id, secret).await
    }

    /// The same, sent from the address `source` (one of 127.0.0.0/8, all of them this machine).
    async fn token_from(
        &self,
        source: [u8; 4],
        client_id: &str,
        secret: &str,
    ) -> (u16, serde_json::Value) {
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(source))
            .build()
            .unwrap();
        let response = client
            .post(format!("{}/v2/token", self.base))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    async fn jwks(&self) -> serde_json::Value {
        let url = format!("{}/.well-known/jwks.json", self.base);
        reqwest::get(url).await.unwrap().json().await.unwrap()
    }

    /// Whether `token` is active, asked as the client `client_id`.
    async fn introspect(&self, client_id: &str, secret: &str, token: &str) -> bool {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/v2/introspect", self.base))
            .basic_auth(client_id, Some(secret))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["active"] == true
    }

    /// The value of the series `series` (name and labels, as `/metrics` writes them), 0 when
    /// absent.
    async fn metric(&self, series: &str) -> f64 {
        let text = reqwest::get(format!("{}/metrics", self.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |value| value.parse().unwrap())
    }
}

const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_copies_a_used_store_and_its_secrets_and_signing_keys_work_on_the_database() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    crate::cli::json(&crate::cli::run(
        data,
        &[
            "apps",
            "create",
            "--name",
            "Billing sync",
            "--scope",
            crate::cli::MESSAGES_READ,
            "--json",
        ],
    ));
    let created = crate::cli::json(&crate::cli::run(
        data,
        &[
            "apps",
            "create",
            "--name",
            "Reports",
            "--scope",
            crate::cli::MESSAGES_READ,
            "--json",
        ],
    ));
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let rotated = crate::cli::json(&crate::cli::run(
        data,
        &[
            "apps",
            "rotate-secret",
            &client_id,
            "--grace",
            "1h",
            "--json",
        ],
    ));
    let (old, new) = (
        created["client_secret"].as_str().unwrap().to_owned(),
        rotated["client_secret"].as_str().unwrap().to_owned(),
    );
    let on_sled = Serving::start(crate::cli::oauth_console(data));
    assert_eq!(on_sled.token(&client_id, &new).await.0, 200);
    let jwks = on_sled.jwks().await;
    on_sled.stop();

    let migrated = crate::cli::run(data, &["migrate", "--to", &database.url]);
    let said = crate::cli::stdout(&migrated);
    assert!(
        migrated.status.success(),
        "{}",
        crate::cli::stderr(&migrated)
    );
    let password = url::Url::parse(&database.url)
        .unwrap()
        .password()
        .unwrap()
        .to_owned();
    assert!(!said.contains(&password), "{said}");
    assert!(said.contains("Copied the store of"), "{said}");
    for line in [
        "         2  apps",
        "         3  owners",
        "         1  users",
    ] {
        assert!(said.contains(line), "{line}: {said}");
    }

    let empty = tempfile::tempdir().unwrap();
    let on_database = Serving::start(over_database(&database, empty.path(), false));
    assert_eq!(
        on_database.token(&client_id, &old).await.0,
        200,
        "the secret in its grace period"
    );
    assert_eq!(on_database.token(&client_id, &new).await.0, 200);
    assert_eq!(on_database.jwks().await, jwks, "the same signing keys");
    on_database.stop();

    let again = crate::cli::run(data, &["migrate", "--to", &database.url]);
    assert!(!again.status.success());
    assert!(
        crate::cli::stderr(&again).contains("already holds an oauth-console store"),
        "{}",
        crate::cli::stderr(&again)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_starting_together_on_an_empty_database_make_one_first_user_and_both_start() {
    use oauth_console::service::{ConsoleService, ManualClock, SeededEntropy};
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let service = async |seed| {
        ConsoleService::new(
            Arc::new(database.store().await),
            Arc::new(ManualClock::new(Timestamp(1_795_462_741_000))),
            Arc::new(SeededEntropy::new(seed)),
        )
    };
    let (one, other) = (service(1).await, service(2).await);
    let password = || Some("correct horse battery".to_owned());
    let (first, second) = tokio::join!(
        one.bootstrap("admin", password()),
        other.bootstrap("admin", password())
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        usize::from(first.is_some()) + usize::from(second.is_some()),
        1,
        "one of them made the first user"
    );
    let store = database.store().await;
    assert_eq!(store.users().await.unwrap().len(), 1);
    assert_eq!(store.owners().await.unwrap().len(), 3);
    assert_eq!(
        one.local_user(None).await.unwrap().sid,
        other.local_user(None).await.unwrap().sid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_over_one_database_share_tokens_and_deletes_and_one_answers_when_the_other_is_killed()
 {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let issuer = "http://127.0.0.1:9";
    let start = |dir: &std::path::Path| {
        let mut command = over_database(&database, dir, false);
        command.args(["--issuer", issuer]);
        Serving::start(command)
    };
    let (a, b) = (start(dir_a.path()), start(dir_b.path()));
    let created = crate::cli::json(
        &over_database(&database, dir_a.path(), false)
            .args(["apps", "create", "--name", "Fleet", "--json"])
            .args(["--scope", crate::cli::MESSAGES_READ])
            .output()
            .unwrap(),
    );
    let (client_id, secret) = (
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    );
    let (status, issued) = a.token(&client_id, &secret).await;
    assert_eq!(status, 200, "{issued}");
    let introspected: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v2/introspect", b.base))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("token", issued["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        introspected["active"], true,
        "a token of one server is the other's"
    );
    assert_eq!(a.jwks().await, b.jwks().await, "one signing key");

    // Killed without a goodbye: the other keeps answering.
    let mut a = a;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    assert_eq!(b.token(&client_id, &secret).await.0, 200);

    let deleted = over_database(&database, dir_a.path(), false)
        .args(["apps", "delete", &client_id, "--yes"])
        .output()
        .unwrap();
    assert!(deleted.status.success(), "{}", crate::cli::stderr(&deleted));
    // Announced by the delete's commit, heard by the other server's client cache.
    within_a_second("the deleted app's secret refused", async || {
        b.token(&client_id, &secret).await.0 == 401
    })
    .await;
    b.stop();
}

/// Asks `holds` every 50 ms until it answers true, failing the test if that takes over a second.
async fn within_a_second(what: &str, mut holds: impl AsyncFnMut() -> bool) {
    let started = std::time::Instant::now();
    let limit = std::time::Duration::from_secs(1);
    loop {
        if holds().await {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{what}: not within a second ({:?})",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Two `serve` processes over `database` (with `serve_args`), and the data directory commands
/// run with.
struct Fleet {
    a: Serving,
    b: Serving,
    dir: tempfile::TempDir,
}

impl Fleet {
    fn start(database: &TestDatabase, serve_args: &[&str]) -> Fleet {
        let dir = tempfile::tempdir().unwrap();
        let start = || {
            let mut command = over_database(database, dir.path(), false);
            command.args(["--issuer", "http://127.0.0.1:9"]);
            Serving::start_with(command, serve_args)
        };
        let (a, b) = (start(), start());
        Fleet { a, b, dir }
    }

    /// `oauth-console ARGS --json` over the database, as an admin would run it anywhere.
    fn command(&self, database: &TestDatabase, args: &[&str]) -> serde_json::Value {
        crate::cli::json(
            &over_database(database, self.dir.path(), false)
                .args(args)
                .arg("--json")
                .output()
                .unwrap(),
        )
    }

    /// A new client-credentials app: its client ID and secret.
    fn app(&self, database: &TestDatabase) -> (String, String) {
        let created = self.command(
            database,
            &[
                "apps",
                "create",
                "--name",
                "Fleet",
                "--scope",
                crate::cli::MESSAGES_READ,
            ],
        );
        (
            created["client_id"].as_str().unwrap().to_owned(),
            created["client_secret"].as_str().unwrap().to_owned(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_rotated_with_no_grace_is_refused_by_every_server_within_a_second() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let fleet = Fleet::start(&database, &[]);
    let (client_id, old) = fleet.app(&database);
    // Both servers hold the app in their client caches.
    assert_eq!(fleet.a.token(&client_id, &old).await.0, 200);
    assert_eq!(fleet.b.token(&client_id, &old).await.0, 200);
    let rotated = fleet.command(
        &database,
        &["apps", "rotate-secret", &client_id, "--grace", "0"],
    );
    let new = rotated["client_secret"].as_str().unwrap();
    within_a_second("the old secret refused by both", async || {
        fleet.a.token(&client_id, &old).await.0 == 401
            && fleet.b.token(&client_id, &old).await.0 == 401
    })
    .await;
    assert_eq!(fleet.a.token(&client_id, new).await.0, 200);
    assert_eq!(fleet.b.token(&client_id, new).await.0, 200);
}

/// The `kid` of a JWT's header.
fn kid_of(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signing_key_rotated_anywhere_signs_and_verifies_on_every_server_within_a_second() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let fleet = Fleet::start(&database, &[]);
    let (client_id, secret) = fleet.app(&database);
    let before = fleet.a.token(&client_id, &secret).await.1;
    let old_kid = kid_of(before["access_token"].as_str().unwrap());
    let rotated = fleet.command(&database, &["keys", "rotate"]);
    let kid = rotated["kid"].as_str().unwrap().to_owned();
    assert_ne!(kid, old_kid);
    within_a_second("both JWKS lead with the new key", async || {
        fleet.a.jwks().await["keys"][0]["kid"] == kid.as_str()
            && fleet.b.jwks().await["keys"][0]["kid"] == kid.as_str()
    })
    .await;
    // A token the one signs with the new key is active on the other, and the old one still is.
    let issued = fleet.a.token(&client_id, &secret).await.1;
    let token = issued["access_token"].as_str().unwrap();
    assert_eq!(kid_of(token), kid);
    assert!(fleet.b.introspect(&client_id, &secret, token).await);
    let old_token = before["access_token"].as_str().unwrap();
    assert!(fleet.b.introspect(&client_id, &secret, old_token).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_notification_connection_drops_listens_again_forgets_its_cache_and_hears_changes()
 {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let fleet = Fleet::start(&database, &[]);
    let (client_id, secret) = fleet.app(&database);
    let b = &fleet.b;
    assert_eq!(b.token(&client_id, &secret).await.0, 200);
    let listener = oauth_console::store::listener_application_name(b.child.id());
    let client = database.client().await;
    let listening = async || -> i64 {
        client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&listener],
            )
            .await
            .unwrap()
            .get(0)
    };
    assert_eq!(listening().await, 1, "one connection of its own listens");
    let misses = r#"oauth_console_client_cache_lookups_total{result="miss"}"#;
    let missed_before = b.metric(misses).await;
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&listener],
        )
        .await
        .unwrap();
    within_a_second("the loss counted", async || {
        b.metric("oauth_console_client_cache_notification_losses_total")
            .await
            == 1.0
    })
    .await;
    // Until it listens again the cache still answers (its 5 s age the bound), so that tokens
    // keep coming while the database restarts; listening again, it forgets the whole cache,
    // since what was announced meanwhile is lost: the next token reads the app again.
    within_a_second("listening again", async || listening().await == 1).await;
    within_a_second("the cache forgotten once listening again", async || {
        b.token(&client_id, &secret).await.0 == 200 && b.metric(misses).await > missed_before
    })
    .await;
    fleet.command(&database, &["apps", "delete", &client_id, "--yes"]);
    within_a_second("the delete heard after the reconnection", async || {
        b.token(&client_id, &secret).await.0 == 401
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attacker_spreading_guesses_over_two_servers_gets_one_limit() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let fleet = Fleet::start(&database, &["--max-failed-attempts", "4"]);
    let (client_id, secret) = fleet.app(&database);
    let attacker = [127, 0, 0, 1];
    // Four wrong guesses from one address, half to each server: two each, which neither server
    // alone would refuse.
    for server in [&fleet.a, &fleet.b, &fleet.a, &fleet.b] {
        let (status, _) = server.token_from(attacker, &client_id, "wrong").await;
        assert_eq!(status, 401);
    }
    // Counted together, that is the limit: both refuse the address its next try, even the right
    // secret, which is not even checked.
    within_a_second("both servers refuse the attacker", async || {
        fleet.a.token_from(attacker, &client_id, &secret).await.0 == 429
            && fleet.b.token_from(attacker, &client_id, &secret).await.0 == 429
    })
    .await;
    // The real client, elsewhere, is not locked out by it.
    let real_client = [127, 0, 0, 2];
    assert_eq!(
        fleet.a.token_from(real_client, &client_id, &secret).await.0,
        200
    );
    assert_eq!(
        fleet.b.token_from(real_client, &client_id, &secret).await.0,
        200
    );
    // The pair, the client ID and the address each counted once, under a 16-byte keyed hash.
    let counted = database
        .client()
        .await
        .query_one(
            "SELECT count(*), min(length(key)), max(length(key)), sum(failures)
             FROM failure_windows",
            &[],
        )
        .await
        .unwrap();
    let (rows, shortest, longest, failures): (i64, i32, i32, i64) = (
        counted.get(0),
        counted.get(1),
        counted.get(2),
        counted.get(3),
    );
    assert_eq!((rows, shortest, longest, failures), (3, 16, 16, 12));
}

/// How many times the service read an app from its store, by its `/metrics`.
fn app_reads(service: &oauth_console::service::ConsoleService) -> u64 {
    let metrics = service.metrics().encode();
    metrics
        .lines()
        .find_map(|line| {
            line.strip_prefix(
                r#"oauth_console_store_operation_duration_seconds_count{operation="app"} "#,
            )
        })
        .map_or(0, |count| count.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_asked_at_once_when_an_app_leaves_the_client_cache_read_it_from_the_database_once() {
    use oauth_console::model::{AppSettings, GrantType, NewApp, Seconds, Timestamp};
    use oauth_console::service::{
        CLIENT_CACHE_MAX_AGE, ConsoleService, ManualClock, SeededEntropy,
    };
    use std::sync::Arc;

    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let clock = Arc::new(ManualClock::new(Timestamp(1_795_462_741_000)));
    let service = ConsoleService::new(
        Arc::new(database.store().await),
        clock.clone(),
        Arc::new(SeededEntropy::new(7)),
    );
    let made = service
        .bootstrap("admin", Some("correct horse battery".into()))
        .await
        .unwrap()
        .expect("a new store bootstraps");
    let admin = service.local_user(None).await.unwrap();
    let created = service
        .create_app(
            &admin.sid,
            NewApp {
                owner: made.owners[0].sid.clone(),
                grant_type: GrantType::ClientCredentials,
                settings: AppSettings {
                    name: "busy".into(),
                    scopes: vec!["/twilio/messaging/messages/read".into()],
                    ..AppSettings::default()
                },
                region: None,
            },
        )
        .await
        .unwrap();
    let (id, secret) = (
        created.app.sid.to_string(),
        created.secret.expose().to_owned(),
    );
    // The 32 connections of a load balancer's worth of clients, each asking for a token at the
    // instant the cached app is too old: one cold start, then one expiry.
    for round in 0..2 {
        let before = app_reads(&service);
        let asked: Vec<_> = (0..32)
            .map(|_| {
                let (service, id, secret) = (service.clone(), id.clone(), secret.clone());
                tokio::spawn(async move { service.authenticate_client(&id, &secret).await })
            })
            .collect();
        for answer in asked {
            assert!(answer.await.unwrap().is_ok(), "round {round}");
        }
        assert_eq!(
            app_reads(&service) - before,
            1,
            "round {round}: every request that found the app missing read it again"
        );
        clock.advance(Seconds(CLIENT_CACHE_MAX_AGE.0));
    }
}
