//! Grants follow their app, keys and files stay private, and the edges refuse what they cannot
//! answer safely — each tried as an attacker or a careless deployment would, against a real
//! server (or the real binary) over a real store.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_console::model::{AppUpdate, GrantType, NewUser, Role, Seconds, s256_challenge};
use oauth_console::service::AuthorizationRequest;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::api::{
    Client, MESSAGES_CREATE, MESSAGES_READ, PASSWORD, TestServer, messages_url, start,
};

const REDIRECT: &str = "https://partner.example.com/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const USERS_READ: &str = "managed-users/read";
const ROLES_LIST: &str = "roles/list";
const ROLES_URL: &str = "https://iam.twilio.com/v2/Organizations/Roles";
const USERS_URL: &str = "https://iam.twilio.com/scim/v2/Users/US00000000000000000000000000000000";
const ROLE_ASSIGNMENTS_URL: &str = "https://iam.twilio.com/v2/Organizations/RoleAssignments";

/// The tokens of an authorization-code exchange.
struct Tokens {
    access: String,
    refresh: String,
    scope: String,
}

async fn code_app(server: &TestServer) -> Client {
    server
        .app(
            &server.organization,
            GrantType::AuthorizationCode,
            &[USERS_READ, ROLES_LIST, "offline_access"],
            Seconds::HOUR,
        )
        .await
}

/// The admin approves `client` for every scope (the consent pages are tests/authorize.rs's), and
/// the client exchanges the code over HTTP.
async fn authorized(server: &TestServer, client: &Client) -> Tokens {
    let request = AuthorizationRequest {
        client_id: client.id.clone(),
        redirect_uri: Some(REDIRECT.into()),
        response_type: "code".into(),
        scope: Some(format!("{USERS_READ} {ROLES_LIST} offline_access")),
        state: None,
        code_challenge: Some(s256_challenge(VERIFIER)),
        code_challenge_method: Some("S256".into()),
        nonce: None,
    };
    let valid = server
        .service
        .check_authorization_request(request)
        .await
        .unwrap();
    let code = server
        .service
        .approve(&server.admin, server.service.now(), &valid)
        .await
        .unwrap();
    let response = grant(
        server,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    tokens(response).await
}

async fn tokens(response: reqwest::Response) -> Tokens {
    let body: Value = response.json().await.unwrap();
    Tokens {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        scope: body["scope"].as_str().unwrap().to_owned(),
    }
}

async fn grant(server: &TestServer, client: &Client, form: &[(&str, &str)]) -> reqwest::Response {
    let mut fields = vec![
        ("client_id", client.id.as_str()),
        ("client_secret", client.secret.as_str()),
    ];
    fields.extend_from_slice(form);
    server
        .http
        .post(server.url("/v2/token"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

async fn refresh(
    server: &TestServer,
    client: &Client,
    token: &str,
    scope: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    grant(server, client, &form).await
}

async fn revoke(server: &TestServer, caller: &Client, token: &str) -> StatusCode {
    server
        .http
        .post(server.url("/v2/revoke"))
        .basic_auth(&caller.id, Some(&caller.secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .status()
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_client_revoking_a_stolen_refresh_token_ends_it_and_every_access_token_of_its_grant() {
    let server = start().await;
    let client = code_app(&server).await;
    let other = code_app(&server).await;
    let first = authorized(&server, &client).await;

    // Another client cannot revoke it: the answer is the same 200, and the token still works.
    assert_eq!(
        revoke(&server, &other, &first.refresh).await,
        StatusCode::OK
    );
    let refreshed = refresh(&server, &client, &first.refresh, None).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let current = tokens(refreshed).await;

    // RFC 7009 §2.1: revoking the refresh token ends it and the access tokens of its grant.
    assert_eq!(
        revoke(&server, &client, &current.refresh).await,
        StatusCode::OK
    );
    let after = refresh(&server, &client, &current.refresh, None).await;
    assert_eq!(after.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(after).await, "invalid_grant");
    for access in [&first.access, &current.access] {
        let introspected = server.introspect(&client, access).await;
        assert_eq!(introspected, json!({ "active": false }));
    }
    let check = server
        .check_permission(&current.access, "GET", ROLES_URL)
        .await;
    assert_eq!(check.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_scope_removed_from_an_app_is_gone_from_its_refreshes_tokens_and_introspection() {
    let server = start().await;
    let client = code_app(&server).await;
    let before = authorized(&server, &client).await;
    assert_eq!(
        before.scope,
        format!("{USERS_READ} {ROLES_LIST} offline_access")
    );
    let allowed = server
        .check_permission(&before.access, "GET", ROLES_URL)
        .await;
    assert_eq!(allowed.status(), StatusCode::OK);

    server
        .service
        .update_app(
            &server.admin,
            &client.id.parse().unwrap(),
            AppUpdate {
                scopes: Some(vec![USERS_READ.into(), "offline_access".into()]),
                ..AppUpdate::default()
            },
        )
        .await
        .unwrap();

    // The access token issued before no longer opens what the removed scope opened…
    let refused = server
        .check_permission(&before.access, "GET", ROLES_URL)
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let still = server
        .check_permission(&before.access, "GET", USERS_URL)
        .await;
    assert_eq!(still.status(), StatusCode::OK);
    // …introspection reports only what is still granted…
    let introspected = server.introspect(&client, &before.access).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(
        introspected["scope"],
        format!("{USERS_READ} offline_access")
    );
    // …and a refresh grants at most the app's scopes now, and cannot ask for the removed one.
    let narrowed = refresh(&server, &client, &before.refresh, Some(ROLES_LIST)).await;
    assert_eq!(narrowed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(narrowed).await, "invalid_scope");
    let refreshed = refresh(&server, &client, &before.refresh, None).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let after = tokens(refreshed).await;
    assert_eq!(after.scope, format!("{USERS_READ} offline_access"));
    let again = refresh(&server, &client, &after.refresh, None).await;
    assert_eq!(
        tokens(again).await.scope,
        format!("{USERS_READ} offline_access")
    );

    // The same for a client-credentials token.
    let account_client = server.account_app().await;
    let token = server.token(&account_client).await;
    server
        .service
        .update_app(
            &server.admin,
            &account_client.id.parse().unwrap(),
            AppUpdate {
                scopes: Some(vec![MESSAGES_READ.into()]),
                ..AppUpdate::default()
            },
        )
        .await
        .unwrap();
    let create = server
        .check_permission(&token, "POST", &messages_url(&server.account))
        .await;
    assert_eq!(create.status(), StatusCode::FORBIDDEN);
    let read = server
        .check_permission(&token, "GET", &messages_url(&server.account))
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    let introspected = server.introspect(&account_client, &token).await;
    assert_eq!(introspected["scope"], MESSAGES_READ);
    assert!(
        !introspected["scope"]
            .as_str()
            .unwrap()
            .contains(MESSAGES_CREATE)
    );
}

#[tokio::test]
async fn a_developer_cannot_escalate_through_an_app_that_adds_users_or_assigns_roles() {
    let server = start().await;
    server
        .add_user("dev", &server.organization, Role::Developer)
        .await;
    let dev = server.session("dev", PASSWORD).await;
    let apps_path = format!("/v1/owners/{}/apps", server.organization);
    let create = |session: String, scopes: Vec<&'static str>| {
        server
            .http
            .post(server.url(&apps_path))
            .bearer_auth(session)
            .json(&json!({ "friendly_name": "helper", "scopes": scopes }))
            .send()
    };

    // A Developer may not add users (403), so not through an app either: the scope is refused
    // at its field, naming the scope and the roles that may give it.
    let refused = create(dev.clone(), vec![ROLES_LIST, "role-assignments/create"])
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "scopes", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("'role-assignments/create'"), "{message}");
    assert!(message.contains("Owner or Administrator"), "{message}");
    assert!(message.contains("you are Developer"), "{message}");
    for scope in [
        "managed-users/create",
        "managed-users/update",
        "managed-users/delete",
    ] {
        let refused = create(dev.clone(), vec![scope]).await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{scope}");
    }
    // Reading users and roles is every member's: a Developer's app may.
    let reader = create(dev.clone(), vec![USERS_READ, ROLES_LIST])
        .await
        .unwrap();
    assert_eq!(reader.status(), StatusCode::CREATED);
    let reader: Value = reader.json().await.unwrap();

    // A Developer may not widen an app to such a scope, nor take a secret for one an
    // Administrator made, nor approve one for themselves.
    let widen = server
        .http
        .post(server.url(&format!(
            "/v1/apps/{}",
            reader["client_id"].as_str().unwrap()
        )))
        .bearer_auth(&dev)
        .json(&json!({ "scopes": [USERS_READ, "managed-users/create"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(widen.status(), StatusCode::BAD_REQUEST);
    let admin = server.session("admin", PASSWORD).await;
    let powerful = create(
        admin,
        vec!["managed-users/create", "role-assignments/create"],
    )
    .await
    .unwrap();
    assert_eq!(powerful.status(), StatusCode::CREATED);
    let powerful: Value = powerful.json().await.unwrap();
    let powerful_id = powerful["client_id"].as_str().unwrap();
    let rotate = server
        .http
        .post(server.url(&format!("/v1/apps/{powerful_id}/secret")))
        .bearer_auth(&dev)
        .json(&json!({ "grace_period": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(rotate.status(), StatusCode::FORBIDDEN);
    let body: Value = rotate.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("rotate its secret"),
        "{body}"
    );
    let rename = server
        .http
        .post(server.url(&format!("/v1/apps/{powerful_id}")))
        .bearer_auth(&dev)
        .json(&json!({ "friendly_name": "mine now" }))
        .send()
        .await
        .unwrap();
    assert_eq!(rename.status(), StatusCode::BAD_REQUEST);

    // The Owner's app works for its purpose: its token may assign roles.
    let client = Client {
        id: powerful_id.to_owned(),
        secret: powerful["client_secret"].as_str().unwrap().to_owned(),
    };
    let token = server.token(&client).await;
    let assign = server
        .check_permission(&token, "POST", ROLE_ASSIGNMENTS_URL)
        .await;
    assert_eq!(assign.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_developer_cannot_approve_an_app_that_manages_people_for_themselves() {
    let server = start().await;
    server
        .add_user("dev", &server.organization, Role::Developer)
        .await;
    let dev = server.service.local_user(Some("dev")).await.unwrap().sid;
    let client = server
        .app(
            &server.organization,
            GrantType::AuthorizationCode,
            &[USERS_READ, "managed-users/create"],
            Seconds::HOUR,
        )
        .await;
    let request = |scope: &str| AuthorizationRequest {
        client_id: client.id.clone(),
        redirect_uri: Some(REDIRECT.into()),
        response_type: "code".into(),
        scope: Some(scope.into()),
        state: None,
        code_challenge: Some(s256_challenge(VERIFIER)),
        code_challenge_method: Some("S256".into()),
        nonce: None,
    };
    let powerful = server
        .service
        .check_authorization_request(request("managed-users/create"))
        .await
        .unwrap();
    let refused = server
        .service
        .approve(&dev, server.service.now(), &powerful)
        .await
        .err();
    let message = refused.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("'managed-users/create'"), "{message}");
    assert!(message.contains("you are Developer"), "{message}");
    let harmless = server
        .service
        .check_authorization_request(request(USERS_READ))
        .await
        .unwrap();
    assert!(
        server
            .service
            .approve(&dev, server.service.now(), &harmless)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_administrator_cannot_make_an_owner_and_so_cannot_climb_above_their_role() {
    let server = start().await;
    server
        .add_user("ada", &server.organization, Role::Administrator)
        .await;
    let ada = server.service.local_user(Some("ada")).await.unwrap().sid;
    let new = |username: &str, role: Role| NewUser {
        username: username.into(),
        password: Some(PASSWORD.into()),
        owner: server.organization.clone(),
        role,
        read_only: false,
    };
    let refused = server
        .service
        .add_user(&ada, new("ada2", Role::Owner))
        .await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("only an Owner may make another Owner"),
        "{message}"
    );
    assert!(
        server
            .service
            .add_user(&ada, new("devin", Role::Developer))
            .await
            .is_ok()
    );
    assert!(
        server
            .service
            .add_user(&server.admin, new("co-owner", Role::Owner))
            .await
            .is_ok()
    );
}

/// The P-256 group order, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `token` with its ES256 signature (r, s) replaced by (r, n − s), which verifies as well.
fn with_negated_s(token: &str) -> String {
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    assert_eq!(bytes.len(), 64);
    let mut borrow = 0i16;
    for i in (32..64).rev() {
        let difference = i16::from(P256_ORDER[i - 32]) - i16::from(bytes[i]) - borrow;
        borrow = i16::from(difference < 0);
        bytes[i] = difference.rem_euclid(256) as u8;
    }
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[tokio::test]
async fn a_token_whose_signature_was_changed_to_r_n_minus_s_is_refused_wherever_tokens_are_verified()
 {
    let server = start().await;
    let client = code_app(&server).await;
    let issued = authorized(&server, &client).await;
    let forged = with_negated_s(&issued.access);
    assert_ne!(forged, issued.access);
    // It verifies with a library that accepts either s: the forgery is a real signature.
    let jwks = server.jwks().await;
    let header = jsonwebtoken::decode_header(&forged).unwrap();
    let key =
        jsonwebtoken::DecodingKey::from_jwk(jwks.find(&header.kid.unwrap()).unwrap()).unwrap();
    let (message, signature) = forged.rsplit_once('.').unwrap();
    assert!(
        jsonwebtoken::crypto::verify(
            signature,
            message.as_bytes(),
            &key,
            jsonwebtoken::Algorithm::ES256
        )
        .unwrap(),
        "(r, n - s) is a valid ECDSA signature of the same token"
    );

    assert_eq!(
        server.introspect(&client, &forged).await,
        json!({ "active": false })
    );
    let check = server.check_permission(&forged, "GET", USERS_URL).await;
    assert_eq!(check.status(), StatusCode::UNAUTHORIZED);
    let userinfo = server
        .http
        .get(server.url("/v2/userinfo"))
        .bearer_auth(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    // Revoking with the forgery is answered like any unknown token, and revokes nothing.
    assert_eq!(revoke(&server, &client, &forged).await, StatusCode::OK);
    assert_eq!(
        server.introspect(&client, &issued.access).await["active"],
        true
    );

    // The genuine token keeps working everywhere.
    let check = server
        .check_permission(&issued.access, "GET", USERS_URL)
        .await;
    assert_eq!(check.status(), StatusCode::OK);
    let userinfo = server
        .http
        .get(server.url("/v2/userinfo"))
        .bearer_auth(&issued.access)
        .send()
        .await
        .unwrap();
    // It verifies; its grant holds no `openid`, so userinfo refuses it for its scope
    // (insufficient_scope), not as an invalid token as it does the forgery.
    assert_eq!(userinfo.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_permission_check_refuses_encoded_slashes_and_dot_segments_rather_than_matching_them() {
    let server = start().await;
    let client = server.account_app().await;
    let token = server.token(&client).await;
    let mine = format!(
        "https://api.twilio.com/2010-04-01/Accounts/{}/Messages",
        server.account
    );
    let other = format!("AC{}", "9".repeat(32));
    for url in [
        format!("{mine}/..%2F..%2F{other}%2FMessages.json"),
        format!("{mine}/..%2f..%2f{other}%2fMessages%2FSM1.json"),
        format!("{mine}/%2e%2e/SM1.json"),
        format!("{mine}/%2E%2e%2F{other}.json"),
        format!("{mine}/SM1%2F..%2F..%2F{other}.json"),
        format!("{mine}/SM1%5C..%5C{other}.json"),
        format!("{mine}/SM1%252F..%252F{other}.json"),
        format!("{mine}/SM1\\..\\{other}.json"),
        format!("{mine}/./SM1.json"),
        format!("{mine}/SM1/../SM2.json"),
    ] {
        let response = server.check_permission(&token, "GET", &url).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{url}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["allowed"], false, "{url}");
        let reason = body["reason"].as_str().unwrap();
        assert!(
            reason.contains("send the path as the API names it"),
            "{url}: {reason}"
        );
    }
    // A plain URL, and a percent-encoded phone number, are still matched.
    let plain = server
        .check_permission(&token, "GET", &messages_url(&server.account))
        .await;
    assert_eq!(plain.status(), StatusCode::OK);
    let lookup = server
        .app(
            &server.account,
            GrantType::ClientCredentials,
            &["/twilio/lookup/phone-numbers/read"],
            Seconds::HOUR,
        )
        .await;
    let token = server.token(&lookup).await;
    let number = "https://lookups.twilio.com/v2/PhoneNumbers/%2B15017122661";
    let encoded = server.check_permission(&token, "GET", number).await;
    assert_eq!(encoded.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_answer_says_nosniff_so_a_browser_never_runs_an_error_body_as_a_page() {
    let server = start().await;
    let client = server.account_app().await;
    let answers = [
        server.http.get(server.url("/no/such/route")).send().await,
        server
            .http
            .get(server.url("/.well-known/jwks.json"))
            .send()
            .await,
        server.http.get(server.url("/v1/openapi.json")).send().await,
        server
            .http
            .get(server.url("/v2/authorize?client_id=x"))
            .send()
            .await,
        server.http.get(server.url("/v1/apps")).send().await,
        Ok(server.token_request(&client, &[]).await),
        Ok(server
            .token_request(&client, &[("scope", "not-a-scope")])
            .await),
    ];
    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(
            answer
                .headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{} {}",
            answer.url(),
            answer.status()
        );
    }
}

#[tokio::test]
async fn an_oversized_body_is_413_in_the_shape_of_the_route() {
    let server = start().await;
    let client = server.account_app().await;
    let huge = "x".repeat(70_000);
    let token = server.token_request(&client, &[("audience", &huge)]).await;
    assert_eq!(token.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = token.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("65536 bytes"),
        "{body}"
    );
    let revoke = server
        .http
        .post(server.url("/v2/revoke"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[("token", &huge)])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let admin = server.session("admin", PASSWORD).await;
    let create = server
        .http
        .post(server.url(&format!("/v1/owners/{}/apps", server.account)))
        .bearer_auth(&admin)
        .json(&json!({ "friendly_name": "big", "description": huge, "scopes": [MESSAGES_READ] }))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = create.json().await.unwrap();
    assert_eq!(body["code"], 20413, "{body}");
    assert_eq!(body["status"], 413, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("65536 bytes"),
        "{body}"
    );
}

#[tokio::test]
async fn a_token_for_an_audience_this_server_does_not_serve_is_refused() {
    let server = start().await;
    let client = server.account_app().await;
    for audience in [
        "https://evil.example.com",
        "https://api.twilio.com.evil.example",
        "https://api.twilio.com/",
        "api.twilio.com",
    ] {
        let response = server
            .token_request(&client, &[("audience", audience)])
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{audience}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_target", "{audience}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains(&format!("audience '{audience}' is not served here")),
            "{body}"
        );
    }
    for audience in [
        "https://api.twilio.com".to_owned(),
        "https://iam.twilio.com".to_owned(),
        server.base.clone(),
    ] {
        let response = server
            .token_request(&client, &[("audience", &audience)])
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{audience}");
    }
}

fn oauth_console(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oauth-console"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("OAUTH_CONSOLE_DATA_DIR")
        .env("OAUTH_CONSOLE_ADMIN_PASSWORD", "a long test password")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

/// `serve`, stopped after a few seconds if it started at all (it should not).
fn serve_briefly(data_dir: &Path) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauth-console"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("OAUTH_CONSOLE_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().ok();
    child.wait_with_output().unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file and directory under `dir`, `dir` included.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < found.len() {
        if found[i].is_dir() {
            let children = std::fs::read_dir(&found[i]).unwrap();
            found.extend(children.map(|entry| entry.unwrap().path()));
        }
        i += 1;
    }
    found
}

#[test]
fn a_new_data_directory_and_its_files_are_readable_by_their_owner_only() {
    let parent = tempfile::tempdir().unwrap();
    // A permissive umask, as a shared machine might have: the modes must not depend on it.
    std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = parent.path().join("nested").join("data");
    let made = oauth_console(&dir, &["owners", "--json"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let listed = entries(&dir);
    assert!(listed.len() > 2, "sled made its files: {listed:?}");
    for entry in listed {
        let wanted = if entry.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&entry), wanted, "{}", entry.display());
    }
    // The key it holds signs tokens after a restart too: the store opens again as it is.
    let again = oauth_console(&dir, &["owners", "--json"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn a_data_directory_other_users_can_read_is_refused_with_the_command_that_fixes_it() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    assert!(oauth_console(&dir, &["owners", "--json"]).status.success());
    let fix = format!("chmod -R go-rwx {}", dir.display());

    // What a 0755/0644 data directory of an older build looks like.
    for entry in entries(&dir) {
        let loose = if entry.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(loose)).unwrap();
    }
    let refused = serve_briefly(&dir);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("other users may read it"), "{said}");
    assert!(said.contains(&fix), "{said}");

    // A file alone readable by others is refused as well.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let refused = oauth_console(&dir, &["owners", "--json"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains(&fix));

    // The command it names is the fix.
    let fixed = Command::new("chmod")
        .args(["-R", "go-rwx"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(fixed.success());
    let opened = oauth_console(&dir, &["owners", "--json"]);
    assert!(
        opened.status.success(),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
}

#[test]
fn the_cli_refuses_a_developer_an_app_that_assigns_roles_at_its_scopes_field() {
    let dir = tempfile::tempdir().unwrap();
    let owners = oauth_console(dir.path(), &["owners", "--json"]);
    let owners: Value = serde_json::from_slice(&owners.stdout).unwrap();
    let organization = owners
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["sid"].as_str().unwrap().starts_with("OR"))
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let added = oauth_console(
        dir.path(),
        &[
            "users",
            "add",
            "dev",
            "--owner",
            &organization,
            "--role",
            "Developer",
            "--json",
        ],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let refused = oauth_console(
        dir.path(),
        &[
            "--user",
            "dev",
            "apps",
            "create",
            "--owner",
            &organization,
            "--name",
            "helper",
            "--scope",
            "role-assignments/create",
        ],
    );
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("scope 'role-assignments/create' manages people and their roles: only an Owner or Administrator"),
        "{said}"
    );
    assert!(said.contains("(you are Developer)"), "{said}");
}
