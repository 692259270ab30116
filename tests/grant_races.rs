//! Requests under one authorization that meet in the store: two devices of one person, a client
//! refreshing two tokens at once, a thief racing the client, an admin revoking during a refresh.
//! The real sled store is wrapped only to hold commits back until every racer has read, so that
//! the interleaving a busy server produces now and then happens on every run.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use oauth_console::model::{
    AppSettings, AuditEvent, Authorization, AuthorizationCode, GrantType, NewApp, OAuthApp, Owner,
    Page, RefreshToken, SecretDigest, Session, Sid, SigningKeyRecord, Timestamp, User,
    s256_challenge,
};
use oauth_console::service::{
    AuthorizationRequest, ConsoleService, Grant, GrantError, ManualClock, SeededEntropy,
    ServiceError,
};
use oauth_console::store::{
    AppQuery, AuditQuery, AuthorizationQuery, PurgeCutoffs, Purged, SharedStore, SledStore, Store,
    StoreError, Write,
};
use tokio::sync::Barrier;

const REDIRECT: &str = "https://partner.example.com/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// Makes the next `n` commits wait for one another, then lets them through: the last to arrive
/// commits first, the others after it, each against what it read before any of them wrote.
#[derive(Default)]
struct CommitGate {
    round: Mutex<Option<Round>>,
}

/// Commits meeting at the gate: `left` more are awaited, of `size`; with `again`, the commits
/// after them meet again in a round one smaller.
struct Round {
    barrier: Arc<Barrier>,
    size: usize,
    left: usize,
    again: bool,
}

impl Round {
    fn of(size: usize, again: bool) -> Round {
        Round {
            barrier: Arc::new(Barrier::new(size)),
            size,
            left: size,
            again,
        }
    }
}

impl CommitGate {
    fn hold(&self, n: usize) {
        *self.round.lock().unwrap() = Some(Round::of(n, false));
    }

    /// As [`CommitGate::hold`], and the commits that follow (the losers trying again) meet again,
    /// in rounds one smaller each time down to two: every try of every racer meets all the others
    /// still racing, the worst a busy server can do.
    fn hold_every_try(&self, n: usize) {
        *self.round.lock().unwrap() = Some(Round::of(n, true));
    }

    async fn pass(&self) {
        let barrier = {
            let mut round = self.round.lock().unwrap();
            let Some(current) = round.as_mut() else {
                return;
            };
            let barrier = current.barrier.clone();
            current.left -= 1;
            if current.left == 0 {
                let next =
                    (current.again && current.size > 2).then(|| Round::of(current.size - 1, true));
                *round = next;
            }
            barrier
        };
        barrier.wait().await;
    }
}

/// The sled store, with its commits passing through a [`CommitGate`].
struct GatedStore {
    inner: SledStore,
    gate: Arc<CommitGate>,
}

#[async_trait]
impl Store for GatedStore {
    async fn app(&self, sid: &Sid) -> Result<Option<OAuthApp>, StoreError> {
        self.inner.app(sid).await
    }
    async fn apps(&self, query: &AppQuery) -> Result<Page<OAuthApp>, StoreError> {
        self.inner.apps(query).await
    }
    async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, StoreError> {
        self.inner.audit_events(query).await
    }
    async fn owner(&self, sid: &Sid) -> Result<Option<Owner>, StoreError> {
        self.inner.owner(sid).await
    }
    async fn owners(&self) -> Result<Vec<Owner>, StoreError> {
        self.inner.owners().await
    }
    async fn user(&self, sid: &Sid) -> Result<Option<User>, StoreError> {
        self.inner.user(sid).await
    }
    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.inner.user_by_name(username).await
    }
    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.inner.users().await
    }
    async fn authorization(&self, sid: &Sid) -> Result<Option<Authorization>, StoreError> {
        self.inner.authorization(sid).await
    }
    async fn authorizations(
        &self,
        query: &AuthorizationQuery,
    ) -> Result<Page<Authorization>, StoreError> {
        self.inner.authorizations(query).await
    }
    async fn authorization_code(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<AuthorizationCode>, StoreError> {
        self.inner.authorization_code(digest).await
    }
    async fn refresh_token(
        &self,
        digest: &SecretDigest,
    ) -> Result<Option<RefreshToken>, StoreError> {
        self.inner.refresh_token(digest).await
    }
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        self.inner.signing_keys().await
    }
    async fn is_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        self.inner.is_token_revoked(jti).await
    }
    async fn session(&self, digest: &SecretDigest) -> Result<Option<Session>, StoreError> {
        self.inner.session(digest).await
    }
    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.gate.pass().await;
        self.inner.commit(writes).await
    }
    async fn purge(&self, cutoffs: &PurgeCutoffs, limit: usize) -> Result<Purged, StoreError> {
        self.inner.purge(cutoffs, limit).await
    }
    /// None, as sled's: one process over it.
    fn shared(self: Arc<Self>) -> Option<Arc<dyn SharedStore>> {
        None
    }
}

struct Race {
    service: ConsoleService,
    gate: Arc<CommitGate>,
    admin: Sid,
    app: OAuthApp,
    _dir: tempfile::TempDir,
}

async fn race() -> Race {
    let dir = tempfile::tempdir().unwrap();
    let gate = Arc::new(CommitGate::default());
    let store = GatedStore {
        inner: SledStore::open(dir.path()).unwrap(),
        gate: gate.clone(),
    };
    let service = ConsoleService::new(
        Arc::new(store),
        Arc::new(ManualClock::new(Timestamp(1_795_462_741_000))),
        Arc::new(SeededEntropy::new(5)),
    );
    let made = service
        .bootstrap("admin", Some("correct horse battery".into()))
        .await
        .unwrap()
        .unwrap();
    let admin = service.local_user(None).await.unwrap().sid;
    let settings = AppSettings {
        name: "Partner portal".into(),
        scopes: vec!["managed-users/read".into(), "offline_access".into()],
        redirect_uris: vec![REDIRECT.into()],
        ..AppSettings::default()
    };
    let app = service
        .create_app(
            &admin,
            NewApp {
                owner: made.owners[2].sid.clone(),
                grant_type: GrantType::AuthorizationCode,
                settings,
                region: None,
            },
        )
        .await
        .unwrap()
        .app;
    Race {
        service,
        gate,
        admin,
        app,
        _dir: dir,
    }
}

impl Race {
    /// A new code under the person's one authorization of the app, as a second device gets.
    async fn code(&self) -> String {
        self.code_or_error().await.unwrap()
    }

    async fn code_or_error(&self) -> Result<String, ServiceError> {
        let request = AuthorizationRequest {
            client_id: self.app.sid.to_string(),
            redirect_uri: Some(REDIRECT.into()),
            response_type: "code".into(),
            scope: Some("managed-users/read offline_access".into()),
            state: Some("xyz".into()),
            code_challenge: Some(s256_challenge(VERIFIER)),
            code_challenge_method: Some("S256".into()),
            nonce: None,
        };
        let valid = self
            .service
            .check_authorization_request(request)
            .await
            .unwrap();
        let code = self
            .service
            .approve(&self.admin, self.service.now(), &valid)
            .await?;
        Ok(code.expose().to_owned())
    }

    async fn exchange(&self, code: &str) -> Result<Grant, GrantError> {
        self.service
            .exchange_code(&self.app, code, Some(REDIRECT), Some(VERIFIER))
            .await
    }

    async fn refresh(&self, token: &str) -> Result<Grant, GrantError> {
        self.service.refresh(&self.app, token, None).await
    }

    /// The refresh tokens of two devices, under one authorization.
    async fn two_devices(&self) -> (Sid, String, String) {
        let first = self.exchange(&self.code().await).await.unwrap();
        let second = self.exchange(&self.code().await).await.unwrap();
        assert_eq!(first.authorization.sid, second.authorization.sid);
        let token = |grant: Grant| grant.refresh_token.unwrap().expose().to_owned();
        (first.authorization.sid.clone(), token(first), token(second))
    }

    async fn active(&self, authorization: &Sid) -> bool {
        self.service
            .authorization_is_active(authorization)
            .await
            .unwrap()
    }
}

fn refusal(result: Result<Grant, GrantError>) -> String {
    match result {
        Err(GrantError::InvalidGrant(why)) => why,
        Err(other) => panic!("expected invalid_grant, got {other:?}"),
        Ok(_) => panic!("expected invalid_grant, got a grant"),
    }
}

#[tokio::test]
async fn two_refresh_tokens_of_one_authorization_used_at_once_both_work_and_it_stays_active() {
    let r = race().await;
    let (authorization, laptop, phone) = r.two_devices().await;
    r.gate.hold(2);
    let (on_laptop, on_phone) = tokio::join!(r.refresh(&laptop), r.refresh(&phone));
    let (on_laptop, on_phone) = (on_laptop.unwrap(), on_phone.unwrap());
    assert!(r.active(&authorization).await);
    for next in [on_laptop, on_phone] {
        let next = next.refresh_token.unwrap();
        r.refresh(next.expose()).await.unwrap();
    }
}

#[tokio::test]
async fn two_codes_of_one_authorization_exchanged_at_once_both_work_and_it_stays_active() {
    let r = race().await;
    let (laptop, phone) = (r.code().await, r.code().await);
    r.gate.hold(2);
    let (on_laptop, on_phone) = tokio::join!(r.exchange(&laptop), r.exchange(&phone));
    let (on_laptop, on_phone) = (on_laptop.unwrap(), on_phone.unwrap());
    assert_eq!(on_laptop.authorization.sid, on_phone.authorization.sid);
    assert!(r.active(&on_laptop.authorization.sid).await);
    for grant in [on_laptop, on_phone] {
        let token = grant.refresh_token.unwrap();
        r.refresh(token.expose()).await.unwrap();
    }
}

#[tokio::test]
async fn six_devices_of_one_person_refreshing_at_once_all_get_tokens_and_none_a_server_error() {
    // Each grant marks the authorization used; six at once against one read of it used to lose
    // that write's race to one another, try again, and the last lose five times and answer 500.
    let r = race().await;
    let mut tokens = Vec::new();
    for _ in 0..6 {
        let grant = r.exchange(&r.code().await).await.unwrap();
        tokens.push(grant.refresh_token.unwrap().expose().to_owned());
    }
    r.gate.hold_every_try(6);
    let [a, b, c, d, e, f] = tokens.as_slice() else {
        unreachable!("six tokens")
    };
    let at_once = tokio::join!(
        r.refresh(a),
        r.refresh(b),
        r.refresh(c),
        r.refresh(d),
        r.refresh(e),
        r.refresh(f)
    );
    let (a, b, c, d, e, f) = at_once;
    for grant in [a, b, c, d, e, f] {
        let grant = grant.unwrap();
        assert!(r.active(&grant.authorization.sid).await);
    }
}

#[tokio::test]
async fn a_thief_racing_the_client_with_its_refresh_token_gets_one_token_that_is_then_revoked() {
    let r = race().await;
    let (authorization, stolen, _) = r.two_devices().await;
    r.gate.hold(2);
    let (client, thief) = tokio::join!(r.refresh(&stolen), r.refresh(&stolen));
    let (won, lost) = match (client, thief) {
        (Ok(won), lost @ Err(_)) | (lost @ Err(_), Ok(won)) => (won, lost),
        (Ok(_), Ok(_)) => panic!("one refresh token was spent twice"),
        (Err(a), Err(b)) => panic!("neither use of the token got a grant: {a:?}, {b:?}"),
    };
    assert!(refusal(lost).contains("already used"));
    assert!(!r.active(&authorization).await);
    let next = won.refresh_token.unwrap();
    assert!(refusal(r.refresh(next.expose()).await).contains("revoked"));
}

#[tokio::test]
async fn a_replay_racing_another_devices_refresh_still_revokes_the_authorization() {
    let r = race().await;
    let (authorization, stolen, phone) = r.two_devices().await;
    r.refresh(&stolen).await.unwrap();
    // The replay's revocation reaches the store second, after the phone's refresh bumped the
    // authorization it read.
    r.gate.hold(2);
    let (replay, on_phone) = tokio::join!(r.refresh(&stolen), r.refresh(&phone));
    assert!(refusal(replay).contains("already used"));
    on_phone.unwrap();
    assert!(
        !r.active(&authorization).await,
        "the replay must end the authorization"
    );
}

#[tokio::test]
async fn a_revocation_racing_a_refresh_is_never_undone_whichever_commits_first() {
    // Revocation first: the refresh, reading again, finds the authorization revoked.
    let r = race().await;
    let (authorization, laptop, _) = r.two_devices().await;
    r.gate.hold(2);
    let (refreshed, revoked) = tokio::join!(
        r.refresh(&laptop),
        r.service.revoke_authorization(&r.admin, &authorization)
    );
    revoked.unwrap();
    assert_eq!(
        refusal(refreshed),
        "the authorization has been revoked",
        "a refresh that lost the race to an admin is no replay"
    );
    assert!(!r.active(&authorization).await);

    // Refresh first: the revocation, reading again, revokes what the refresh touched.
    let r = race().await;
    let (authorization, laptop, _) = r.two_devices().await;
    r.gate.hold(2);
    let (revoked, refreshed) = tokio::join!(
        r.service.revoke_authorization(&r.admin, &authorization),
        r.refresh(&laptop)
    );
    revoked.unwrap();
    let next = refreshed.unwrap().refresh_token.unwrap();
    assert!(!r.active(&authorization).await);
    assert!(refusal(r.refresh(next.expose()).await).contains("revoked"));
}

#[tokio::test]
async fn approving_on_a_second_device_while_the_first_refreshes_issues_a_code() {
    let r = race().await;
    let (authorization, laptop, _) = r.two_devices().await;
    r.gate.hold(2);
    let (code, refreshed) = tokio::join!(r.code_or_error(), r.refresh(&laptop));
    refreshed.unwrap();
    let grant = r.exchange(&code.unwrap()).await.unwrap();
    assert_eq!(grant.authorization.sid, authorization);
    assert!(r.active(&authorization).await);
}
