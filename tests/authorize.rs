//! The authorization-code flow as a browser and a client meet it: a cookie-keeping HTTP client
//! fetches the pages and submits the forms, lands on the redirect URL, and the client exchanges
//! the code, refreshes, and sees revocation end it all.

use oauth_console::model::{GrantType, Seconds, s256_challenge};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, X_FRAME_OPTIONS};
use serde_json::Value;

use super::api::{Client, PASSWORD, TestServer, oauth2_send, start};

pub(super) const REDIRECT: &str = "https://partner.example.com/callback";
pub(super) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A browser: keeps cookies, follows no redirect by itself so that each 303 can be checked.
pub(super) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(super) async fn code_app(server: &TestServer) -> Client {
    server
        .app(
            &server.organization,
            GrantType::AuthorizationCode,
            &["managed-users/read", "roles/list", "offline_access"],
            Seconds::HOUR,
        )
        .await
}

pub(super) fn authorize_url(
    server: &TestServer,
    client: &Client,
    extra: &[(&str, &str)],
) -> String {
    let challenge = s256_challenge(VERIFIER);
    let mut url = url::Url::parse(&server.url("/v2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client.id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "openid profile managed-users/read offline_access")
        .append_pair("state", "af0ifjsldkj")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("nonce", "n-0S6_WzA2Mj")
        .extend_pairs(extra);
    url.into()
}

/// The value of a hidden form field in a page, unescaped.
pub(super) fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    let end = start + page[start..].find('"').unwrap();
    unescape(&page[start..end])
}

/// Page text as a person reads it (the templates escape `/`, `&` and quotes).
pub(super) fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

pub(super) fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{response:?}");
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

pub(super) fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

pub(super) struct Browser<'a> {
    pub(super) server: &'a TestServer,
    pub(super) http: reqwest::Client,
}

impl Browser<'_> {
    pub(super) async fn get(&self, url: &str) -> (StatusCode, String) {
        let response = self.http.get(url).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    pub(super) async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.server.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Signs in on the page at `url`, and returns the page it lands on.
    pub(super) async fn sign_in(&self, url: &str, password: &str) -> String {
        let (_, page) = self.get(url).await;
        let response = self
            .post(
                "/v2/authorize/sign-in",
                &[
                    ("csrf_token", &field(&page, "csrf_token")),
                    ("request", &field(&page, "request")),
                    ("username", "admin"),
                    ("password", password),
                ],
            )
            .await;
        let back = location(&response);
        self.get(&self.server.url(&back)).await.1
    }

    /// Answers the consent page with `decision`, and returns where the browser is sent.
    pub(super) async fn decide(&self, consent: &str, decision: &str) -> String {
        let response = self
            .post(
                "/v2/authorize/decision",
                &[
                    ("csrf_token", &field(consent, "csrf_token")),
                    ("request", &field(consent, "request")),
                    ("decision", decision),
                ],
            )
            .await;
        location(&response)
    }

    /// The whole browser side: sign in, approve, and return the code from the redirect.
    pub(super) async fn code(&self, url: &str) -> String {
        let consent = self.sign_in(url, PASSWORD).await;
        let landed = self.decide(&consent, "approve").await;
        query_of(&landed)["code"].clone()
    }
}

/// `token_request` sends grant_type client_credentials first; a second grant_type would be a
/// repeated parameter, so exchanges and refreshes send their own form.
pub(super) async fn grant(
    server: &TestServer,
    client: &Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = vec![
        ("client_id", client.id.as_str()),
        ("client_secret", client.secret.as_str()),
    ];
    fields.extend_from_slice(form);
    reqwest::Client::new()
        .post(server.url("/v2/token"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

pub(super) async fn exchange_code(
    server: &TestServer,
    client: &Client,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    grant(
        server,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

pub(super) async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
        body["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn a_person_signs_in_approves_and_the_client_exchanges_refreshes_and_is_revoked() {
    let server = start().await;
    let client = code_app(&server).await;
    let browser = Browser {
        server: &server,
        http: browser(),
    };
    let url = authorize_url(&server, &client, &[]);

    let first = browser.http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert!(
        first.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(first.headers()[X_FRAME_OPTIONS], "DENY");
    let page = first.text().await.unwrap();
    assert!(
        page.contains("<h1>Sign in</h1>") && page.contains("test app"),
        "{page}"
    );

    let refused = browser.sign_in(&url, "wrong password").await;
    assert!(refused.contains("Wrong username or password."), "{refused}");
    let consent = browser.sign_in(&url, PASSWORD).await;
    let shown = unescape(&consent);
    assert!(
        shown.contains("Approve access") && shown.contains("Deny"),
        "{shown}"
    );
    assert!(shown.contains("My organization") && shown.contains("<h2>Organization</h2>"));
    assert!(shown.contains("<code>managed-users/read</code>") && !shown.contains("roles/list"));
    assert!(shown.contains("<h2>Your identity</h2>"), "{shown}");

    let landed = browser.decide(&consent, "approve").await;
    assert!(landed.starts_with(REDIRECT), "{landed}");
    let answer = query_of(&landed);
    assert_eq!(answer["state"], "af0ifjsldkj");
    assert_eq!(answer["iss"], server.base);

    let response = exchange_code(&server, &client, &answer["code"], VERIFIER).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(
        tokens["scope"],
        "openid profile managed-users/read offline_access"
    );
    let access = tokens["access_token"].as_str().unwrap();
    let claims = server.verify(access, "https://api.twilio.com").await;
    assert_eq!(claims["sub"], server.organization.as_str());

    // The ID token names the person, for the client, with the nonce.
    let id_token = tokens["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    let jwks = server.jwks().await;
    let key =
        jsonwebtoken::DecodingKey::from_jwk(jwks.find(header.kid.as_deref().unwrap()).unwrap())
            .unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[&client.id]);
    validation.set_issuer(&[&server.base]);
    let id: Value = jsonwebtoken::decode(id_token, &key, &validation)
        .unwrap()
        .claims;
    assert!(id["sub"].as_str().unwrap().starts_with("US"));
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["preferred_username"], "admin");
    assert_eq!(id["azp"], client.id.as_str());
    assert!(id["auth_time"].as_i64().unwrap() <= id["iat"].as_i64().unwrap());

    let userinfo: Value = server
        .http
        .get(server.url("/v2/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["sub"], id["sub"]);

    // Refresh rotates; the access token may narrow, never widen.
    let first_refresh = tokens["refresh_token"].as_str().unwrap();
    let widened = grant(
        &server,
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first_refresh),
            ("scope", "roles/list"),
        ],
    )
    .await;
    assert_eq!(error_of(widened).await.1, "invalid_scope");
    let refreshed: Value = grant(
        &server,
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first_refresh),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let second_refresh = refreshed["refresh_token"].as_str().unwrap();
    assert_ne!(second_refresh, first_refresh);

    // Revoking the authorization ends the refresh token and the access tokens at once.
    let listed = server
        .service
        .authorized_apps(&server.admin, &server.organization, None, 0, None)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    server
        .service
        .revoke_authorization(&server.admin, &listed.items[0].sid)
        .await
        .unwrap();
    let after = grant(
        &server,
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", second_refresh),
        ],
    )
    .await;
    let (status, error, description) = error_of(after).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert!(description.contains("revoked"), "{description}");
    assert_eq!(server.introspect(&client, access).await["active"], false);
    let gone = server
        .http
        .get(server.url("/v2/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn codes_are_single_use_short_lived_bound_to_redirect_and_verifier() {
    let server = start().await;
    let client = code_app(&server).await;
    let browser = Browser {
        server: &server,
        http: browser(),
    };
    let url = authorize_url(&server, &client, &[]);

    let code = browser.code(&url).await;
    let missing = grant(
        &server,
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert!(
        error_of(missing)
            .await
            .2
            .contains("code_verifier is required")
    );
    let wrong = exchange_code(&server, &client, &code, &"x".repeat(43)).await;
    assert_eq!(error_of(wrong).await.1, "invalid_grant");
    let elsewhere = grant(
        &server,
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://partner.example.com/other"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert!(error_of(elsewhere).await.2.contains("redirect_uri"));

    let good = exchange_code(&server, &client, &code, VERIFIER).await;
    assert_eq!(good.status(), StatusCode::OK);
    let access = good.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let replay = exchange_code(&server, &client, &code, VERIFIER).await;
    let (_, error, description) = error_of(replay).await;
    assert_eq!(error, "invalid_grant");
    assert!(description.contains("already used"), "{description}");
    assert_eq!(
        server.introspect(&client, &access).await["active"],
        false,
        "a replay revokes what the code issued"
    );

    let late = browser.code(&url).await;
    server.clock.advance(Seconds(5 * 60));
    let expired = exchange_code(&server, &client, &late, VERIFIER).await;
    assert!(error_of(expired).await.2.contains("expired"));

    // A code_verifier when no challenge was made is refused too.
    let plain_url = authorize_url(&server, &client, &[])
        .replace("&code_challenge=", "&ignored=")
        .replace("&code_challenge_method=S256", "");
    let plain = browser.code(&plain_url).await;
    let unexpected = exchange_code(&server, &client, &plain, VERIFIER).await;
    assert!(error_of(unexpected).await.2.contains("no code_challenge"));
}

#[tokio::test]
async fn untrusted_requests_get_an_error_page_and_the_rest_go_back_with_error_and_state() {
    let server = start().await;
    let client = code_app(&server).await;
    let browser = Browser {
        server: &server,
        http: browser(),
    };

    let unknown = Client {
        id: format!("OQ{}", "0".repeat(32)),
        secret: String::new(),
    };
    let (status, page) = browser.get(&authorize_url(&server, &unknown, &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("is not an OAuth app here"), "{page}");
    let elsewhere = authorize_url(&server, &client, &[]).replace(
        "partner.example.com%2Fcallback",
        "evil.example.com%2Fcallback",
    );
    let (status, page) = browser.get(&elsewhere).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("must match one of its redirect URLs exactly"),
        "{page}"
    );
    let twice = format!("{}&state=again", authorize_url(&server, &client, &[]));
    assert!(
        browser
            .get(&twice)
            .await
            .1
            .contains("the state parameter appears more than once")
    );

    for (change, expected) in [
        (
            ("response_type=code", "response_type=token"),
            "unsupported_response_type",
        ),
        (
            ("code_challenge_method=S256", "code_challenge_method=plain"),
            "invalid_request",
        ),
        (
            ("managed-users%2Fread", "managed-users%2Fdelete"),
            "invalid_scope",
        ),
    ] {
        let url = authorize_url(&server, &client, &[]).replace(change.0, change.1);
        let response = browser.http.get(&url).send().await.unwrap();
        let answer = query_of(&location(&response));
        assert_eq!(answer["error"], expected, "{url}");
        assert_eq!(answer["state"], "af0ifjsldkj");
        assert_eq!(answer["iss"], server.base);
    }

    // Deny sends the person back with access_denied.
    let consent = browser
        .sign_in(&authorize_url(&server, &client, &[]), PASSWORD)
        .await;
    let denied = query_of(&browser.decide(&consent, "deny").await);
    assert_eq!(denied["error"], "access_denied");
    assert_eq!(denied["state"], "af0ifjsldkj");

    // A form without the site's CSRF cookie is refused.
    let forged = reqwest::Client::new()
        .post(server.url("/v2/authorize/decision"))
        .form(&[
            ("csrf_token", field(&consent, "csrf_token").as_str()),
            ("request", ""),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deleting_the_app_ends_its_authorizations_and_tokens() {
    let server = start().await;
    let client = code_app(&server).await;
    let browser = Browser {
        server: &server,
        http: browser(),
    };
    let code = browser.code(&authorize_url(&server, &client, &[])).await;
    let tokens: Value = exchange_code(&server, &client, &code, VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let app = client.id.parse().unwrap();
    server
        .service
        .delete_app(&server.admin, &app, None)
        .await
        .unwrap();
    let listed = server
        .service
        .authorized_apps(&server.admin, &server.organization, None, 0, None)
        .await
        .unwrap();
    assert!(listed.items.is_empty());
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let after = grant(
        &server,
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        error_of(after).await.1,
        "invalid_client",
        "the app and its secret are gone"
    );
}

/// The `oauth2` crate, a third-party client, through authorization code with PKCE.
#[tokio::test]
async fn the_oauth2_crate_completes_authorization_code_with_pkce() {
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
        RedirectUrl, Scope, TokenResponse, TokenUrl,
    };

    let server = start().await;
    let client = code_app(&server).await;
    let oauth = BasicClient::new(ClientId::new(client.id.clone()))
        .set_client_secret(ClientSecret::new(client.secret.clone()))
        .set_auth_uri(AuthUrl::new(server.url("/v2/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(server.url("/v2/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = oauth
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("managed-users/read".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = Browser {
        server: &server,
        http: browser(),
    };
    let consent = browser.sign_in(url.as_str(), PASSWORD).await;
    let landed = query_of(&browser.decide(&consent, "approve").await);
    assert_eq!(&landed["state"], state.secret());

    let http = reqwest::Client::new();
    let send = |request| oauth2_send(&http, request);
    let token = oauth
        .exchange_code(AuthorizationCode::new(landed["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&send)
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
    let claims = server
        .verify(token.access_token().secret(), "https://api.twilio.com")
        .await;
    assert_eq!(claims["client_id"], client.id);
    let refreshed = oauth
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&send)
        .await
        .unwrap();
    assert_ne!(
        refreshed.refresh_token().unwrap().secret(),
        token.refresh_token().unwrap().secret()
    );
}

/// The victim's browser, signed in, with the consent page of `url` open; and the session token
/// its cookie holds, for requests an attacker makes that browser send.
async fn signed_in_victim<'a>(server: &'a TestServer, url: &str) -> (Browser<'a>, String, String) {
    let victim = Browser {
        server,
        http: browser(),
    };
    let consent = victim.sign_in(url, PASSWORD).await;
    let session = server
        .service
        .start_session("admin", PASSWORD)
        .await
        .unwrap()
        .token
        .expose()
        .to_owned();
    (victim, consent, session)
}

/// A decision form posted with exactly these cookies, as a browser whose cookies an attacker
/// planted would send it.
async fn decide_with_cookies(
    server: &TestServer,
    cookies: &str,
    csrf_token: &str,
    request: &str,
) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(server.url("/v2/authorize/decision"))
        .header(reqwest::header::COOKIE, cookies)
        .form(&[
            ("csrf_token", csrf_token),
            ("request", request),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_csrf_cookie_the_attacker_planted_with_a_matching_token_is_refused() {
    let server = start().await;
    let client = code_app(&server).await;
    let url = authorize_url(&server, &client, &[]);
    let (_, consent, session) = signed_in_victim(&server, &url).await;
    let request = field(&consent, "request");
    // A sibling subdomain (or a man in the middle on plain HTTP) can set a cookie of its
    // choosing, under either name; the token it sends is that same value.
    for cookie in ["oc_csrf", "__Host-oc_csrf"] {
        let planted = format!("{cookie}=chosen-by-the-attacker; oc_session={session}");
        let forged =
            decide_with_cookies(&server, &planted, "chosen-by-the-attacker", &request).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{cookie}");
    }
    assert!(
        server
            .service
            .authorized_apps(&server.admin, &server.organization, None, 0, None)
            .await
            .unwrap()
            .items
            .is_empty(),
        "nothing was approved"
    );
}

#[tokio::test]
async fn a_csrf_token_from_the_attackers_own_session_is_refused() {
    let server = start().await;
    let client = code_app(&server).await;
    let url = authorize_url(&server, &client, &[]);
    let attacker = Browser {
        server: &server,
        http: browser(),
    };
    let attackers_page = attacker.get(&url).await.1;
    let (victim, _, _) = signed_in_victim(&server, &url).await;
    let forged = victim
        .post(
            "/v2/authorize/decision",
            &[
                ("csrf_token", &field(&attackers_page, "csrf_token")),
                ("request", &field(&attackers_page, "request")),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_csrf_token_of_one_authorization_request_is_refused_for_another() {
    let server = start().await;
    let client = code_app(&server).await;
    let (victim, consent, _) =
        signed_in_victim(&server, &authorize_url(&server, &client, &[])).await;
    // The attacker swaps in a request for more scopes, keeping the victim's own token.
    let wider = field(&consent, "request").replace("managed-users%2Fread", "roles%2Flist");
    assert_ne!(wider, field(&consent, "request"));
    let forged = victim
        .post(
            "/v2/authorize/decision",
            &[
                ("csrf_token", &field(&consent, "csrf_token")),
                ("request", &wider),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // The victim's own form still works.
    let landed = victim.decide(&consent, "approve").await;
    assert!(query_of(&landed).contains_key("code"), "{landed}");
}

#[tokio::test]
async fn the_csrf_cookie_is_host_only_secure_and_for_the_whole_site() {
    let server = start().await;
    let client = code_app(&server).await;
    let response = browser()
        .get(authorize_url(&server, &client, &[]))
        .send()
        .await
        .unwrap();
    let cookies: Vec<&str> = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect();
    let csrf = cookies
        .iter()
        .find(|cookie| cookie.starts_with("__Host-oc_csrf="))
        .unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(
        csrf.contains("; Path=/;") && csrf.contains("; Secure"),
        "{csrf}"
    );
    assert!(!csrf.contains("Domain="), "{csrf}");
}
