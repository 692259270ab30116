//! Properties of what reaches the server without anyone writing it by hand: generated and
//! mutated access tokens presented to introspection and the permission check, token-endpoint
//! forms, authorization requests and scope lists, against a real server over a real store. Each
//! test starts one server and runs a moderate number of generated cases against it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_console::model::{GrantType, Seconds, SigningAlg};
use oauth_console::server::LimiterConfig;
use oauth_console::service::{Introspection, PermissionDecision};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::Value;

use super::api::{Client, PASSWORD, TestServer, start_with};
use super::authorize::field;

const MESSAGES_READ: &str = "/twilio/messaging/messages/read";
const MESSAGES_CREATE: &str = "/twilio/messaging/messages/create";
const REDIRECT: &str = "https://partner.example.com/callback";
/// The `error` codes of RFC 6749 §5.2, and RFC 8628's `slow_down` for a locked-out client.
const OAUTH_ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    // RFC 8707: an `audience` this server does not serve.
    "invalid_target",
    "slow_down",
];

/// A server, one app of each grant type, and a genuine access token of the client-credentials
/// app, with the runtime that drives them.
struct World {
    runtime: tokio::runtime::Runtime,
    server: TestServer,
    account_app: Client,
    code_app: Client,
    token: String,
}

fn world() -> World {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the server");
    let (server, account_app, code_app, token) = runtime.block_on(async {
        // Generated requests fail authentication often; a lock-out would hide every other answer.
        let limits = LimiterConfig {
            per_pair: u32::MAX,
            per_identity: u32::MAX,
            per_source: u32::MAX,
            ..LimiterConfig::default()
        };
        let server = start_with(limits, SigningAlg::ES256).await;
        let account = server.account.clone();
        let account_app = server
            .app(
                &account,
                GrantType::ClientCredentials,
                &[MESSAGES_READ],
                Seconds::HOUR,
            )
            .await;
        let organization = server.organization.clone();
        let code_app = server
            .app(
                &organization,
                GrantType::AuthorizationCode,
                &["managed-users/read", "roles/list", "offline_access"],
                Seconds::HOUR,
            )
            .await;
        let response = server.token_request(&account_app, &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let token = body["access_token"].as_str().unwrap().to_owned();
        (server, account_app, code_app, token)
    });
    World {
        runtime,
        server,
        account_app,
        code_app,
        token,
    }
}

impl World {
    fn messages_url(&self) -> String {
        format!(
            "https://api.twilio.com/2010-04-01/Accounts/{}/Messages/SM00000000000000000000000000000000.json",
            self.server.account
        )
    }

    /// What introspection by the token's own client and the permission check make of `token`.
    fn judge(&self, token: &str) -> (Introspection, PermissionDecision) {
        self.runtime.block_on(async {
            let auth = &self.server.auth;
            let introspected = auth
                .introspect(&self.account_app.id, &self.account_app.secret, token)
                .await
                .unwrap_or_else(|e| panic!("introspection failed: {e}"));
            let decision = auth
                .check_permission(token, "GET", &self.messages_url())
                .await
                .unwrap_or_else(|e| panic!("the permission check failed: {e}"));
            (introspected, decision)
        })
    }

    fn refused(&self, token: &str) -> Result<(), TestCaseError> {
        let (introspected, decision) = self.judge(token);
        prop_assert_eq!(introspected, Introspection::Inactive, "{}", token);
        prop_assert_eq!(decision, PermissionDecision::InvalidToken, "{}", token);
        Ok(())
    }

    /// The genuine token's three parts and its claims.
    fn parts(&self) -> (String, Value, String) {
        let mut parts = self.token.split('.');
        let (Some(header), Some(payload), Some(signature)) =
            (parts.next(), parts.next(), parts.next())
        else {
            panic!("not a compact JWS: {}", self.token)
        };
        let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        (header.to_owned(), claims, signature.to_owned())
    }
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let mut runner = TestRunner::new(Config::with_cases(cases));
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}");
    }
}

fn base64url_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A character to put in a token: mostly of its own alphabet, sometimes anything.
fn token_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
                .chars()
                .collect::<Vec<_>>()
        ),
        1 => any::<char>(),
    ]
}

#[test]
fn a_genuine_token_with_any_one_character_changed_is_refused() {
    let world = world();
    let (introspected, decision) = world.judge(&world.token);
    assert!(
        matches!(introspected, Introspection::Active(_)),
        "{introspected:?}"
    );
    assert!(
        matches!(decision, PermissionDecision::Allowed { .. }),
        "{decision:?}"
    );
    run(128, (any::<Index>(), token_char()), |(at, replacement)| {
        let mut chars: Vec<char> = world.token.chars().collect();
        let at = at.index(chars.len());
        prop_assume!(chars[at] != replacement);
        chars[at] = replacement;
        world.refused(&chars.into_iter().collect::<String>())
    });
}

/// Claims an attacker would like: another owner, more scopes, a later expiry, another client.
fn widened_claims(genuine: Value, subaccount: String) -> impl Strategy<Value = Value> {
    let field = proptest::sample::select(vec![
        "sub",
        "scope",
        "exp",
        "client_id",
        "iss",
        "aud",
        "jti",
    ]);
    (field, any::<String>()).prop_map(move |(field, text)| {
        let mut claims = genuine.clone();
        claims[field] = match field {
            "sub" => Value::from(subaccount.clone()),
            "scope" => Value::from(format!("{MESSAGES_READ} {MESSAGES_CREATE}")),
            "exp" => Value::from(claims["exp"].as_i64().unwrap_or(0) + 86_400),
            _ => Value::from(text),
        };
        claims
    })
}

#[test]
fn tokens_forged_with_alg_none_hs256_other_claims_or_other_signatures_are_refused() {
    let world = world();
    let (header, claims, signature) = world.parts();
    let subaccount = world.server.subaccount.to_string();
    let kid = jsonwebtoken::decode_header(&world.token)
        .unwrap()
        .kid
        .unwrap();
    let forged = prop_oneof![
        // The genuine header and signature over claims the signature was not made for.
        widened_claims(claims.clone(), subaccount.clone()).prop_map({
            let (header, signature) = (header.clone(), signature.clone());
            move |claims| format!("{header}.{}.{signature}", base64url_json(&claims))
        }),
        // Genuine or widened claims, unsigned or keyed with what the JWKS publishes.
        (
            proptest::sample::select(vec!["none", "HS256", "ES256", "RS256", "ES384", ""]),
            widened_claims(claims.clone(), subaccount),
            proptest::collection::vec(any::<u8>(), 0..96),
        )
            .prop_map(move |(alg, claims, random_signature)| {
                if alg == "HS256" {
                    // The key confusion attack: a MAC keyed with something public.
                    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
                    header.typ = Some("at+jwt".into());
                    header.kid = Some(kid.clone());
                    let key = jsonwebtoken::EncodingKey::from_secret(kid.as_bytes());
                    return jsonwebtoken::encode(&header, &claims, &key).unwrap();
                }
                let header = serde_json::json!({ "alg": alg, "typ": "at+jwt", "kid": kid });
                format!(
                    "{}.{}.{}",
                    base64url_json(&header),
                    base64url_json(&claims),
                    URL_SAFE_NO_PAD.encode(random_signature)
                )
            }),
        // The genuine header and claims with another signature, or with parts missing or extra.
        proptest::collection::vec(any::<u8>(), 0..96).prop_map({
            let token = world.token.clone();
            move |bytes| {
                let cut = token.rfind('.').unwrap_or(0);
                format!("{}.{}", &token[..cut], URL_SAFE_NO_PAD.encode(bytes))
            }
        }),
        proptest::sample::select(vec![
            String::new(),
            format!("{header}.{}", base64url_json(&claims)),
            format!("{}.{signature}", base64url_json(&claims)),
            format!("{}.", world.token),
            format!("{}.{signature}", world.token),
            format!(" {}", world.token),
            world.token.to_ascii_lowercase(),
        ]),
        any::<String>(),
    ];
    run(128, forged, |token| world.refused(&token));
}

/// The form fields of the token endpoint with genuine, empty or arbitrary values.
fn token_form(world: &World) -> impl Strategy<Value = Vec<(String, String)>> + use<> {
    let genuine = vec![
        ("grant_type", "client_credentials".to_owned()),
        ("grant_type", "authorization_code".to_owned()),
        ("grant_type", "refresh_token".to_owned()),
        ("client_id", world.account_app.id.clone()),
        ("client_id", world.code_app.id.clone()),
        ("client_secret", world.account_app.secret.clone()),
        ("client_secret", world.code_app.secret.clone()),
        ("scope", MESSAGES_READ.to_owned()),
        ("audience", "https://api.twilio.com".to_owned()),
        ("code", "x".repeat(43)),
        ("redirect_uri", REDIRECT.to_owned()),
        ("code_verifier", "v".repeat(43)),
        ("refresh_token", "r".repeat(43)),
    ];
    let names: Vec<&'static str> = genuine.iter().map(|(name, _)| *name).collect();
    let pair = prop_oneof![
        3 => proptest::sample::select(genuine).prop_map(|(n, v)| (n.to_owned(), v)),
        1 => (proptest::sample::select(names), any::<String>()).prop_map(|(n, v)| (n.to_owned(), v)),
        1 => (any::<String>(), any::<String>()),
    ];
    proptest::collection::vec(pair, 0..8)
}

#[test]
fn any_token_form_gets_a_token_or_an_rfc6749_error_that_says_why() {
    let world = world();
    let basic = prop_oneof![
        Just(None),
        Just(Some((
            world.account_app.id.clone(),
            world.account_app.secret.clone()
        ))),
        (any::<String>(), any::<String>()).prop_map(Some),
    ];
    run(96, (token_form(&world), basic), |(form, basic)| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&form)
            .finish();
        let (status, answer) = world.runtime.block_on(async {
            let mut request = world
                .server
                .http
                .post(world.server.url("/v2/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone());
            if let Some((id, secret)) = &basic {
                request = request.basic_auth(
                    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>(),
                    Some(
                        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>(),
                    ),
                );
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        });
        if status == StatusCode::OK {
            prop_assert!(answer["access_token"].is_string(), "{}", answer);
            return Ok(());
        }
        prop_assert!(
            [StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED].contains(&status),
            "{} for {}: {}",
            status,
            body,
            answer
        );
        let code = answer["error"].as_str().unwrap_or_default();
        prop_assert!(OAUTH_ERRORS.contains(&code), "{}", answer);
        prop_assert!(
            answer["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{}",
            answer
        );
        Ok(())
    });
}

#[test]
fn any_scope_list_gets_the_named_scopes_once_or_invalid_scope_naming_the_stranger() {
    let world = world();
    let scope_list = (
        proptest::collection::vec(
            prop_oneof![
                4 => Just(MESSAGES_READ.to_owned()),
                1 => "[!-~]{1,30}",
            ],
            0..6,
        ),
        proptest::collection::vec("[ \\t\\n\\r\\x0c]{1,3}", 6),
    );
    run(96, scope_list, |(scopes, spaces)| {
        let text: String = scopes
            .iter()
            .zip(&spaces)
            .map(|(scope, space)| format!("{space}{scope}"))
            .collect();
        let response = world.runtime.block_on(async {
            let response = world
                .server
                .token_request(&world.account_app, &[("scope", &text)])
                .await;
            (response.status(), response.json::<Value>().await.unwrap())
        });
        let stranger = scopes.iter().find(|scope| *scope != MESSAGES_READ);
        match (stranger, scopes.is_empty()) {
            (Some(stranger), _) => {
                prop_assert_eq!(response.0, StatusCode::BAD_REQUEST);
                prop_assert_eq!(&response.1["error"], "invalid_scope");
                let description = response.1["error_description"].as_str().unwrap_or_default();
                prop_assert!(
                    description.contains(&format!("'{stranger}'")),
                    "{}",
                    description
                );
            }
            // An empty value is an absent one (RFC 6749 §3.1): all of the app's scopes.
            (None, _) => {
                prop_assert_eq!(response.0, StatusCode::OK, "{}", response.1);
                prop_assert_eq!(&response.1["scope"], MESSAGES_READ);
            }
        }
        Ok(())
    });
}

/// The genuine authorization request of the code app, as name-value pairs.
fn authorization_request(world: &World) -> Vec<(String, String)> {
    [
        ("client_id", world.code_app.id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "managed-users/read offline_access"),
        ("state", "xyz"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
        ("nonce", "n-0S6"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Drop(Index),
    Replace(Index, String),
    Repeat(Index),
    Add(String, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Drop),
        (any::<Index>(), any::<String>()).prop_map(|(at, value)| Mutation::Replace(at, value)),
        any::<Index>().prop_map(Mutation::Repeat),
        (any::<String>(), any::<String>()).prop_map(|(name, value)| Mutation::Add(name, value)),
    ]
}

fn mutate(mut pairs: Vec<(String, String)>, mutations: &[Mutation]) -> Vec<(String, String)> {
    for mutation in mutations {
        if pairs.is_empty() {
            break;
        }
        match mutation {
            Mutation::Drop(at) => {
                pairs.remove(at.index(pairs.len()));
            }
            Mutation::Replace(at, value) => {
                let at = at.index(pairs.len());
                pairs[at].1.clone_from(value);
            }
            Mutation::Repeat(at) => pairs.push(pairs[at.index(pairs.len())].clone()),
            Mutation::Add(name, value) => pairs.push((name.clone(), value.clone())),
        }
    }
    pairs
}

#[test]
fn any_authorization_request_gets_a_page_or_a_redirect_to_the_registered_url_only() {
    let world = world();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let genuine = authorization_request(&world);
    run(
        128,
        proptest::collection::vec(mutation(), 0..4),
        |mutations| {
            let pairs = mutate(genuine.clone(), &mutations);
            let mut url = url::Url::parse(&world.server.url("/v2/authorize")).unwrap();
            url.query_pairs_mut().extend_pairs(&pairs);
            let (status, location, page) = world.runtime.block_on(async {
                let response = browser.get(url.as_str()).send().await.unwrap();
                let location = response
                    .headers()
                    .get("location")
                    .map(|value| value.to_str().unwrap_or_default().to_owned());
                (response.status(), location, response.text().await.unwrap())
            });
            let mut names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
            names.sort_unstable();
            let repeated = names.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]);
            match status {
                StatusCode::OK => prop_assert!(page.contains("<form"), "{}", page),
                StatusCode::SEE_OTHER => {
                    let location = location.unwrap_or_default();
                    prop_assert!(
                        location.starts_with(&format!("{REDIRECT}?")),
                        "a redirect to {} for {:?}",
                        location,
                        pairs
                    );
                    prop_assert!(location.contains("error="), "{}", location);
                }
                StatusCode::BAD_REQUEST => prop_assert!(page.contains("<html"), "{}", page),
                other => prop_assert!(false, "{} for {:?}", other, pairs),
            }
            if let Some(name) = repeated {
                prop_assert_eq!(
                    status,
                    StatusCode::BAD_REQUEST,
                    "{} twice in {:?}",
                    name,
                    pairs
                );
                prop_assert!(page.contains("appears more than once"), "{}", page);
            }
            Ok(())
        },
    );
}

/// Found by the SID property: parsing such a client ID panicked, so the server dropped the
/// connection without an answer and logged a panic for every such request.
#[test]
fn a_client_id_splitting_a_character_at_byte_two_is_an_unknown_client_not_a_dropped_connection() {
    let world = world();
    let client_id = format!("A\u{e000}{}", "0".repeat(30));
    let (token, app) = world.runtime.block_on(async {
        let token = world
            .server
            .http
            .post(world.server.url("/v2/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", "anything"),
            ])
            .send()
            .await
            .expect("an answer, not a dropped connection");
        let session: Value = world
            .server
            .http
            .post(world.server.url("/v1/sessions"))
            .json(&serde_json::json!({ "username": "admin", "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let app = world
            .server
            .http
            .get(world.server.url(&format!("/v1/apps/{client_id}")))
            .bearer_auth(session["token"].as_str().unwrap())
            .send()
            .await
            .expect("an answer, not a dropped connection");
        (token.status(), app.status())
    });
    assert_eq!(token, StatusCode::UNAUTHORIZED);
    assert_eq!(app, StatusCode::BAD_REQUEST);
}

/// A browser that keeps its cookies and follows no redirect, as the flow's tests drive it.
fn browser(jar: std::sync::Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The form fields (`csrf_token`, `request`) of the page the server shows this browser for an
/// authorization request, when it shows a form at all.
async fn form_for(
    world: &World,
    browser: &reqwest::Client,
    request: &str,
) -> Option<(String, String)> {
    let page = browser
        .get(world.server.url(&format!("/v2/authorize?{request}")))
        .send()
        .await
        .expect("an answer, not a dropped connection")
        .text()
        .await
        .unwrap();
    page.contains("name=\"csrf_token\"")
        .then(|| (field(&page, "csrf_token"), field(&page, "request")))
}

fn location_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap_or_default().to_owned())
}

#[test]
fn any_sign_in_form_goes_back_to_its_own_request_and_a_token_pasted_onto_another_is_refused() {
    let world = world();
    let browser = browser(Default::default());
    let genuine = authorization_request(&world);
    let genuine_query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&genuine)
        .finish();
    let (genuine_token, genuine_request) = world
        .runtime
        .block_on(form_for(&world, &browser, &genuine_query))
        .expect("the sign-in page of a genuine request");
    let request = prop_oneof![
        proptest::collection::vec(mutation(), 0..4).prop_map(move |mutations| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(mutate(genuine.clone(), &mutations))
                .finish()
        }),
        any::<String>(),
    ];
    let pairs = |text: &str| -> Vec<(String, String)> {
        url::form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect()
    };
    let sign_in = |csrf_token: String, request: String| {
        let browser = &browser;
        let world = &world;
        async move {
            let response = browser
                .post(world.server.url("/v2/authorize/sign-in"))
                .form(&[
                    ("csrf_token", csrf_token.as_str()),
                    ("request", request.as_str()),
                    ("username", "nobody"),
                    ("password", "wrong"),
                ])
                .send()
                .await
                .expect("an answer, not a dropped connection");
            (response.status(), location_of(&response))
        }
    };
    run(48, request, |request| {
        let (own, forged) = world.runtime.block_on(async {
            // The server's own form for this request, when it shows one, goes back to it; the
            // genuine request's token pasted onto another request is a forgery.
            let own = match form_for(&world, &browser, &request).await {
                Some((token, shown)) => Some((shown.clone(), sign_in(token, shown).await)),
                None => None,
            };
            let forged = sign_in(genuine_token.clone(), request.clone()).await;
            (own, forged)
        });
        if let Some((shown, (status, location))) = own {
            prop_assert_eq!(status, StatusCode::SEE_OTHER);
            let location = location.unwrap_or_default();
            let query = location.strip_prefix("/v2/authorize?");
            prop_assert!(query.is_some(), "{:?} for {:?}", location, shown);
            prop_assert_eq!(pairs(query.unwrap_or_default()), pairs(&shown));
        }
        let (status, _) = forged;
        if request == genuine_request {
            prop_assert_eq!(status, StatusCode::SEE_OTHER);
        } else {
            prop_assert_eq!(status, StatusCode::FORBIDDEN, "{:?}", request);
        }
        Ok(())
    });
}

#[test]
fn any_decision_form_sends_the_browser_to_the_registered_url_or_shows_an_error_page() {
    let world = world();
    let session: Value = world.runtime.block_on(async {
        world
            .server
            .http
            .post(world.server.url("/v1/sessions"))
            .json(&serde_json::json!({ "username": "admin", "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let base: reqwest::Url = world.server.url("/").parse().unwrap();
    jar.add_cookie_str(
        &format!(
            "oc_session={}; Path=/v2/",
            session["token"].as_str().unwrap()
        ),
        &base,
    );
    let browser = browser(jar);
    let genuine = authorization_request(&world);
    let decision = (
        proptest::collection::vec(mutation(), 0..3),
        prop_oneof![
            Just("approve".to_owned()),
            Just("deny".to_owned()),
            any::<String>()
        ],
    );
    run(48, decision, |(mutations, decision)| {
        let request = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(mutate(genuine.clone(), &mutations))
            .finish();
        let answer = world.runtime.block_on(async {
            let (csrf_token, shown) = form_for(&world, &browser, &request).await?;
            let response = browser
                .post(world.server.url("/v2/authorize/decision"))
                .form(&[
                    ("csrf_token", csrf_token.as_str()),
                    ("request", shown.as_str()),
                    ("decision", decision.as_str()),
                ])
                .send()
                .await
                .expect("an answer, not a dropped connection");
            Some((response.status(), location_of(&response)))
        });
        // No consent page for this request: there is no form a browser could send.
        let Some((status, location)) = answer else {
            return Ok(());
        };
        match status {
            StatusCode::SEE_OTHER => {
                let location = location.unwrap_or_default();
                prop_assert!(
                    location.starts_with(&format!("{REDIRECT}?")),
                    "a redirect to {} for {}",
                    location,
                    request
                );
                let approved = location.contains("code=");
                prop_assert_eq!(
                    approved,
                    decision == "approve" && !location.contains("error=")
                );
            }
            StatusCode::BAD_REQUEST => {}
            other => prop_assert!(false, "{} for {} and {:?}", other, request, decision),
        }
        Ok(())
    });
}
