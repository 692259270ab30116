//! A fresh PostgreSQL database for each test that needs one, and what only `PgStore` does:
//! migrations, the errors of a database that cannot be used, retries, two servers racing.
//!
//! The database comes from `OAUTH_CONSOLE_TEST_DATABASE_URL` (a role that may create databases;
//! `.ci/run` starts PostgreSQL and sets it). Without it these tests pass as skipped and say so
//! once, except under CI (`CI` set), where they fail: CI must run them.

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use oauth_console::store::{PgStore, Store, StoreError, Write};

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
        said.contains("written by a newer oauth-console (schema 99; this build reads up to 1); upgrade oauth-console"),
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
    assert_eq!(versions, 1);
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
