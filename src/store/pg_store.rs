//! The shared store: PostgreSQL, for several `serve` processes over one database.
//!
//! Each record kind has its table (`pg_store/0001_tables.sql`): the record whole as JSON, in the
//! same serde form sled keeps, beside the columns it is looked up, ordered, checked or swept by.
//! Every [`Store::commit`] is one transaction at PostgreSQL's default isolation (read committed),
//! where each write checks what it expects in its own statement: `Expect::Absent` is an insert
//! that does nothing on a taken key, `Expect::Version` an update or delete `WHERE version = $n`,
//! and a code's redemption or a refresh token's spending an update `WHERE NOT redeemed`. A racing
//! transaction waits on the row's lock and then finds the condition false, so of two servers
//! making the same change exactly one wins and the other's commit is refused as a conflict. What
//! the database gives up on (a serialization failure, a deadlock, a dropped connection, a restart)
//! is tried again a few times before it is an error; a commit whose `COMMIT` got no answer is not,
//! since it may have landed. A database that stops answering altogether (a hung machine, a
//! network that drops packets) keeps its connections open and never says so: each read and commit
//! is therefore given [`ANSWER_WITHIN`], retries included, and a connection that did not answer in
//! time is closed rather than put back in the pool, where the next request would wait on it too.
//!
//! A commit that changes what servers cache (an app, the signing keys) announces it with
//! `pg_notify` inside its transaction, so that one rolled back announces nothing; each process
//! that asks for [`SharedStore::changes`] listens on a connection of its own, since a pooled one
//! is never read between queries and would not hear them. Failed authentications are counted in
//! `failure_windows` (`pg_store/0003_failure_windows.sql`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use async_trait::async_trait;
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{Json, ToSql};
use tokio_postgres::{AsyncMessage, NoTls, Row};

use super::{
    AppOrder, AppQuery, AuditQuery, AuthorizationQuery, Change, Changes, Expect, FailureKey,
    FailureKeys, FailureLimits, Granting, Notice, Page, PurgeCutoffs, Purged, RefusedPair,
    SharedStore, Store, StoreError, Write,
};
use crate::model::{
    AuditEvent, AuditEventType, Authorization, AuthorizationCode, OAuthApp, Owner, RefreshToken,
    SecretDigest, Session, Sid, SigningKeyRecord, Timestamp, User,
};

/// The schema's migrations, oldest first; the schema's version is how many have been applied.
/// A change is a new file appended here, never an edit of one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("pg_store/0001_tables.sql"),
    include_str!("pg_store/0002_read_only_users.sql"),
    include_str!("pg_store/0003_failure_windows.sql"),
];

/// Holds off a second process migrating the same database at the same moment (two servers
/// starting together); any number, as long as it is always this one.
const MIGRATION_LOCK: i64 = 0x6f61_7574_6863_6f6e;

/// How many times a statement the database gave up on is tried, in all.
const ATTEMPTS: u32 = 4;
/// The pause before the first retry; it doubles before each further one.
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(50);
/// How long to wait for a connection, made or from the pool, before taking the database as gone.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a read or a commit may wait on the database, retries included, before it is given up
/// as [`StoreError::Unavailable`]: a request is answered in about this long even when the
/// database has stopped answering, so that the client or its balancer can go elsewhere. Far above
/// what any one of the store's statements takes (the apps page of a million apps: under 1 ms).
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// The channel commits announce their changes on.
const CHANGES_CHANNEL: &str = "oauth_console_changes";
/// NOTIFY refuses a payload of 8000 bytes or more: a commit's announcement is cut into payloads
/// below this (an app is 38 bytes of it, so an import of many apps makes several).
const MAX_PAYLOAD: usize = 7900;
/// The pause before listening again once the connection dropped or could not be made; it doubles
/// at each failure to make it, up to [`LISTEN_RETRY_MAX`].
const LISTEN_RETRY_FIRST: Duration = Duration::from_millis(100);
const LISTEN_RETRY_MAX: Duration = Duration::from_secs(5);

pub struct PgStore {
    pool: Pool,
    /// How the listening connection of [`SharedStore::changes`] connects.
    listen_config: tokio_postgres::Config,
    /// `user@host:port/database`, for messages: never the password.
    shown: String,
}

/// The `application_name` of the connection that listens for changes in the process `pid`, so
/// that an operator (or a test) can tell it in `pg_stat_activity`.
pub fn listener_application_name(pid: u32) -> String {
    format!("oauth-console changes {pid}")
}

/// Why one try failed: worth trying again (the database or the connection gave up), or not.
enum Failure {
    Transient(String),
    Final(StoreError),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Final(error)
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`), brings
    /// its tables up to this build's schema, and refuses one of a newer schema. A database that
    /// cannot be reached, refuses the role or lacks rights is one line naming the host, the cause
    /// and what to check; the URL's password is in none of them.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(|error| {
            StoreError::BadDatabaseUrl(format!(
                "{error}; it looks like postgres://USER:PASSWORD@HOST:5432/DATABASE"
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("oauth-console");
        let shown = describe(&config);
        let mut listen_config = config.clone();
        listen_config
            .application_name(listener_application_name(std::process::id()))
            // A connection that only listens sends nothing: keepalives notice a dead peer.
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|error| StoreError::Backend(format!("the connection pool: {error}")))?;
        let store = PgStore {
            pool,
            listen_config,
            shown,
        };
        store.migrate().await?;
        tracing::debug!(database = %store.shown, "store opened");
        Ok(store)
    }

    /// Where the store is, as messages name it: `user@host:port/database`, without the password.
    pub fn database(&self) -> &str {
        &self.shown
    }

    /// Applies the migrations this database lacks, in one transaction under a lock that a second
    /// process doing the same waits on.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(|error| {
            let (code, cause) = match &error {
                PoolError::Backend(error) => (error.code(), cause_of(error)),
                PoolError::Timeout(_) => (
                    None,
                    format!("no answer within {} seconds", CONNECT_TIMEOUT.as_secs()),
                ),
                PoolError::Closed
                | PoolError::NoRuntimeSpecified
                | PoolError::PostCreateHook(_) => (None, error.to_string()),
            };
            self.opening_failed(OpenStep::Connect, code, cause)
        })?;
        let creating = |error: tokio_postgres::Error| {
            self.opening_failed(OpenStep::Create, error.code(), cause_of(&error))
        };
        let tx = client.transaction().await.map_err(creating)?;
        // `IF NOT EXISTS` below would otherwise log a notice at every start.
        tx.batch_execute("SET LOCAL client_min_messages = warning")
            .await
            .map_err(creating)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(creating)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS oauth_console_schema (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(creating)?;
        let found: i32 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM oauth_console_schema",
                &[],
            )
            .await
            .map_err(creating)?
            .get(0);
        let supported = MIGRATIONS.len() as u32;
        let found = u32::try_from(found).unwrap_or_default();
        if found > supported {
            return Err(StoreError::NewerDatabaseSchema {
                database: self.shown.clone(),
                found,
                supported,
            });
        }
        for (version, migration) in (found + 1..).zip(&MIGRATIONS[found as usize..]) {
            tx.batch_execute(migration).await.map_err(creating)?;
            tx.execute(
                "INSERT INTO oauth_console_schema (version) VALUES ($1)",
                &[&(version as i32)],
            )
            .await
            .map_err(creating)?;
            tracing::info!(database = %self.shown, version, "applied a schema migration");
        }
        tx.commit().await.map_err(creating)?;
        Ok(())
    }

    /// The one line that says why the database cannot be used, and what to check.
    fn opening_failed(&self, step: OpenStep, code: Option<&SqlState>, cause: String) -> StoreError {
        let (cause, check) = match code {
            Some(code)
                if *code == SqlState::INVALID_PASSWORD
                    || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                (
                    format!("it refused the user or the password ({cause})"),
                    "check the user and password in the URL, and that pg_hba.conf lets this user in from this host",
                )
            }
            Some(code) if *code == SqlState::INVALID_CATALOG_NAME => (
                cause,
                "create it (createdb -O USER DATABASE) or fix the database name at the end of the URL",
            ),
            Some(code) if *code == SqlState::INSUFFICIENT_PRIVILEGE => (
                format!("the user may not create or read oauth-console's tables ({cause})"),
                "let the user own the database (ALTER DATABASE … OWNER TO USER), or grant it CREATE and USAGE on its schema",
            ),
            Some(code) if *code == SqlState::TOO_MANY_CONNECTIONS => (
                cause,
                "raise max_connections or run fewer processes against it",
            ),
            _ => match step {
                OpenStep::Connect => (
                    cause,
                    "check that PostgreSQL runs on that host and port and accepts TCP connections from here (listen_addresses, firewalls)",
                ),
                OpenStep::Create => (
                    cause,
                    "check the database's log for why it refused oauth-console's tables",
                ),
            },
        };
        StoreError::DatabaseUnusable {
            database: self.shown.clone(),
            cause,
            check: check.to_owned(),
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or has failed transiently [`ATTEMPTS`]
    /// times or past [`ANSWER_WITHIN`]; the last is [`StoreError::Unavailable`].
    async fn retrying<T, F, Fut>(&self, attempt: F) -> Result<T, StoreError>
    where
        F: FnMut(Option<Instant>) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        self.retrying_until(Some(Instant::now() + ANSWER_WITHIN), attempt)
            .await
    }

    /// [`PgStore::retrying`], each attempt given `deadline` (`None`: as long as it takes).
    async fn retrying_until<T, F, Fut>(
        &self,
        deadline: Option<Instant>,
        mut attempt: F,
    ) -> Result<T, StoreError>
    where
        F: FnMut(Option<Instant>) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let mut pause = FIRST_RETRY_PAUSE;
        let mut tried = 0;
        loop {
            tried += 1;
            match attempt(deadline).await {
                Ok(value) => return Ok(value),
                Err(Failure::Final(error)) => return Err(error),
                Err(Failure::Transient(detail))
                    if tried >= ATTEMPTS
                        || deadline.is_some_and(|deadline| Instant::now() + pause >= deadline) =>
                {
                    return Err(StoreError::Unavailable {
                        database: self.shown.clone(),
                        detail,
                    });
                }
                Err(Failure::Transient(detail)) => {
                    tracing::debug!(database = %self.shown, %detail, tried, "trying again");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
            }
        }
    }

    /// The rows `sql` selects, tried again as [`PgStore::retrying`] says.
    async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        self.retrying(|deadline| async move {
            let client = self.checkout(deadline).await?;
            let rows = answered(deadline, async {
                let statement = client.prepare_cached(sql).await.map_err(failure)?;
                client.query(&statement, params).await.map_err(failure)
            })
            .await;
            client.keep_if(rows.is_ok());
            rows
        })
        .await
    }

    /// The one record `sql` selects in its first column, if any.
    async fn record<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<T>, StoreError> {
        self.rows(sql, params)
            .await?
            .first()
            .map(|row| decode(row, 0))
            .transpose()
    }

    /// Every record `sql` selects in its first column, in its order.
    async fn records<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<T>, StoreError> {
        self.rows(sql, params)
            .await?
            .iter()
            .map(|row| decode(row, 0))
            .collect()
    }

    /// Rows affected by `sql`, tried again as [`PgStore::retrying`] says.
    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        self.retrying(|deadline| async move {
            let client = self.checkout(deadline).await?;
            let changed = answered(deadline, async {
                let statement = client.prepare_cached(sql).await.map_err(failure)?;
                client.execute(&statement, params).await.map_err(failure)
            })
            .await;
            client.keep_if(changed.is_ok());
            changed
        })
        .await
    }

    /// A page of rows whose first column is the record and whose last two are the keyset cursor
    /// (an instant, then a tie-breaker); `sql` selects `page_size + 1` rows, so that a next page is
    /// named only when there is one.
    fn page<T: DeserializeOwned, K: ToString>(
        rows: Vec<Row>,
        page_size: usize,
        cursor: impl Fn(&Row) -> Result<(i64, K), StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let shown = &rows[..rows.len().min(page_size)];
        let next = match shown.last() {
            Some(last) if rows.len() > page_size => {
                let (at, tie) = cursor(last)?;
                Some(page_token(at, &tie.to_string()))
            }
            _ => None,
        };
        let items = shown
            .iter()
            .map(|row| decode(row, 0))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next })
    }

    /// Makes the records of `writes` (a copy of another store: `SledStore::copy_writes`) in this
    /// database, which must hold no record yet, in one transaction: all of them or, refused,
    /// none. A whole store may take a while: it is given as long as it takes.
    pub async fn fill_empty(&self, writes: &[Write]) -> Result<(), StoreError> {
        self.retrying_until(None, |deadline| {
            self.try_commit(writes, Target::Empty, deadline)
        })
        .await
    }

    /// A connection from the pool, or a new one, by `deadline`.
    async fn checkout(&self, deadline: Option<Instant>) -> Result<Checkout, Failure> {
        answered(deadline, async {
            self.pool.get().await.map_err(pool_failure)
        })
        .await
        .map(|object| Checkout(Some(object)))
    }

    /// One try at the whole commit, in one transaction, by `deadline`.
    async fn try_commit(
        &self,
        writes: &[Write],
        into: Target,
        deadline: Option<Instant>,
    ) -> Result<(), Failure> {
        let mut client = self.checkout(deadline).await?;
        let committed = self.commit_on(&mut client, writes, into, deadline).await;
        // A refused write is the database's clear answer, and its transaction was rolled back.
        client.keep_if(matches!(
            committed,
            Ok(()) | Err(Failure::Final(StoreError::Conflict { .. }))
        ));
        committed
    }

    /// The commit as one transaction on `client`: `BEGIN`, every write's statement and the
    /// announcement sent together and answered in one round trip (in rounds of
    /// [`PIPELINE_DEPTH`] for a long commit), their row counts checked, then `COMMIT`. A write
    /// refused by its count rolls the transaction back; the statements sent after it ran in a
    /// transaction that never commits.
    async fn commit_on(
        &self,
        client: &mut Checkout,
        writes: &[Write],
        into: Target,
        deadline: Option<Instant>,
    ) -> Result<(), Failure> {
        let mut statements = vec![Statement::new("BEGIN", vec![])];
        if into == Target::Empty {
            statements.push(Statement::new(HOLDS_RECORDS, vec![]).refused(
                true,
                Refused::DatabaseNotEmpty {
                    database: self.shown.clone(),
                },
            ));
        }
        for (position, write) in writes.iter().enumerate() {
            statements.push(statement(position, write)?);
        }
        let payloads = announcements(writes);
        if !payloads.is_empty() {
            statements.push(Statement::new(
                "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload",
                vec![Box::new(CHANGES_CHANNEL), Box::new(payloads)],
            ));
        }
        let client = client.object();
        let refused = answered(deadline, async {
            for round in statements.chunks(PIPELINE_DEPTH) {
                if let Some(refusal) = run_together(client, round).await? {
                    return Ok(Some(refusal));
                }
            }
            Ok(None)
        })
        .await?;
        if let Some(refusal) = refused {
            answered(deadline, async {
                let rollback = client.prepare_cached("ROLLBACK").await.map_err(failure)?;
                client.execute(&rollback, &[]).await.map_err(failure)
            })
            .await?;
            return Err(Failure::Final(refusal));
        }
        let may_have_landed = |detail: String| {
            Failure::Final(StoreError::Backend(format!(
                "the commit got no answer from the database ({detail}); the change may or may not have been made, so read it again before repeating it"
            )))
        };
        let commit = answered(deadline, async {
            client.prepare_cached("COMMIT").await.map_err(failure)
        })
        .await?;
        let committed = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, client.execute(&commit, &[]))
                .await
                .map_err(|_| may_have_landed(no_answer()))?,
            None => client.execute(&commit, &[]).await,
        };
        committed
            .map(drop)
            .map_err(|error| match transient(&error) {
                // The database refused it whole: nothing landed, so it can be tried again.
                Some(detail) if error.code().is_some() => Failure::Transient(detail),
                Some(detail) => may_have_landed(detail),
                None => failure(error),
            })
    }
}

/// How many statements of a commit are sent before their answers are read: a grant's few go
/// in one round trip, and a whole store copied by `migrate` is not queued at once.
const PIPELINE_DEPTH: usize = 64;

/// One statement of a commit, with its parameters, and what refuses the commit when the
/// statement finds its rows other than the write expects.
struct Statement<'a> {
    sql: &'static str,
    params: Vec<Box<dyn ToSql + Sync + Send + 'a>>,
    refusal: Option<Refusal>,
}

/// When a statement's row count refuses its commit, and as what.
struct Refusal {
    /// Refused when the statement finds a row (one that should not exist); otherwise when it
    /// touches none (the row it expected was not there, or not as expected).
    if_found: bool,
    as_: Refused,
}

enum Refused {
    Conflict { what: String, write: usize },
    DatabaseNotEmpty { database: String },
}

impl<'a> Statement<'a> {
    fn new(sql: &'static str, params: Vec<Box<dyn ToSql + Sync + Send + 'a>>) -> Statement<'a> {
        Statement {
            sql,
            params,
            refusal: None,
        }
    }

    /// Refused as a conflict of the write at `position` when it touches no row.
    fn conflict_unless_touched(self, what: String, position: usize) -> Statement<'a> {
        self.refused(
            false,
            Refused::Conflict {
                what,
                write: position,
            },
        )
    }

    /// Refused as a conflict of the write at `position` when it finds a row.
    fn conflict_if_found(self, what: String, position: usize) -> Statement<'a> {
        self.refused(
            true,
            Refused::Conflict {
                what,
                write: position,
            },
        )
    }

    fn refused(mut self, if_found: bool, as_: Refused) -> Statement<'a> {
        self.refusal = Some(Refusal { if_found, as_ });
        self
    }

    /// What refuses the commit, given how many rows the statement touched.
    fn refusal(&self, rows: u64) -> Option<StoreError> {
        let refusal = self.refusal.as_ref()?;
        if refusal.if_found != (rows > 0) {
            return None;
        }
        Some(match &refusal.as_ {
            Refused::Conflict { what, write } => StoreError::Conflict {
                what: what.clone(),
                write: *write,
            },
            Refused::DatabaseNotEmpty { database } => StoreError::DatabaseNotEmpty {
                database: database.clone(),
            },
        })
    }
}

/// Sends `statements` on `client` together and reads their answers in order: the first that
/// failed is the error, else the first refusal, if any. Preparing comes first, since a statement
/// this connection has not prepared yet needs an answer before it can be run.
async fn run_together(
    client: &Object,
    statements: &[Statement<'_>],
) -> Result<Option<StoreError>, Failure> {
    let prepared = in_order(statements.iter().map(|s| client.prepare_cached(s.sql))).await;
    let prepared = prepared
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(failure)?;
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = statements
        .iter()
        .map(|s| {
            s.params
                .iter()
                .map(|p| &**p as &(dyn ToSql + Sync))
                .collect()
        })
        .collect();
    let answers = in_order(
        prepared
            .iter()
            .zip(&params)
            .map(|(statement, params)| client.execute(statement, params)),
    )
    .await;
    for (statement, answer) in statements.iter().zip(answers) {
        if let Some(refusal) = statement.refusal(answer.map_err(failure)?) {
            return Ok(Some(refusal));
        }
    }
    Ok(None)
}

/// Awaits `steps` together, polling each in turn from the first, and gives their outputs in
/// order. Requests that futures polled together make on one tokio-postgres connection are
/// pipelined in the order they are first polled: this sends them in `steps`' order.
async fn in_order<F: Future>(steps: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut steps: Vec<_> = steps.into_iter().map(|step| Some(Box::pin(step))).collect();
    let mut outputs: Vec<Option<F::Output>> = steps.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (step, output) in steps.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = step {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(done) => {
                        *output = Some(done);
                        *step = None;
                    }
                    std::task::Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// What `writes` change that servers hold copies of, as `NOTIFY` payloads: words `app:SID` and
/// `signing-keys` separated by spaces, each payload under [`MAX_PAYLOAD`] bytes.
fn announcements(writes: &[Write]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for write in writes {
        match write {
            Write::PutApp { app, .. } | Write::DeleteApp { app, .. } => {
                words.push(format!("app:{}", app.sid));
            }
            Write::PutSigningKey(_) => words.push("signing-keys".to_owned()),
            // Read from the database on each use, never cached: nothing to announce.
            Write::AddAuditEvent(_)
            | Write::PutOwner(_)
            | Write::CreateUser(_)
            | Write::ReplaceUser { .. }
            | Write::PutAuthorization { .. }
            | Write::TouchAuthorization { .. }
            | Write::AddAuthorizationCode(_)
            | Write::RedeemAuthorizationCode(_)
            | Write::AddRefreshToken(_)
            | Write::SpendRefreshToken(_)
            | Write::RevokeToken { .. }
            | Write::PutSession(_)
            | Write::DeleteSession(_) => {}
        }
    }
    words.sort_unstable();
    words.dedup();
    let mut payloads: Vec<String> = Vec::new();
    for word in words {
        match payloads.last_mut() {
            Some(payload) if payload.len() + 1 + word.len() < MAX_PAYLOAD => {
                payload.push(' ');
                payload.push_str(&word);
            }
            _ => payloads.push(word),
        }
    }
    payloads
}

/// The changes one payload of [`announcements`] names.
fn announced(payload: &str) -> Vec<Change> {
    payload
        .split_ascii_whitespace()
        .map(
            |word| match word.strip_prefix("app:").map(str::parse::<Sid>) {
                Some(Ok(sid)) => Change::App(sid),
                _ if word == "signing-keys" => Change::SigningKeys,
                _ => Change::Unknown,
            },
        )
        .collect()
}

/// Listens for announcements until the subscription of `sender` is dropped, on a connection of
/// its own, made again after a growing pause whenever it drops or cannot be made.
async fn listen(config: tokio_postgres::Config, shown: String, sender: UnboundedSender<Notice>) {
    let mut pause = LISTEN_RETRY_FIRST;
    loop {
        let listened = tokio::select! {
            () = sender.closed() => return,
            listened = listen_once(&config, &sender) => listened,
        };
        match listened {
            Ok(detail) => {
                tracing::warn!(database = %shown, %detail, "the connection hearing other servers' changes dropped; forgetting every cached app and listening again");
                if sender.send(Notice::Lost).is_err() {
                    return;
                }
                pause = LISTEN_RETRY_FIRST;
            }
            Err(detail) => {
                tracing::warn!(database = %shown, %detail, retry_in = ?pause, "cannot listen for other servers' changes; cached apps are read again after their age meanwhile");
                pause = (pause * 2).min(LISTEN_RETRY_MAX);
            }
        }
        tokio::select! {
            () = sender.closed() => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// One connection's listening: once it listens, [`Notice::Listening`], then each announcement
/// until the connection ends, answered with why; an error when it could not listen at all.
async fn listen_once(
    config: &tokio_postgres::Config,
    sender: &UnboundedSender<Notice>,
) -> Result<String, String> {
    let (client, mut connection) = config
        .connect(NoTls)
        .await
        .map_err(|error| cause_of(&error))?;
    let forward = sender.clone();
    // The connection is read on its own task, which only hands each announcement on (the
    // channel is unbounded, so reading never waits on the subscriber); it ends with the
    // connection, which ends when `client` is dropped.
    let reader = tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(notification)) => {
                    if forward
                        .send(Notice::Changed(announced(notification.payload())))
                        .is_err()
                    {
                        return "no one listens any more".to_owned();
                    }
                }
                Ok(_) => {}
                Err(error) => return cause_of(&error),
            }
        }
        "the database closed the connection".to_owned()
    });
    if let Err(error) = client
        .batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))
        .await
    {
        reader.abort();
        return Err(cause_of(&error));
    }
    if sender.send(Notice::Listening).is_err() {
        return Ok("no one listens any more".to_owned());
    }
    let ended = reader
        .await
        .unwrap_or_else(|error| format!("reading the connection failed: {error}"));
    drop(client);
    Ok(ended)
}

/// A keyed hash as the database returned it.
fn failure_key(row: &Row, column: usize) -> Result<FailureKey, StoreError> {
    let bytes: Vec<u8> = row.try_get(column).map_err(corrupt)?;
    FailureKey::try_from(bytes.as_slice())
        .map_err(|_| StoreError::Corrupt(format!("a failure key of {} bytes", bytes.len())))
}

/// A limit as PostgreSQL's `integer` holds it.
fn limit(count: u32) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

/// A pooled connection, put back for the next request only when its work finished in time. One
/// that an attempt gave up waiting on (or whose request was dropped half-way) may still have a
/// statement in flight, or a database at its other end that no longer answers: it is closed.
struct Checkout(Option<Object>);

impl Checkout {
    fn object(&mut self) -> &mut Object {
        self.0
            .as_mut()
            .expect("a checkout holds its connection until it is dropped")
    }

    fn keep_if(mut self, answered: bool) {
        if answered {
            drop(self.0.take());
        }
    }
}

impl std::ops::Deref for Checkout {
    type Target = Object;

    fn deref(&self) -> &Object {
        self.0
            .as_ref()
            .expect("a checkout holds its connection until it is dropped")
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            drop(Object::take(object));
        }
    }
}

/// Waits for `step` until `deadline`; past it, the database is taken as not answering.
async fn answered<T>(
    deadline: Option<Instant>,
    step: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, step)
            .await
            .unwrap_or_else(|_| Err(Failure::Transient(no_answer()))),
        None => step.await,
    }
}

fn no_answer() -> String {
    format!(
        "the database did not answer within {} seconds",
        ANSWER_WITHIN.as_secs()
    )
}

/// What a commit may land on: the store as it is, or only a database that holds no record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Store,
    Empty,
}

/// A row when any table holds a record, none when the database holds none.
const HOLDS_RECORDS: &str =
    "SELECT 1 WHERE EXISTS (SELECT 1 FROM owners) OR EXISTS (SELECT 1 FROM users)
    OR EXISTS (SELECT 1 FROM apps) OR EXISTS (SELECT 1 FROM audit_events)
    OR EXISTS (SELECT 1 FROM authorizations) OR EXISTS (SELECT 1 FROM authorization_codes)
    OR EXISTS (SELECT 1 FROM refresh_tokens) OR EXISTS (SELECT 1 FROM signing_keys)
    OR EXISTS (SELECT 1 FROM revoked_tokens) OR EXISTS (SELECT 1 FROM sessions)";

#[derive(Clone, Copy)]
enum OpenStep {
    Connect,
    Create,
}

/// `user@host:port/database` for messages, from what the URL said: the password is left out.
fn describe(config: &tokio_postgres::Config) -> String {
    let user = config.get_user().unwrap_or("(your login name)");
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().unwrap_or(user);
    format!("{user}@{host}:{port}/{database}")
}

/// What went wrong, in words: the database's own message, or the connection's.
fn cause_of(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return db.message().to_owned();
    }
    let mut cause = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause = format!("{cause}: {inner}");
        source = inner.source();
    }
    cause
}

/// Whether the database or the connection gave up on a statement that may succeed when tried
/// again, and what it said.
fn transient(error: &tokio_postgres::Error) -> Option<String> {
    let gave_up = match error.code() {
        Some(code) => {
            *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
                || code.code().starts_with("08")
        }
        // No SQL state: the connection itself failed (closed, reset, refused, timed out).
        None => true,
    };
    gave_up.then(|| cause_of(error))
}

fn failure(error: tokio_postgres::Error) -> Failure {
    match transient(&error) {
        Some(detail) => Failure::Transient(detail),
        None => Failure::Final(StoreError::Backend(cause_of(&error))),
    }
}

fn pool_failure(error: PoolError) -> Failure {
    match error {
        PoolError::Backend(error) => failure(error),
        PoolError::Timeout(_) => Failure::Transient(format!(
            "no connection within {} seconds",
            CONNECT_TIMEOUT.as_secs()
        )),
        PoolError::Closed | PoolError::NoRuntimeSpecified | PoolError::PostCreateHook(_) => {
            Failure::Final(StoreError::Backend(format!("the connection pool: {error}")))
        }
    }
}

fn decode<T: DeserializeOwned>(row: &Row, column: usize) -> Result<T, StoreError> {
    row.try_get::<_, Json<T>>(column)
        .map(|json| json.0)
        .map_err(|error| StoreError::Corrupt(format!("{error}")))
}

/// The record in `column`, which an outer join left NULL where there was none.
fn decode_joined<T: DeserializeOwned>(row: &Row, column: usize) -> Result<Option<T>, StoreError> {
    row.try_get::<_, Option<Json<T>>>(column)
        .map(|json| json.map(|json| json.0))
        .map_err(|error| StoreError::Corrupt(format!("{error}")))
}

fn json<T: Serialize + std::fmt::Debug>(record: &T) -> Json<&T> {
    Json(record)
}

/// A version as PostgreSQL's `bigint` holds it; versions count writes, far below `i64::MAX`.
fn version(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

/// The event type as its records spell it.
fn event_type_name(event_type: AuditEventType) -> Result<String, StoreError> {
    match serde_json::to_value(event_type) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        Ok(other) => Err(StoreError::Corrupt(format!(
            "an event type written as {other}"
        ))),
        Err(error) => Err(StoreError::Corrupt(error.to_string())),
    }
}

/// A keyset cursor: the last row's instant and tie-breaker, hex so that it reads as opaque.
fn page_token(at: i64, tie: &str) -> String {
    hex::encode(format!("{at}/{tie}"))
}

fn parse_page_token(token: &str) -> Result<(i64, String), StoreError> {
    let bad = || StoreError::BadPageToken(token.to_owned());
    let text = String::from_utf8(hex::decode(token).map_err(|_| bad())?).map_err(|_| bad())?;
    let (at, tie) = text.split_once('/').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, tie.to_owned()))
}

/// The statement that makes the write at `position` of a commit; one that finds its row other
/// than the write expects refuses the commit as a conflict at `position`.
fn statement(position: usize, write: &Write) -> Result<Statement<'_>, StoreError> {
    Ok(match write {
        Write::PutApp { app, expect } => {
            let name = app.settings.name.to_lowercase();
            let mut params: Vec<Box<dyn ToSql + Sync + Send>> = vec![
                Box::new(app.sid.as_str()),
                Box::new(app.owner.as_str()),
                Box::new(app.created_at.0),
                Box::new(name),
                Box::new(version(app.version)),
                Box::new(json(app)),
            ];
            let sql = match expect {
                Expect::Absent => {
                    "INSERT INTO apps (sid, owner, created_at, name_lower, version, record)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sid) DO NOTHING"
                }
                Expect::Version(expected) => {
                    params.push(Box::new(version(*expected)));
                    "UPDATE apps SET owner = $2, created_at = $3, name_lower = $4,
                         version = $5, record = $6
                     WHERE sid = $1 AND version = $7"
                }
            };
            Statement::new(sql, params)
                .conflict_unless_touched(format!("app {}", app.sid), position)
        }
        Write::DeleteApp { app, expect } => {
            let what = format!("app {}", app.sid);
            match expect {
                Expect::Version(expected) => Statement::new(
                    "DELETE FROM apps WHERE sid = $1 AND version = $2",
                    vec![Box::new(app.sid.as_str()), Box::new(version(*expected))],
                )
                .conflict_unless_touched(what, position),
                // Nothing to delete, as expected, unless it exists after all.
                Expect::Absent => Statement::new(
                    "SELECT 1 FROM apps WHERE sid = $1 FOR UPDATE",
                    vec![Box::new(app.sid.as_str())],
                )
                .conflict_if_found(what, position),
            }
        }
        Write::AddAuditEvent(event) => Statement::new(
            "INSERT INTO audit_events (at, owner, app, event_type, record)
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                Box::new(event.at.0),
                Box::new(event.owner.as_str()),
                Box::new(event.app.as_str()),
                Box::new(event_type_name(event.event_type)?),
                Box::new(json(event)),
            ],
        ),
        Write::PutOwner(owner) => Statement::new(
            "INSERT INTO owners (sid, record) VALUES ($1, $2)
             ON CONFLICT (sid) DO UPDATE SET record = EXCLUDED.record",
            vec![Box::new(owner.sid.as_str()), Box::new(json(owner))],
        ),
        Write::CreateUser(user) => Statement::new(
            "INSERT INTO users (sid, username_lower, record) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            vec![
                Box::new(user.sid.as_str()),
                Box::new(user.username.to_lowercase()),
                Box::new(json(user)),
            ],
        )
        .conflict_unless_touched(format!("username '{}'", user.username), position),
        Write::ReplaceUser { user, was } => Statement::new(
            "UPDATE users SET record = $2 WHERE sid = $1 AND record = $3 AND username_lower = $4",
            vec![
                Box::new(user.sid.as_str()),
                Box::new(json(user)),
                Box::new(json(was)),
                Box::new(user.username.to_lowercase()),
            ],
        )
        .conflict_unless_touched(format!("user {}", user.sid), position),
        Write::PutAuthorization {
            authorization: a,
            expect,
        } => {
            let mut params: Vec<Box<dyn ToSql + Sync + Send>> = vec![
                Box::new(a.sid.as_str()),
                Box::new(a.owner.as_str()),
                Box::new(a.app.as_str()),
                Box::new(a.created_at.0),
                Box::new(a.revoked_at.is_some()),
                Box::new(version(a.version)),
                Box::new(json(a)),
            ];
            let sql = match expect {
                Expect::Absent => {
                    "INSERT INTO authorizations
                         (sid, owner, app, created_at, revoked, version, record)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sid) DO NOTHING"
                }
                Expect::Version(expected) => {
                    params.push(Box::new(version(*expected)));
                    "UPDATE authorizations SET owner = $2, app = $3, created_at = $4,
                         revoked = $5, version = $6, record = $7
                     WHERE sid = $1 AND version = $8"
                }
            };
            Statement::new(sql, params)
                .conflict_unless_touched(format!("authorization {}", a.sid), position)
        }
        Write::TouchAuthorization { sid, at } => Statement::new(
            "UPDATE authorizations SET version = version + 1,
                 record = record || jsonb_build_object(
                     'last_used_at', GREATEST((record->>'last_used_at')::bigint, $2),
                     'version', version + 1)
             WHERE sid = $1 AND NOT revoked",
            vec![Box::new(sid.as_str()), Box::new(at.0)],
        )
        .conflict_unless_touched(format!("authorization {sid}"), position),
        Write::AddAuthorizationCode(code) => Statement::new(
            "INSERT INTO authorization_codes (digest, expires_at, redeemed, record)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (digest) DO UPDATE SET expires_at = EXCLUDED.expires_at,
                 redeemed = EXCLUDED.redeemed, record = EXCLUDED.record",
            vec![
                Box::new(code.digest.to_hex()),
                Box::new(code.expires_at.0),
                Box::new(code.redeemed),
                Box::new(json(code)),
            ],
        ),
        Write::RedeemAuthorizationCode(digest) => Statement::new(
            "UPDATE authorization_codes SET redeemed = true WHERE digest = $1 AND NOT redeemed",
            vec![Box::new(digest.to_hex())],
        )
        .conflict_unless_touched("authorization code".to_owned(), position),
        Write::AddRefreshToken(token) => Statement::new(
            "INSERT INTO refresh_tokens (digest, expires_at, spent, record)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (digest) DO UPDATE SET expires_at = EXCLUDED.expires_at,
                 spent = EXCLUDED.spent, record = EXCLUDED.record",
            vec![
                Box::new(token.digest.to_hex()),
                Box::new(token.expires_at.0),
                Box::new(token.spent),
                Box::new(json(token)),
            ],
        ),
        Write::SpendRefreshToken(digest) => Statement::new(
            "UPDATE refresh_tokens SET spent = true WHERE digest = $1 AND NOT spent",
            vec![Box::new(digest.to_hex())],
        )
        .conflict_unless_touched("refresh token".to_owned(), position),
        Write::PutSigningKey(key) => Statement::new(
            "INSERT INTO signing_keys (kid, created_at, retired_at, record)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (kid) DO UPDATE SET created_at = EXCLUDED.created_at,
                 retired_at = EXCLUDED.retired_at, record = EXCLUDED.record",
            vec![
                Box::new(key.kid.as_str()),
                Box::new(key.created_at.0),
                Box::new(key.retired_at.map(|at| at.0)),
                Box::new(json(key)),
            ],
        ),
        Write::RevokeToken { jti, expires_at } => Statement::new(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)
             ON CONFLICT (jti) DO UPDATE SET expires_at = EXCLUDED.expires_at",
            vec![Box::new(jti.as_str()), Box::new(expires_at.0)],
        ),
        Write::PutSession(session) => Statement::new(
            "INSERT INTO sessions (digest, expires_at, record) VALUES ($1, $2, $3)
             ON CONFLICT (digest) DO UPDATE SET expires_at = EXCLUDED.expires_at,
                 record = EXCLUDED.record",
            vec![
                Box::new(session.digest.to_hex()),
                Box::new(session.expires_at.0),
                Box::new(json(session)),
            ],
        ),
        Write::DeleteSession(digest) => Statement::new(
            "DELETE FROM sessions WHERE digest = $1",
            vec![Box::new(digest.to_hex())],
        ),
    })
}

/// Removes up to `limit` rows of `table` whose `column` is before `before`, oldest first. The
/// outer condition is checked again on a row written meanwhile, so a record written again to
/// matter longer stays.
fn purge_sql(table: &str, key: &str, column: &str) -> String {
    format!(
        "DELETE FROM {table} WHERE {key} IN (
             SELECT {key} FROM {table} WHERE {column} < $1 ORDER BY {column} LIMIT $2
         ) AND {column} < $1"
    )
}

#[async_trait]
impl Store for PgStore {
    async fn app(&self, sid: &Sid) -> Result<Option<OAuthApp>, StoreError> {
        self.record("SELECT record FROM apps WHERE sid = $1", &[&sid.as_str()])
            .await
    }

    async fn apps(&self, query: &AppQuery) -> Result<Page<OAuthApp>, StoreError> {
        let owner = query.owner.as_str();
        let limit = page_limit(query.page_size);
        let needle = query.name_contains.as_ref().map(|n| n.to_lowercase());
        let cursor = query.after.as_deref().map(parse_page_token).transpose()?;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&owner, &limit];
        let mut sql = String::from("SELECT record, created_at, sid FROM apps WHERE owner = $1");
        if let Some(needle) = &needle {
            params.push(needle);
            sql.push_str(&format!(" AND strpos(name_lower, ${}) > 0", params.len()));
        }
        let newest_first = query.order == AppOrder::NewestFirst;
        if let Some((at, sid)) = &cursor {
            params.push(at);
            params.push(sid);
            let (at, sid) = (params.len() - 1, params.len());
            // `created_at` bounds the index scan; the tie-break filters only one instant's rows.
            sql.push_str(&if newest_first {
                format!(" AND created_at <= ${at} AND (created_at < ${at} OR sid > ${sid})")
            } else {
                format!(" AND created_at >= ${at} AND (created_at > ${at} OR sid < ${sid})")
            });
        }
        sql.push_str(if newest_first {
            " ORDER BY created_at DESC, sid LIMIT $2"
        } else {
            " ORDER BY created_at, sid DESC LIMIT $2"
        });
        let rows = self.rows(&sql, &params).await?;
        Self::page(rows, query.page_size, |row| {
            Ok((
                row.try_get::<_, i64>(1).map_err(corrupt)?,
                row.try_get::<_, String>(2).map_err(corrupt)?,
            ))
        })
    }

    async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, StoreError> {
        let owners: Vec<&str> = query.owners.iter().map(Sid::as_str).collect();
        let limit = page_limit(query.page_size);
        let app = query.app.as_ref().map(Sid::as_str);
        let event_type = query.event_type.map(event_type_name).transpose()?;
        let cursor = match query.after.as_deref().map(parse_page_token).transpose()? {
            Some((at, seq)) => Some((
                at,
                seq.parse::<i64>().map_err(|_| {
                    StoreError::BadPageToken(query.after.clone().unwrap_or_default())
                })?,
            )),
            None => None,
        };
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&owners, &limit];
        let mut sql =
            String::from("SELECT record, at, seq FROM audit_events WHERE owner = ANY($1)");
        if let Some(app) = &app {
            params.push(app);
            sql.push_str(&format!(" AND app = ${}", params.len()));
        }
        if let Some(event_type) = &event_type {
            params.push(event_type);
            sql.push_str(&format!(" AND event_type = ${}", params.len()));
        }
        if let Some((at, seq)) = &cursor {
            params.push(at);
            params.push(seq);
            let (at, seq) = (params.len() - 1, params.len());
            sql.push_str(&format!(
                " AND at <= ${at} AND (at < ${at} OR seq < ${seq})"
            ));
        }
        sql.push_str(" ORDER BY at DESC, seq DESC LIMIT $2");
        let rows = self.rows(&sql, &params).await?;
        Self::page(rows, query.page_size, |row| {
            Ok((
                row.try_get::<_, i64>(1).map_err(corrupt)?,
                row.try_get::<_, i64>(2).map_err(corrupt)?,
            ))
        })
    }

    async fn owner(&self, sid: &Sid) -> Result<Option<Owner>, StoreError> {
        self.record("SELECT record FROM owners WHERE sid = $1", &[&sid.as_str()])
            .await
    }

    async fn owners(&self) -> Result<Vec<Owner>, StoreError> {
        self.records("SELECT record FROM owners ORDER BY sid", &[])
            .await
    }

    async fn user(&self, sid: &Sid) -> Result<Option<User>, StoreError> {
        self.record("SELECT record FROM users WHERE sid = $1", &[&sid.as_str()])
            .await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.record(
            "SELECT record FROM users WHERE username_lower = $1",
            &[&username.to_lowercase()],
        )
        .await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.records("SELECT record FROM users ORDER BY seq", &[])
            .await
    }

    async fn authorization(&self, sid: &Sid) -> Result<Option<Authorization>, StoreError> {
        self.record(
            "SELECT record FROM authorizations WHERE sid = $1",
            &[&sid.as_str()],
        )
        .await
    }

    async fn authorizations(
        &self,
        query: &AuthorizationQuery,
    ) -> Result<Page<Authorization>, StoreError> {
        let owner = query.owner.as_str();
        let limit = page_limit(query.page_size);
        let app = query.app.as_ref().map(Sid::as_str);
        let cursor = query.after.as_deref().map(parse_page_token).transpose()?;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&owner, &limit];
        let mut sql =
            String::from("SELECT record, created_at, sid FROM authorizations WHERE owner = $1");
        if !query.include_revoked {
            sql.push_str(" AND NOT revoked");
        }
        if let Some(app) = &app {
            params.push(app);
            sql.push_str(&format!(" AND app = ${}", params.len()));
        }
        if let Some((at, sid)) = &cursor {
            params.push(at);
            params.push(sid);
            let (at, sid) = (params.len() - 1, params.len());
            sql.push_str(&format!(
                " AND created_at <= ${at} AND (created_at < ${at} OR sid > ${sid})"
            ));
        }
        sql.push_str(" ORDER BY created_at DESC, sid LIMIT $2");
        let rows = self.rows(&sql, &params).await?;
        Self::page(rows, query.page_size, |row| {
            Ok((
                row.try_get::<_, i64>(1).map_err(corrupt)?,
                row.try_get::<_, String>(2).map_err(corrupt)?,
            ))
        })
    }

    async fn authorization_code(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<AuthorizationCode>, StoreError> {
        let rows = self
            .rows(
                "SELECT record, redeemed FROM authorization_codes WHERE digest = $1",
                &[&digest.to_hex()],
            )
            .await?;
        rows.first()
            .map(|row| {
                let mut code: AuthorizationCode = decode(row, 0)?;
                code.redeemed = row.try_get(1).map_err(corrupt)?;
                Ok(code)
            })
            .transpose()
    }

    async fn refresh_token(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<RefreshToken>, StoreError> {
        let rows = self
            .rows(
                "SELECT record, spent FROM refresh_tokens WHERE digest = $1",
                &[&digest.to_hex()],
            )
            .await?;
        rows.first()
            .map(|row| {
                let mut token: RefreshToken = decode(row, 0)?;
                token.spent = row.try_get(1).map_err(corrupt)?;
                Ok(token)
            })
            .transpose()
    }

    async fn code_granting(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<Granting<AuthorizationCode>>, StoreError> {
        let rows = self
            .rows(
                "SELECT c.record, c.redeemed, a.record, u.record FROM authorization_codes c
                 LEFT JOIN authorizations a ON a.sid = c.record->>'authorization'
                 LEFT JOIN users u ON u.sid = c.record->>'user'
                 WHERE c.digest = $1",
                &[&digest.to_hex()],
            )
            .await?;
        rows.first()
            .map(|row| {
                let mut code: AuthorizationCode = decode(row, 0)?;
                code.redeemed = row.try_get(1).map_err(corrupt)?;
                Ok(Granting {
                    credential: code,
                    authorization: decode_joined(row, 2)?,
                    user: decode_joined(row, 3)?,
                })
            })
            .transpose()
    }

    async fn refresh_granting(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<Granting<RefreshToken>>, StoreError> {
        let rows = self
            .rows(
                "SELECT t.record, t.spent, a.record, u.record FROM refresh_tokens t
                 LEFT JOIN authorizations a ON a.sid = t.record->>'authorization'
                 LEFT JOIN users u ON u.sid = a.record->'user'->>'sid'
                 WHERE t.digest = $1",
                &[&digest.to_hex()],
            )
            .await?;
        rows.first()
            .map(|row| {
                let mut token: RefreshToken = decode(row, 0)?;
                token.spent = row.try_get(1).map_err(corrupt)?;
                Ok(Granting {
                    credential: token,
                    authorization: decode_joined(row, 2)?,
                    user: decode_joined(row, 3)?,
                })
            })
            .transpose()
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        self.records(
            "SELECT record FROM signing_keys ORDER BY created_at, kid",
            &[],
        )
        .await
    }

    async fn is_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let rows = self
            .rows("SELECT 1 FROM revoked_tokens WHERE jti = $1", &[&jti])
            .await?;
        Ok(!rows.is_empty())
    }

    async fn session(&self, digest: &SecretDigest) -> Result<Option<Session>, StoreError> {
        self.record(
            "SELECT record FROM sessions WHERE digest = $1",
            &[&digest.to_hex()],
        )
        .await
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        tracing::debug!(writes = writes.len(), "committing");
        self.retrying(|deadline| self.try_commit(&writes, Target::Store, deadline))
            .await?;
        tracing::debug!("commit durable");
        Ok(())
    }

    async fn purge(&self, cutoffs: &PurgeCutoffs, limit: usize) -> Result<Purged, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut purged = Purged::default();
        let kinds: [(&mut usize, &str, &str, &str, Timestamp); 6] = [
            (
                &mut purged.codes,
                "authorization_codes",
                "digest",
                "expires_at",
                cutoffs.codes_expired_before,
            ),
            (
                &mut purged.refresh_tokens,
                "refresh_tokens",
                "digest",
                "expires_at",
                cutoffs.refresh_tokens_expired_before,
            ),
            (
                &mut purged.revocations,
                "revoked_tokens",
                "jti",
                "expires_at",
                cutoffs.revocations_expired_before,
            ),
            (
                &mut purged.sessions,
                "sessions",
                "digest",
                "expires_at",
                cutoffs.sessions_expired_before,
            ),
            (
                &mut purged.signing_keys,
                "signing_keys",
                "kid",
                "retired_at",
                cutoffs.signing_keys_retired_before,
            ),
            (
                &mut purged.failure_windows,
                "failure_windows",
                "key",
                "ends_at",
                cutoffs.failure_windows_ended_before,
            ),
        ];
        for (count, table, key, column, before) in kinds {
            let removed = self
                .execute(&purge_sql(table, key, column), &[&before.0, &limit])
                .await?;
            *count = usize::try_from(removed).unwrap_or(usize::MAX);
        }
        Ok(purged)
    }

    fn shared(self: Arc<Self>) -> Option<Arc<dyn SharedStore>> {
        Some(self)
    }
}

#[async_trait]
impl SharedStore for PgStore {
    fn changes(&self) -> Changes {
        let (sender, changes) = Changes::channel();
        tokio::spawn(listen(
            self.listen_config.clone(),
            self.shown.clone(),
            sender,
        ));
        changes
    }

    async fn count_failure(
        &self,
        keys: &FailureKeys,
        window_ends: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        // Three rows of distinct keys, always in this order, so two failures lock their common
        // row (an identity or an address) in the same order and never deadlock.
        self.execute(
            "INSERT INTO failure_windows (key, ends_at, failures, identity_key, source_key)
             VALUES ($1, $4, 1, $2, $3), ($2, $4, 1, NULL, NULL), ($3, $4, 1, NULL, NULL)
             ON CONFLICT (key) DO UPDATE SET
                 failures = CASE WHEN failure_windows.ends_at <= $5 THEN 1
                     ELSE least(failure_windows.failures, 2147483646) + 1 END,
                 ends_at = CASE WHEN failure_windows.ends_at <= $5 THEN EXCLUDED.ends_at
                     ELSE failure_windows.ends_at END",
            &[
                &keys.pair.as_slice(),
                &keys.identity.as_slice(),
                &keys.source.as_slice(),
                &window_ends.0,
                &now.0,
            ],
        )
        .await
        .map(drop)
    }

    async fn refused_pairs(
        &self,
        limits: &FailureLimits,
        now: Timestamp,
        max: usize,
    ) -> Result<Vec<RefusedPair>, StoreError> {
        let rows = self
            .rows(
                "SELECT p.key, p.ends_at FROM failure_windows p
                 WHERE p.identity_key IS NOT NULL AND p.ends_at > $1 AND (
                     p.failures >= $2
                     OR EXISTS (SELECT 1 FROM failure_windows i WHERE i.key = p.identity_key
                         AND i.ends_at > $1 AND i.failures >= $3)
                     OR EXISTS (SELECT 1 FROM failure_windows s WHERE s.key = p.source_key
                         AND s.ends_at > $1 AND s.failures >= $4))
                 LIMIT $5",
                &[
                    &now.0,
                    &limit(limits.per_pair),
                    &limit(limits.per_identity),
                    &limit(limits.per_source),
                    &i64::try_from(max).unwrap_or(i64::MAX),
                ],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(RefusedPair {
                    pair: failure_key(row, 0)?,
                    window_ends: Timestamp(row.try_get(1).map_err(corrupt)?),
                })
            })
            .collect()
    }
}

/// A page's `LIMIT`: one row more than it shows, to tell whether another page follows.
fn page_limit(page_size: usize) -> i64 {
    i64::try_from(page_size.saturating_add(1)).unwrap_or(i64::MAX)
}

fn corrupt(error: tokio_postgres::Error) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SidKind;

    #[test]
    fn an_announcement_of_many_apps_is_cut_below_notifys_limit_and_names_each_once() {
        let apps: Vec<Sid> = (0..=255u8)
            .flat_map(|a| {
                [a, a].map(|b| {
                    Sid::new(
                        SidKind::OAuthApp,
                        [a, b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4],
                    )
                })
            })
            .collect();
        let mut writes: Vec<Write> = apps
            .iter()
            .map(|sid| Write::DeleteApp {
                app: crate::model::OAuthApp {
                    sid: sid.clone(),
                    ..test_app()
                },
                expect: Expect::Version(1),
            })
            .collect();
        writes.push(Write::RevokeToken {
            jti: "not cached".into(),
            expires_at: Timestamp(0),
        });
        let payloads = announcements(&writes);
        assert!(payloads.len() > 1);
        assert!(payloads.iter().all(|payload| payload.len() < 8000));
        let heard: Vec<Change> = payloads.iter().flat_map(|p| announced(p)).collect();
        assert_eq!(heard.len(), 256, "each app once, the revocation not at all");
        assert!(
            heard
                .iter()
                .all(|change| matches!(change, Change::App(sid) if apps.contains(sid)))
        );
        assert_eq!(
            announced("signing-keys app:nonsense"),
            [Change::SigningKeys, Change::Unknown]
        );
    }

    fn test_app() -> crate::model::OAuthApp {
        crate::model::OAuthApp {
            sid: Sid::new(SidKind::OAuthApp, [0; 16]),
            owner: Sid::new(SidKind::Account, [0; 16]),
            grant_type: crate::model::GrantType::ClientCredentials,
            settings: crate::model::AppSettings::default(),
            secrets: Vec::new(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
            created_by: crate::model::UserRef {
                sid: Sid::new(SidKind::User, [0; 16]),
                username: "admin".into(),
            },
            version: 1,
        }
    }
}
