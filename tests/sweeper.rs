//! The sweeper over a real sled store with a manual clock: each kind of record is kept while it
//! can still matter (a replay still revokes, a retired key is still published) and removed after,
//! with the counts; what was removed is then simply unknown.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_console::model::{
    AppSettings, CODE_TTL, GrantType, MAX_TOKEN_TTL, NewApp, OAuthApp, RefreshTokenTtl,
    SESSION_TTL, Seconds, Sid, SigningAlg, Timestamp, s256_challenge,
};
use oauth_console::service::{
    AuthorizationConfig, AuthorizationRequest, AuthorizationServer, ConsoleService, Grant,
    GrantError, ManualClock, SWEEP_MARGIN, SeededEntropy, TokenRequest,
};
use oauth_console::store::{Purged, SledStore, Store};

const REDIRECT: &str = "https://partner.example.com/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const PASSWORD: &str = "correct horse battery";
/// Short, so that spent refresh tokens stop mattering within a test (and a soak).
const REFRESH_TTL: Seconds = Seconds(120);

struct World {
    service: ConsoleService,
    store: Arc<SledStore>,
    clock: Arc<ManualClock>,
    admin: Sid,
    account: Sid,
    app: OAuthApp,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let clock = Arc::new(ManualClock::new(Timestamp(1_795_462_741_000)));
    let service = ConsoleService::new(
        store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(11)),
    )
    .with_refresh_token_ttl(RefreshTokenTtl::new(REFRESH_TTL).unwrap());
    let made = service
        .bootstrap("admin", Some(PASSWORD.into()))
        .await
        .unwrap()
        .unwrap();
    let account = made.owners[0].sid.clone();
    let organization = made.owners[2].sid.clone();
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
                owner: organization,
                grant_type: GrantType::AuthorizationCode,
                settings,
                region: None,
            },
        )
        .await
        .unwrap()
        .app;
    World {
        service,
        store,
        clock,
        admin,
        account,
        app,
        _dir: dir,
    }
}

impl World {
    async fn code(&self) -> String {
        let valid = self
            .service
            .check_authorization_request(AuthorizationRequest {
                client_id: self.app.sid.to_string(),
                redirect_uri: Some(REDIRECT.into()),
                response_type: "code".into(),
                scope: Some("managed-users/read offline_access".into()),
                state: None,
                code_challenge: Some(s256_challenge(VERIFIER)),
                code_challenge_method: Some("S256".into()),
                nonce: None,
            })
            .await
            .unwrap();
        let code = self
            .service
            .approve(&self.admin, self.service.now(), &valid)
            .await
            .unwrap();
        code.expose().to_owned()
    }

    async fn exchange(&self, code: &str) -> Result<Grant, GrantError> {
        self.service
            .exchange_code(&self.app, code, Some(REDIRECT), Some(VERIFIER))
            .await
    }

    async fn refresh(&self, token: &str) -> Result<Grant, GrantError> {
        self.service.refresh(&self.app, token, None).await
    }

    async fn is_active(&self, grant: &Grant) -> bool {
        self.service
            .authorization_is_active(&grant.authorization.sid)
            .await
            .unwrap()
    }

    async fn sweep(&self) -> Purged {
        self.service.sweep().await.unwrap()
    }
}

fn refusal(result: Result<Grant, GrantError>) -> String {
    match result {
        Err(GrantError::InvalidGrant(why)) => why,
        Err(other) => panic!("expected invalid_grant, got {other:?}"),
        Ok(_) => panic!("expected invalid_grant, got a grant"),
    }
}

fn refresh_token(grant: &Grant) -> String {
    grant.refresh_token.as_ref().unwrap().expose().to_owned()
}

#[tokio::test]
async fn a_code_replayed_just_before_the_sweep_may_take_it_still_revokes_and_after_it_is_unknown() {
    let w = world().await;
    let replayed = w.code().await;
    let first = w.exchange(&replayed).await.unwrap();
    w.clock.advance(Seconds(CODE_TTL.0 + SWEEP_MARGIN.0 - 1));
    assert_eq!(w.sweep().await.codes, 0, "the code may still be replayed");
    assert!(refusal(w.exchange(&replayed).await).contains("already used"));
    assert!(
        !w.is_active(&first).await,
        "the replay revoked what it issued"
    );

    let swept_code = w.code().await;
    let second = w.exchange(&swept_code).await.unwrap();
    let never_exchanged = w.code().await;
    w.clock.advance(Seconds(CODE_TTL.0 + SWEEP_MARGIN.0 + 1));
    // Both used codes and the one never exchanged.
    assert_eq!(w.sweep().await.codes, 3);
    assert_eq!(
        w.sweep().await,
        Purged::default(),
        "nothing is left to sweep"
    );
    assert!(refusal(w.exchange(&swept_code).await).contains("unknown"));
    assert!(refusal(w.exchange(&never_exchanged).await).contains("unknown"));
    assert!(
        w.is_active(&second).await,
        "a code swept is unknown, no longer a replay"
    );
}

#[tokio::test]
async fn a_spent_refresh_token_is_kept_until_it_would_have_expired_and_is_unknown_after() {
    let w = world().await;
    let grant = w.exchange(&w.code().await).await.unwrap();
    let spent = refresh_token(&grant);
    w.refresh(&spent).await.unwrap();
    w.clock.advance(Seconds(REFRESH_TTL.0 + SWEEP_MARGIN.0 - 1));
    assert_eq!(w.sweep().await.refresh_tokens, 0);
    assert!(refusal(w.refresh(&spent).await).contains("already used"));
    assert!(
        !w.is_active(&grant).await,
        "the replay revoked the authorization"
    );

    let grant = w.exchange(&w.code().await).await.unwrap();
    let spent = refresh_token(&grant);
    let next = refresh_token(&w.refresh(&spent).await.unwrap());
    w.clock.advance(Seconds(REFRESH_TTL.0 + SWEEP_MARGIN.0 + 1));
    // The two spent ones and the two that expired unused.
    assert_eq!(w.sweep().await.refresh_tokens, 4);
    assert!(refusal(w.refresh(&spent).await).contains("unknown"));
    assert!(refusal(w.refresh(&next).await).contains("unknown"));
    assert!(w.is_active(&grant).await);
}

#[tokio::test]
async fn sessions_go_after_they_expire_and_one_signed_out_is_not_counted_again() {
    let w = world().await;
    let kept = w.service.start_session("admin", PASSWORD).await.unwrap();
    let signed_out = w.service.start_session("admin", PASSWORD).await.unwrap();
    w.service
        .end_session(signed_out.token.expose())
        .await
        .unwrap();
    w.clock.advance(Seconds(SESSION_TTL.0 + SWEEP_MARGIN.0 - 1));
    assert_eq!(w.sweep().await.sessions, 0);
    assert!(
        w.store
            .session(&kept.session.digest)
            .await
            .unwrap()
            .is_some()
    );
    w.clock.advance(Seconds(2));
    assert_eq!(w.sweep().await.sessions, 1);
    assert!(
        w.store
            .session(&kept.session.digest)
            .await
            .unwrap()
            .is_none()
    );
}

/// The `jti` of an access token, read from its payload.
fn jti(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["jti"].as_str().unwrap().to_owned()
}

async fn authorization_server(w: &World) -> AuthorizationServer {
    AuthorizationServer::start(
        w.service.clone(),
        AuthorizationConfig {
            issuer: "https://oauth.example.com".into(),
            default_audience: "https://api.twilio.com".into(),
            signing_alg: Some(SigningAlg::ES256),
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_revoked_jti_is_kept_until_its_token_expires() {
    let w = world().await;
    let server = authorization_server(&w).await;
    let created = w
        .service
        .create_app(
            &w.admin,
            NewApp {
                owner: w.account.clone(),
                grant_type: GrantType::ClientCredentials,
                settings: AppSettings {
                    name: "Short tokens".into(),
                    scopes: vec!["/twilio/messaging/messages/read".into()],
                    token_ttl: Seconds::MINUTE,
                    ..AppSettings::default()
                },
                region: None,
            },
        )
        .await
        .unwrap();
    let client_id = created.app.sid.to_string();
    let secret = created.secret.expose().to_owned();
    let token = server
        .issue_token(TokenRequest {
            grant_type: "client_credentials".into(),
            client_id: client_id.clone(),
            client_secret: secret.clone(),
            ..TokenRequest::default()
        })
        .await
        .unwrap()
        .access_token;
    server.revoke(&client_id, &secret, &token).await.unwrap();
    let jti = jti(&token);
    w.clock
        .advance(Seconds(Seconds::MINUTE.0 + SWEEP_MARGIN.0 - 1));
    assert_eq!(w.sweep().await.revocations, 0);
    assert!(w.store.is_token_revoked(&jti).await.unwrap());
    w.clock.advance(Seconds(2));
    assert_eq!(w.sweep().await.revocations, 1);
    assert!(!w.store.is_token_revoked(&jti).await.unwrap());
}

#[tokio::test]
async fn a_retired_key_is_published_and_kept_until_its_last_token_expired_and_the_signing_key_stays()
 {
    let w = world().await;
    let server = authorization_server(&w).await;
    let retired = server.signing_kid();
    let signing = server.rotate_signing_key(SigningAlg::ES256).await.unwrap();
    w.clock.advance(Seconds(MAX_TOKEN_TTL.0 - 1));
    server.reload_keys().await.unwrap();
    let published: Vec<String> = server.jwks().keys.into_iter().map(|k| k.kid).collect();
    assert_eq!(published, [signing.clone(), retired.clone()]);
    w.clock.advance(Seconds(SWEEP_MARGIN.0));
    assert_eq!(w.sweep().await.signing_keys, 0);
    w.clock.advance(Seconds(2));
    assert_eq!(w.sweep().await.signing_keys, 1);
    let kept: Vec<String> = w
        .store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kept, [signing.as_str()]);
    w.clock.advance(Seconds::days(365));
    assert_eq!(
        w.sweep().await.signing_keys,
        0,
        "the key that signs never goes"
    );
    server.reload_keys().await.unwrap();
    assert_eq!(server.signing_kid(), signing);
}
