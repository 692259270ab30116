//! Grants follow their app, keys and files stay private, and the edges refuse what they cannot
//! answer safely — each tried as an attacker or a careless deployment would, against a real
//! server (or the real binary) over a real store.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_console::model::{GrantType, Role, Seconds, s256_challenge};
use oauth_console::service::{AppUpdate, AuthorizationRequest, NewUser};
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
    let code = server.service.approve(&server.admin, &valid).await.unwrap();
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
