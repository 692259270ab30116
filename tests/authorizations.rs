//! The authorization-code flow's rules in the service: requests, consent, codes, PKCE, refresh
//! token rotation, authorized applications and their revocation.

use std::sync::Arc;

use oauth_console::model::{
    AppSettings, AuditEventType, AuditFilter, GrantType, NewApp, NewUser, OAuthApp, Role, Seconds,
    Sid, Timestamp, s256_challenge,
};
use oauth_console::service::{
    AuthorizationRequest, AuthorizeError, ConsoleService, GrantError, ManualClock, SeededEntropy,
    ValidAuthorizationRequest,
};
use oauth_console::store::SledStore;

const REDIRECT: &str = "https://partner.example.com/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct Flow {
    service: ConsoleService,
    clock: Arc<ManualClock>,
    admin: Sid,
    organization: Sid,
    app: OAuthApp,
    _dir: tempfile::TempDir,
}

async fn flow() -> Flow {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp(1_795_462_741_000)));
    let service = ConsoleService::new(
        Arc::new(store),
        clock.clone(),
        Arc::new(SeededEntropy::new(3)),
    );
    let made = service
        .bootstrap("admin", Some("correct horse battery".into()))
        .await
        .unwrap()
        .unwrap();
    let organization = made.owners[2].sid.clone();
    let admin = service.local_user(None).await.unwrap().sid;
    let settings = AppSettings {
        name: "Partner portal".into(),
        scopes: vec![
            "managed-users/read".into(),
            "roles/list".into(),
            "offline_access".into(),
        ],
        redirect_uris: vec![REDIRECT.into()],
        ..AppSettings::default()
    };
    let app = service
        .create_app(
            &admin,
            NewApp {
                owner: organization.clone(),
                grant_type: GrantType::AuthorizationCode,
                settings,
                region: None,
            },
        )
        .await
        .unwrap()
        .app;
    Flow {
        service,
        clock,
        admin,
        organization,
        app,
        _dir: dir,
    }
}

fn request(app: &OAuthApp) -> AuthorizationRequest {
    AuthorizationRequest {
        client_id: app.sid.to_string(),
        redirect_uri: Some(REDIRECT.into()),
        response_type: "code".into(),
        scope: Some("managed-users/read offline_access".into()),
        state: Some("xyz".into()),
        code_challenge: Some(s256_challenge(VERIFIER)),
        code_challenge_method: Some("S256".into()),
        nonce: Some("n-1".into()),
    }
}

impl Flow {
    async fn valid(&self) -> ValidAuthorizationRequest {
        self.service
            .check_authorization_request(request(&self.app))
            .await
            .unwrap()
    }

    async fn code(&self) -> String {
        let valid = self.valid().await;
        self.service
            .approve(&self.admin, self.service.now(), &valid)
            .await
            .unwrap()
            .expose()
            .to_owned()
    }

    async fn exchange(
        &self,
        code: &str,
        verifier: Option<&str>,
    ) -> Result<oauth_console::service::Grant, GrantError> {
        self.service
            .exchange_code(&self.app, code, Some(REDIRECT), verifier)
            .await
    }
}

fn invalid_grant(result: Result<oauth_console::service::Grant, GrantError>) -> String {
    match result {
        Err(GrantError::InvalidGrant(why)) => why,
        Err(other) => panic!("expected invalid_grant, got {other:?}"),
        Ok(_) => panic!("expected invalid_grant, got a grant"),
    }
}

#[tokio::test]
async fn untrusted_clients_and_redirect_urls_get_no_redirect_and_the_rest_do() {
    let f = flow().await;
    let mut unknown = request(&f.app);
    unknown.client_id = format!("OQ{}", "0".repeat(32));
    assert!(matches!(
        f.service.check_authorization_request(unknown).await,
        Err(AuthorizeError::NoRedirect(_))
    ));
    let mut elsewhere = request(&f.app);
    elsewhere.redirect_uri = Some("https://evil.example.com/callback".into());
    let refused = f
        .service
        .check_authorization_request(elsewhere)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AuthorizeError::NoRedirect(ref why) if why.contains("must match one of its redirect URLs exactly"))
    );

    for (change, expected_error) in [
        (
            Box::new(|r: &mut AuthorizationRequest| r.response_type = "token".into())
                as Box<dyn Fn(&mut AuthorizationRequest)>,
            "unsupported_response_type",
        ),
        (
            Box::new(|r: &mut AuthorizationRequest| r.scope = Some("managed-users/delete".into())),
            "invalid_scope",
        ),
        (
            Box::new(|r: &mut AuthorizationRequest| r.code_challenge_method = Some("plain".into())),
            "invalid_request",
        ),
    ] {
        let mut bad = request(&f.app);
        change(&mut bad);
        match f
            .service
            .check_authorization_request(bad)
            .await
            .unwrap_err()
        {
            AuthorizeError::Redirect {
                error,
                state,
                redirect_uri,
                ..
            } => {
                assert_eq!(error, expected_error);
                assert_eq!(state.as_deref(), Some("xyz"));
                assert_eq!(redirect_uri, REDIRECT);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_code_exchanges_once_with_its_verifier_and_a_replay_revokes_the_authorization() {
    let f = flow().await;
    let code = f.code().await;
    let grant = f.exchange(&code, Some(VERIFIER)).await.unwrap();
    assert_eq!(grant.scopes, ["managed-users/read", "offline_access"]);
    assert_eq!(grant.nonce.as_deref(), Some("n-1"));
    assert_eq!(grant.user.username, "admin");
    let refresh = grant
        .refresh_token
        .expect("offline_access gives a refresh token");
    let authorization = grant.authorization.sid.clone();
    assert!(
        f.service
            .authorization_is_active(&authorization)
            .await
            .unwrap()
    );

    let replay = invalid_grant(f.exchange(&code, Some(VERIFIER)).await);
    assert!(replay.contains("already used"), "{replay}");
    assert!(
        !f.service
            .authorization_is_active(&authorization)
            .await
            .unwrap()
    );
    let after = invalid_grant(f.service.refresh(&f.app, refresh.expose(), None).await);
    assert!(after.contains("revoked"), "{after}");
}

#[tokio::test]
async fn codes_are_refused_when_expired_misdirected_or_without_the_right_verifier() {
    let f = flow().await;
    let code = f.code().await;
    assert!(invalid_grant(f.exchange(&code, None).await).contains("code_verifier is required"));
    let wrong = "x".repeat(43);
    assert!(invalid_grant(f.exchange(&code, Some(&wrong)).await).contains("does not match"));
    let elsewhere = f
        .service
        .exchange_code(
            &f.app,
            &code,
            Some("https://partner.example.com/other"),
            Some(VERIFIER),
        )
        .await;
    assert!(invalid_grant(elsewhere).contains("redirect_uri"));

    let late = f.code().await;
    f.clock.advance(Seconds(300));
    assert!(invalid_grant(f.exchange(&late, Some(VERIFIER)).await).contains("expired"));

    let mut without_pkce = request(&f.app);
    without_pkce.code_challenge = None;
    without_pkce.code_challenge_method = None;
    let valid = f
        .service
        .check_authorization_request(without_pkce)
        .await
        .unwrap();
    let plain = f
        .service
        .approve(&f.admin, f.service.now(), &valid)
        .await
        .unwrap();
    let unexpected = invalid_grant(f.exchange(plain.expose(), Some(VERIFIER)).await);
    assert!(unexpected.contains("no code_challenge"), "{unexpected}");
}

#[tokio::test]
async fn refresh_tokens_rotate_narrow_never_widen_and_reuse_revokes() {
    let f = flow().await;
    let code = f.code().await;
    let first = f
        .exchange(&code, Some(VERIFIER))
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    let widened = f
        .service
        .refresh(&f.app, first.expose(), Some("roles/list"))
        .await;
    assert!(
        matches!(widened, Err(GrantError::InvalidScope(ref why)) if why.contains("was not granted"))
    );
    let narrowed = f
        .service
        .refresh(&f.app, first.expose(), Some("managed-users/read"))
        .await
        .unwrap();
    assert_eq!(narrowed.scopes, ["managed-users/read"]);
    let second = narrowed.refresh_token.unwrap();
    let again = f
        .service
        .refresh(&f.app, second.expose(), None)
        .await
        .unwrap();
    assert_eq!(
        again.scopes,
        ["managed-users/read", "offline_access"],
        "the refresh token keeps the granted scopes"
    );

    let reuse = invalid_grant(f.service.refresh(&f.app, first.expose(), None).await);
    assert!(reuse.contains("already used"), "{reuse}");
    let third = again.refresh_token.unwrap();
    assert!(
        invalid_grant(f.service.refresh(&f.app, third.expose(), None).await).contains("revoked")
    );
}

#[tokio::test]
async fn authorized_apps_are_listed_revoked_and_audited_and_deleting_the_app_revokes_them() {
    let f = flow().await;
    let code = f.code().await;
    let grant = f.exchange(&code, Some(VERIFIER)).await.unwrap();
    f.code().await;
    let listed = f
        .service
        .authorized_apps(&f.admin, &f.organization, None, 0, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        listed.len(),
        1,
        "a second approval renews the same authorization"
    );
    assert_eq!(listed[0].user.username, "admin");
    assert_eq!(listed[0].app_name, "Partner portal");

    let revoked = f
        .service
        .revoke_authorization(&f.admin, &listed[0].sid)
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(
        f.service
            .authorized_apps(&f.admin, &f.organization, None, 0, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let refresh = grant.refresh_token.unwrap();
    assert!(
        invalid_grant(f.service.refresh(&f.app, refresh.expose(), None).await).contains("revoked")
    );

    let renewed = f.code().await;
    let second = f.exchange(&renewed, Some(VERIFIER)).await.unwrap();
    f.service
        .delete_app(&f.admin, &f.app.sid, None)
        .await
        .unwrap();
    assert!(
        !f.service
            .authorization_is_active(&second.authorization.sid)
            .await
            .unwrap()
    );

    let types: Vec<_> = f
        .service
        .audit_events(
            &f.admin,
            AuditFilter {
                page_size: 100,
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        types,
        [
            AuditEventType::AppDeleted,
            AuditEventType::AuthorizationRevoked,
            AuditEventType::AppAuthorized,
            AuditEventType::AuthorizationRevoked,
            AuditEventType::AppAuthorized,
            AuditEventType::AppCreated,
        ]
    );
}

#[tokio::test]
async fn only_people_who_manage_the_organizations_apps_may_approve() {
    let f = flow().await;
    let new = NewUser {
        username: "bill".into(),
        password: Some("a long enough password".into()),
        owner: f.organization.clone(),
        role: Role::Billing,
        read_only: false,
    };
    let (billing, _) = f.service.add_user(&f.admin, new).await.unwrap();
    let valid = f.valid().await;
    let refused = f
        .service
        .approve(&billing.sid, f.service.now(), &valid)
        .await
        .err()
        .unwrap();
    assert!(
        refused
            .to_string()
            .contains("bill is Billing of My organization"),
        "{refused}"
    );
}

#[tokio::test]
async fn authorized_apps_filtered_by_app_list_that_apps_only() {
    let f = flow().await;
    f.code().await;
    f.clock.advance(Seconds::MINUTE);
    let other = f
        .service
        .create_app(
            &f.admin,
            NewApp {
                owner: f.organization.clone(),
                grant_type: GrantType::AuthorizationCode,
                settings: AppSettings {
                    name: "Support desk".into(),
                    scopes: vec!["managed-users/read".into()],
                    redirect_uris: vec![REDIRECT.into()],
                    ..AppSettings::default()
                },
                region: None,
            },
        )
        .await
        .unwrap()
        .app;
    let valid = f
        .service
        .check_authorization_request(AuthorizationRequest {
            scope: Some("managed-users/read".into()),
            ..request(&other)
        })
        .await
        .unwrap();
    f.service
        .approve(&f.admin, f.service.now(), &valid)
        .await
        .unwrap();
    let names = |app: Option<&Sid>| {
        let service = f.service.clone();
        let (admin, organization) = (f.admin.clone(), f.organization.clone());
        let app = app.cloned();
        async move {
            service
                .authorized_apps(&admin, &organization, app.as_ref(), 0, None)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|a| a.app_name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(None).await, ["Support desk", "Partner portal"]);
    assert_eq!(names(Some(&other.sid)).await, ["Support desk"]);
    assert_eq!(names(Some(&f.app.sid)).await, ["Partner portal"]);
}
