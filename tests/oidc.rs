//! OpenID Connect as a strict relying party meets it: the `openidconnect` crate discovers the
//! server, sends a person through sign-in and consent (a cookie-keeping HTTP client submitting
//! the real pages), exchanges the code with PKCE and a nonce, verifies the ID token against the
//! JWKS, asks userinfo, refreshes and revokes — against a real `serve` on 127.0.0.1.

use oauth_console::model::{NewUser, Role};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreRevocableToken,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RevocationUrl, Scope, TokenResponse,
};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use serde_json::Value;

use super::api::{PASSWORD, oauth2_send, start};
use super::authorize::{Browser, REDIRECT, browser, code_app, query_of, unescape};

#[tokio::test]
async fn the_openidconnect_crate_discovers_signs_in_verifies_refreshes_and_revokes() {
    let server = start().await;
    let app = code_app(&server).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let send = |request| oauth2_send(&http, request);

    // Discovery: the crate refuses a document missing a REQUIRED field or naming another issuer.
    let issuer = IssuerUrl::new(server.base.clone()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &send)
        .await
        .unwrap_or_else(|e| panic!("discovery failed: {e:?}"));
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(app.id.clone()),
        Some(ClientSecret::new(app.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
    // The crate sends revocations to https URLs only (RFC 7009 §2); the test server speaks plain
    // HTTP on loopback, so the transport below carries that one request over HTTP unchanged.
    .set_revocation_url(
        RevocationUrl::new(server.url("/v2/revoke").replacen("http:", "https:", 1)).unwrap(),
    );

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("managed-users/read".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    assert!(url.as_str().contains("scope=openid+profile"), "{url}");

    let person = Browser {
        server: &server,
        http: browser(),
    };
    let consent = person.sign_in(url.as_str(), PASSWORD).await;
    let shown = unescape(&consent);
    assert!(shown.contains("<h2>Your identity</h2>"), "{shown}");
    assert!(
        shown.contains("Your username (<code>profile</code>)"),
        "{shown}"
    );
    let landed = query_of(&person.decide(&consent, "approve").await);
    assert_eq!(&landed["state"], state.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(landed["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&send)
        .await
        .unwrap_or_else(|e| panic!("the code exchange failed: {e:?}"));

    // The ID token: signature against the JWKS, issuer, audience, expiry and nonce, checked by
    // the crate; at_hash binds it to the access token.
    let verifier = client.id_token_verifier();
    let id_token = tokens.id_token().expect("openid was granted: an ID token");
    let claims = id_token
        .claims(&verifier, &nonce)
        .unwrap_or_else(|e| panic!("the ID token does not verify: {e:?}"));
    assert!(claims.subject().as_str().starts_with("US"));
    assert_eq!(claims.issuer().as_str(), server.base);
    assert_eq!(
        claims.authorized_party().map(|azp| azp.as_str()),
        Some(app.id.as_str())
    );
    assert_eq!(
        claims.preferred_username().map(|name| name.as_str()),
        Some("admin")
    );
    let auth_time = claims.auth_time().expect("auth_time");
    assert!(auth_time <= claims.issue_time());
    let at_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    let wrong_nonce = id_token.claims(&verifier, &Nonce::new("another".into()));
    assert!(
        wrong_nonce.is_err(),
        "a nonce that is not the request's fails"
    );

    // Userinfo: the crate checks that its sub is the ID token's.
    let info: CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&send)
        .await
        .unwrap_or_else(|e| panic!("userinfo failed: {e:?}"));
    assert_eq!(
        info.preferred_username().map(|name| name.as_str()),
        Some("admin")
    );

    // A refresh keeps issuing ID tokens for the same person, sign-in and client, without nonce
    // (OpenID Connect Core §12.2).
    let refresh = tokens.refresh_token().expect("offline_access was granted");
    let refreshed = client
        .exchange_refresh_token(refresh)
        .unwrap()
        .request_async(&send)
        .await
        .unwrap_or_else(|e| panic!("the refresh failed: {e:?}"));
    let renewed = refreshed
        .id_token()
        .expect("openid is still granted: an ID token")
        .claims(&verifier, |nonce: Option<&Nonce>| match nonce {
            None => Ok(()),
            Some(_) => Err("a refreshed ID token carries no nonce".to_owned()),
        })
        .unwrap_or_else(|e| panic!("the refreshed ID token does not verify: {e:?}"));
    assert_eq!(renewed.subject(), claims.subject());
    assert_eq!(renewed.auth_time(), claims.auth_time());

    // Revocation: the access token stops working for userinfo.
    let over_loopback_http = |request: openidconnect::HttpRequest| {
        let (mut parts, body) = request.into_parts();
        let uri = parts.uri.to_string().replacen("https:", "http:", 1);
        parts.uri = uri.parse().unwrap();
        oauth2_send(&http, openidconnect::HttpRequest::from_parts(parts, body))
    };
    client
        .revoke_token(CoreRevocableToken::AccessToken(
            refreshed.access_token().clone(),
        ))
        .unwrap()
        .request_async(&over_loopback_http)
        .await
        .unwrap_or_else(|e| panic!("revocation failed: {e:?}"));
    let revoked: Result<CoreUserInfoClaims, _> = client
        .user_info(refreshed.access_token().clone(), None)
        .unwrap()
        .request_async(&send)
        .await;
    assert!(revoked.is_err(), "a revoked access token gets no userinfo");
}

#[tokio::test]
async fn discovery_names_every_field_openid_connect_discovery_requires() {
    let server = start().await;
    let document: Value = server
        .http
        .get(server.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for field in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "token_endpoint_auth_methods_supported",
        "claims_supported",
        "scopes_supported",
        "code_challenge_methods_supported",
    ] {
        assert!(!document[field].is_null(), "{field} is missing: {document}");
    }
    assert_eq!(document["issuer"], server.base);
    assert_eq!(
        document["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(
        document["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    let scopes = document["scopes_supported"].as_array().unwrap();
    assert!(scopes.contains(&"openid".into()) && scopes.contains(&"profile".into()));
    let claims = document["claims_supported"].as_array().unwrap();
    for claim in ["sub", "auth_time", "nonce", "azp", "preferred_username"] {
        assert!(claims.contains(&claim.into()), "{claim}");
    }
}

/// The ID token of the code flow at `scope`, and the access token, over plain HTTP.
async fn tokens_for(server: &super::api::TestServer, scope: &str) -> Value {
    let app = code_app(server).await;
    let person = Browser {
        server,
        http: browser(),
    };
    let mut url = url::Url::parse(&server.url("/v2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", scope);
    let code = person.code(url.as_str()).await;
    server
        .http
        .post(server.url("/v2/token"))
        .basic_auth(&app.id, Some(&app.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_id_token_and_userinfo_come_with_openid_and_the_username_only_with_profile() {
    let server = start().await;

    let plain = tokens_for(&server, "managed-users/read").await;
    assert!(plain.get("id_token").is_none(), "{plain}");
    let refused = server
        .http
        .get(server.url("/v2/userinfo"))
        .bearer_auth(plain["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains(r#"error="insufficient_scope""#)
    );

    let openid = tokens_for(&server, "openid managed-users/read").await;
    assert_eq!(openid["scope"], "openid managed-users/read");
    let claims = server.id_claims(openid["id_token"].as_str().unwrap()).await;
    assert!(claims.get("preferred_username").is_none(), "{claims}");
    let info: Value = server
        .http
        .get(server.url("/v2/userinfo"))
        .bearer_auth(openid["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info, serde_json::json!({ "sub": claims["sub"] }));
}

#[tokio::test]
async fn userinfo_takes_the_bearer_scheme_in_any_case() {
    let server = start().await;
    let tokens = tokens_for(&server, "openid profile").await;
    let access = tokens["access_token"].as_str().unwrap();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = server
            .http
            .get(server.url("/v2/userinfo"))
            .header(AUTHORIZATION, format!("{scheme} {access}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
        let info: Value = response.json().await.unwrap();
        assert_eq!(info["preferred_username"], "admin");
    }
}

#[tokio::test]
async fn a_nonce_or_state_longer_than_512_characters_is_refused_naming_the_limit() {
    let server = start().await;
    let app = code_app(&server).await;
    let person = Browser {
        server: &server,
        http: browser(),
    };
    let long = "n".repeat(513);
    for (parameter, value) in [("nonce", long.as_str()), ("state", long.as_str())] {
        let mut url = url::Url::parse(&server.url("/v2/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &app.id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("scope", "openid")
            .append_pair(parameter, value);
        let response = person.http.get(url.as_str()).send().await.unwrap();
        let answer = query_of(&super::authorize::location(&response));
        assert_eq!(answer["error"], "invalid_request", "{parameter}");
        assert_eq!(
            answer["error_description"],
            format!("{parameter} must be at most 512 characters; 513 were given")
        );
    }
    let fits = "s".repeat(512);
    let mut url = url::Url::parse(&server.url("/v2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", &fits)
        .append_pair("nonce", &fits);
    let (status, page) = person.get(url.as_str()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
}

#[tokio::test]
async fn a_person_who_may_not_approve_is_told_so_on_sign_in_not_shown_the_consent_page() {
    let server = start().await;
    let app = code_app(&server).await;
    let mut url = url::Url::parse(&server.url("/v2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT);
    for (username, owner, role, expected) in [
        (
            "bill",
            server.organization.clone(),
            Role::Billing,
            "bill is Billing of My organization",
        ),
        (
            "dev",
            server.account.clone(),
            Role::Developer,
            "dev is not a member of the organization",
        ),
    ] {
        server
            .service
            .add_user(
                &server.admin,
                NewUser {
                    username: username.into(),
                    password: Some(PASSWORD.into()),
                    owner,
                    role,
                    read_only: false,
                },
            )
            .await
            .unwrap();
        let person = Browser {
            server: &server,
            http: browser(),
        };
        let (_, sign_in) = person.get(url.as_str()).await;
        let response = person
            .post(
                "/v2/authorize/sign-in",
                &[
                    (
                        "csrf_token",
                        &super::authorize::field(&sign_in, "csrf_token"),
                    ),
                    ("request", &super::authorize::field(&sign_in, "request")),
                    ("username", username),
                    ("password", PASSWORD),
                ],
            )
            .await;
        let back = super::authorize::location(&response);
        let landed = person.http.get(server.url(&back)).send().await.unwrap();
        assert_eq!(landed.status(), StatusCode::FORBIDDEN, "{username}");
        let page = unescape(&landed.text().await.unwrap());
        assert!(page.contains(expected), "{page}");
        assert!(page.contains("<h1>Sign in</h1>"), "{page}");
        assert!(!page.contains("Approve access"), "{page}");
    }
}
