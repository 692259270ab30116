//! The HTTP server as its clients meet it: a real server on 127.0.0.1:0 over a real sled store,
//! spoken to with reqwest (and with the `oauth2` crate), with a manual clock for expiry.

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use oauth_console::model::{
    AppSettings, GrantType, NewApp, NewUser, Role, Seconds, Sid, SigningAlg, scopes::OFFLINE_ACCESS,
};
use oauth_console::server::{self, AppState, LimiterConfig, ServerConfig};
use oauth_console::service::{
    AuthorizationConfig, AuthorizationServer, Clock, ConsoleService, HashingConfig, ManualClock,
    OsEntropy, SystemClock,
};
use oauth_console::store::SledStore;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(super) const MESSAGES_READ: &str = "/twilio/messaging/messages/read";
pub(super) const MESSAGES_CREATE: &str = "/twilio/messaging/messages/create";
pub(super) const PASSWORD: &str = "correct horse battery";

pub(super) struct TestServer {
    pub(super) base: String,
    pub(super) http: reqwest::Client,
    pub(super) clock: Arc<ManualClock>,
    pub(super) service: ConsoleService,
    pub(super) auth: AuthorizationServer,
    pub(super) admin: Sid,
    pub(super) account: Sid,
    pub(super) subaccount: Sid,
    pub(super) organization: Sid,
    pub(super) stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub(super) task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub(super) _dir: tempfile::TempDir,
}

/// An app and its secret, as its developer holds them.
pub(super) struct Client {
    pub(super) id: String,
    pub(super) secret: String,
}

pub(super) async fn start() -> TestServer {
    start_with(LimiterConfig::default(), SigningAlg::ES256).await
}

pub(super) async fn start_with(limiter: LimiterConfig, signing_alg: SigningAlg) -> TestServer {
    let config = ServerConfig {
        limiter,
        // No balancer to wait for: a test that stops the server has it stop at once.
        drain_delay: std::time::Duration::ZERO,
        ..ServerConfig::default()
    };
    start_configured(config, signing_alg).await
}

pub(super) async fn start_configured(config: ServerConfig, signing_alg: SigningAlg) -> TestServer {
    start_hashing(config, signing_alg, HashingConfig::default()).await
}

pub(super) async fn start_hashing(
    config: ServerConfig,
    signing_alg: SigningAlg,
    hashing: HashingConfig,
) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    // Real time to start with, so that an independent JWT library's expiry check agrees.
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let service = ConsoleService::new(Arc::new(store), clock.clone(), Arc::new(OsEntropy))
        .with_hashing(hashing);
    let made = service
        .bootstrap("admin", Some(PASSWORD.into()))
        .await
        .unwrap()
        .unwrap();
    let sids: Vec<Sid> = made.owners.into_iter().map(|o| o.sid).collect();
    let [account, subaccount, organization] = <[Sid; 3]>::try_from(sids).unwrap();
    let admin = service.local_user(None).await.unwrap().sid;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let auth = AuthorizationServer::start(
        service.clone(),
        AuthorizationConfig {
            issuer: base.clone(),
            default_audience: "https://api.twilio.com".into(),
            signing_alg: Some(signing_alg),
        },
    )
    .await
    .unwrap();
    let state = AppState::new(auth.clone(), &config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server::serve(listener, state, &config, async {
            stopped.await.ok();
        })
        .await
    });
    TestServer {
        base,
        http: reqwest::Client::new(),
        clock,
        service,
        auth,
        admin,
        account,
        subaccount,
        organization,
        stop: Some(stop),
        task: Some(task),
        _dir: dir,
    }
}

impl TestServer {
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(super) async fn app(
        &self,
        owner: &Sid,
        grant: GrantType,
        scopes: &[&str],
        ttl: Seconds,
    ) -> Client {
        let mut settings = AppSettings {
            name: "test app".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            token_ttl: ttl,
            ..AppSettings::default()
        };
        if grant == GrantType::AuthorizationCode {
            settings.redirect_uris = vec!["https://partner.example.com/callback".into()];
        }
        let created = self
            .service
            .create_app(
                &self.admin,
                NewApp {
                    owner: owner.clone(),
                    grant_type: grant,
                    settings,
                    region: None,
                },
            )
            .await
            .unwrap();
        Client {
            id: created.app.sid.to_string(),
            secret: created.secret.expose().to_owned(),
        }
    }

    pub(super) async fn account_app(&self) -> Client {
        self.app(
            &self.account,
            GrantType::ClientCredentials,
            &[MESSAGES_READ, MESSAGES_CREATE],
            Seconds::HOUR,
        )
        .await
    }

    /// `POST /v2/token` with the client's credentials in the form, plus `extra` fields.
    pub(super) async fn token_request(
        &self,
        client: &Client,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client.id.as_str()),
            ("client_secret", client.secret.as_str()),
        ];
        form.extend_from_slice(extra);
        self.http
            .post(self.url("/v2/token"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub(super) async fn token(&self, client: &Client) -> String {
        let response = self.token_request(client, &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(super) async fn introspect(&self, caller: &Client, token: &str) -> Value {
        let response = self
            .http
            .post(self.url("/v2/introspect"))
            .basic_auth(&caller.id, Some(&caller.secret))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub(super) async fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        self.http
            .get(self.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Verifies `token` with jsonwebtoken and the published JWKS: a library independent of the
    /// server's signer (which signs with aws-lc-rs directly).
    pub(super) async fn verify(&self, token: &str, audience: &str) -> Value {
        let header = jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        let jwks = self.jwks().await;
        let jwk = jwks
            .find(header.kid.as_deref().expect("a kid in the header"))
            .expect("the token's key is published");
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[&self.base]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .unwrap_or_else(|e| panic!("the token does not verify: {e}"))
            .claims
    }

    /// The claims of an ID token, its signature checked against the JWKS and its issuer against
    /// the server's (the audience is the caller's to check).
    pub(super) async fn id_claims(&self, token: &str) -> Value {
        let header = jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let jwks = self.jwks().await;
        let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.validate_aud = false;
        validation.set_issuer(&[&self.base]);
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .unwrap_or_else(|e| panic!("the ID token does not verify: {e}"))
            .claims
    }

    pub(super) async fn sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/v1/sessions"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap()
    }

    pub(super) async fn session(&self, username: &str, password: &str) -> String {
        let response = self.sign_in(username, password).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    pub(super) async fn add_user(&self, username: &str, owner: &Sid, role: Role) {
        self.service
            .add_user(
                &self.admin,
                NewUser {
                    username: username.into(),
                    password: Some(PASSWORD.into()),
                    owner: owner.clone(),
                    role,
                    read_only: false,
                },
            )
            .await
            .unwrap();
    }

    pub(super) async fn check_permission(
        &self,
        token: &str,
        method: &str,
        url: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.url("/v2/permissions/check"))
            .bearer_auth(token)
            .json(&json!({ "method": method, "url": url }))
            .send()
            .await
            .unwrap()
    }

    pub(super) async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        self.task.take().unwrap().await.unwrap()
    }
}

#[track_caller]
fn assert_no_store(response: &reqwest::Response) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(header("pragma").as_deref(), Some("no-cache"));
}

pub(super) fn messages_url(owner: &Sid) -> String {
    format!(
        "https://api.twilio.com/2010-04-01/Accounts/{owner}/Messages/SM00000000000000000000000000000000.json"
    )
}

#[tokio::test]
async fn a_client_credentials_token_verifies_against_the_published_jwks() {
    let server = start().await;
    let client = server
        .app(
            &server.account,
            GrantType::ClientCredentials,
            &[MESSAGES_READ, MESSAGES_CREATE],
            Seconds(900),
        )
        .await;
    let response = server.token_request(&client, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_no_store(&response);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["scope"], format!("{MESSAGES_READ} {MESSAGES_CREATE}"));
    assert!(body.get("refresh_token").is_none());
    let claims = server
        .verify(
            body["access_token"].as_str().unwrap(),
            "https://api.twilio.com",
        )
        .await;
    assert_eq!(claims["iss"], server.base);
    assert_eq!(claims["sub"], server.account.as_str());
    assert_eq!(claims["client_id"], client.id);
    assert_eq!(claims["scope"], body["scope"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
    assert_eq!(claims["jti"].as_str().unwrap().len(), 32);

    // A narrower scope and an audience of the client's choosing.
    let narrowed = server
        .token_request(
            &client,
            &[
                ("scope", MESSAGES_READ),
                ("audience", "https://video.twilio.com"),
            ],
        )
        .await;
    let body: Value = narrowed.json().await.unwrap();
    assert_eq!(body["scope"], MESSAGES_READ);
    let claims = server
        .verify(
            body["access_token"].as_str().unwrap(),
            "https://video.twilio.com",
        )
        .await;
    assert_eq!(claims["scope"], MESSAGES_READ);
}

#[tokio::test]
async fn basic_authentication_takes_form_encoded_id_and_secret() {
    let server = start().await;
    let client = server.account_app().await;
    // RFC 6749 §2.3.1: each part form-urlencoded, then base64. Percent-encode every character
    // so that the server must decode them.
    let encode = |text: &str| {
        text.bytes()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
    };
    let credentials = STANDARD.encode(format!("{}:{}", encode(&client.id), encode(&client.secret)));
    let response = server
        .http
        .post(server.url("/v2/token"))
        .header("authorization", format!("Basic {credentials}"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let claims = server
        .verify(
            body["access_token"].as_str().unwrap(),
            "https://api.twilio.com",
        )
        .await;
    assert_eq!(claims["client_id"], client.id);
}

#[tokio::test]
async fn an_empty_authorization_header_lets_the_form_credentials_count_as_twilio_node_sends_them() {
    let server = start().await;
    let client = server.account_app().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.id.as_str()),
        ("client_secret", client.secret.as_str()),
    ];
    for blank in ["", " ", "\t  "] {
        let response = server
            .http
            .post(server.url("/v2/token"))
            .header("authorization", blank)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{blank:?}");
        let token = response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let introspected = server
            .http
            .post(server.url("/v2/introspect"))
            .header("authorization", blank)
            .form(&[
                ("token", token.as_str()),
                ("client_id", &client.id),
                ("client_secret", &client.secret),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(introspected.json::<Value>().await.unwrap()["active"], true);
    }

    // Byte for byte what twilio-node 6.2 writes: the header with nothing after the colon.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let address = server.base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /v2/token HTTP/1.1\r\nHost: {address}\r\nAuthorization: \r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains(r#""access_token":"ey"#), "{answer}");
}

#[tokio::test]
async fn two_authorization_headers_are_invalid_request_whichever_is_right() {
    let server = start().await;
    let client = server.account_app().await;
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", client.id, client.secret))
    );
    for (first, second) in [(basic.as_str(), ""), ("", basic.as_str()), (&basic, &basic)] {
        let response = server
            .http
            .post(server.url("/v2/token"))
            .header("authorization", first)
            .header("authorization", second)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client.id.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(
            body["error_description"],
            "the request has more than one Authorization header; send one"
        );
    }
}

#[tokio::test]
async fn every_bearer_route_takes_the_scheme_in_any_case() {
    let server = start().await;
    let client = server.account_app().await;
    let token = server.token(&client).await;
    let session = server
        .sign_in("admin", PASSWORD)
        .await
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let check = server
            .http
            .post(server.url("/v2/permissions/check"))
            .header("authorization", format!("{scheme} {token}"))
            .json(&json!({
                "method": "GET",
                "url": format!("https://api.twilio.com/2010-04-01/Accounts/{}/Messages/SM0123.json", server.account),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(check.status(), StatusCode::OK, "{scheme}");
        let owners = server
            .http
            .get(server.url("/v1/owners"))
            .header("authorization", format!("{scheme}  {session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(owners.status(), StatusCode::OK, "{scheme}");
    }
}

/// One request the token endpoint must refuse, and how.
struct Refusal {
    case: &'static str,
    request: reqwest::RequestBuilder,
    status: StatusCode,
    error: &'static str,
}

#[tokio::test]
async fn every_rfc6749_error_answers_with_its_status_code_and_headers() {
    let server = start().await;
    let client = server.account_app().await;
    let code_app = server
        .app(
            &server.organization,
            GrantType::AuthorizationCode,
            &["managed-users/read", OFFLINE_ACCESS],
            Seconds::HOUR,
        )
        .await;
    let token = || server.http.post(server.url("/v2/token"));
    let form = |fields: &[(&str, &str)]| {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        token()
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish())
    };
    let (id, secret) = (client.id.as_str(), client.secret.as_str());
    let cc = ("grant_type", "client_credentials");
    let refusals = [
        Refusal {
            case: "no grant_type",
            request: form(&[("client_id", id), ("client_secret", secret)]),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Refusal {
            case: "a repeated parameter",
            request: form(&[cc, ("client_id", id), ("client_secret", secret), ("scope", MESSAGES_READ), ("scope", MESSAGES_READ)]),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Refusal {
            case: "a JSON body",
            request: token().json(&json!({ "grant_type": "client_credentials", "client_id": id, "client_secret": secret })),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Refusal {
            case: "two client authentication methods",
            request: form(&[cc, ("client_secret", secret)]).basic_auth(id, Some(secret)),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Refusal {
            case: "an oversized body",
            request: form(&[cc, ("client_id", id), ("client_secret", secret), ("audience", &"x".repeat(70_000))]),
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: "invalid_request",
        },
        Refusal {
            case: "too many parameters",
            request: form(&[cc, ("client_id", id), ("client_secret", secret)])
                .body(format!("grant_type=client_credentials&client_id={id}&client_secret={secret}{}", (0..40).map(|i| format!("&x{i}=1")).collect::<String>())),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
        },
        Refusal {
            case: "no client credentials",
            request: form(&[cc]),
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
        },
        Refusal {
            case: "a wrong secret in the form",
            request: form(&[cc, ("client_id", id), ("client_secret", "wrong")]),
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
        },
        Refusal {
            case: "a wrong secret with HTTP Basic",
            request: form(&[cc]).basic_auth(id, Some("wrong")),
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
        },
        Refusal {
            case: "an unknown client",
            request: form(&[cc, ("client_id", &format!("OQ{}", "0".repeat(32))), ("client_secret", secret)]),
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
        },
        Refusal {
            case: "an unknown grant type",
            request: form(&[("grant_type", "password"), ("client_id", id), ("client_secret", secret)]),
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
        },
        Refusal {
            case: "authorization_code for a client-credentials app",
            request: form(&[("grant_type", "authorization_code"), ("code", "abc"), ("client_id", id), ("client_secret", secret)]),
            status: StatusCode::BAD_REQUEST,
            error: "unauthorized_client",
        },
        Refusal {
            case: "client_credentials for an authorization-code app",
            request: form(&[cc, ("client_id", &code_app.id), ("client_secret", &code_app.secret)]),
            status: StatusCode::BAD_REQUEST,
            error: "unauthorized_client",
        },
        Refusal {
            case: "a code this server never issued",
            request: form(&[("grant_type", "authorization_code"), ("code", "forged"), ("redirect_uri", "https://partner.example.com/callback"), ("client_id", &code_app.id), ("client_secret", &code_app.secret)]),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_grant",
        },
        Refusal {
            case: "a refresh token this server never issued",
            request: form(&[("grant_type", "refresh_token"), ("refresh_token", "forged"), ("client_id", &code_app.id), ("client_secret", &code_app.secret)]),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_grant",
        },
        Refusal {
            case: "a scope the app does not have",
            request: form(&[cc, ("scope", "/twilio/voice/calls/read"), ("client_id", id), ("client_secret", secret)]),
            status: StatusCode::BAD_REQUEST,
            error: "invalid_scope",
        },
    ];
    for refusal in refusals {
        let case = refusal.case;
        let response = refusal.request.send().await.unwrap();
        assert_eq!(response.status(), refusal.status, "{case}");
        assert_no_store(&response);
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        if refusal.status == StatusCode::UNAUTHORIZED {
            assert!(
                challenge
                    .as_deref()
                    .is_some_and(|c| c.starts_with("Basic ")),
                "{case}: {challenge:?}"
            );
        } else {
            assert_eq!(challenge, None, "{case}");
        }
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], refusal.error, "{case}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| d.len() > 10),
            "{case}: {body}"
        );
    }
}

#[tokio::test]
async fn introspection_and_revocation_follow_the_token_and_its_app() {
    let server = start().await;
    let client = server.account_app().await;
    let sibling = server.account_app().await;
    let stranger = server
        .app(
            &server.subaccount,
            GrantType::ClientCredentials,
            &[MESSAGES_READ],
            Seconds::HOUR,
        )
        .await;
    let first = server.token(&client).await;
    let second = server.token(&client).await;

    let active = server.introspect(&client, &first).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], client.id);
    assert_eq!(active["sub"], server.account.as_str());
    // Another app of the same account may introspect it; another tenant learns nothing.
    assert_eq!(server.introspect(&sibling, &first).await["active"], true);
    assert_eq!(
        server.introspect(&stranger, &first).await,
        json!({ "active": false })
    );
    assert_eq!(
        server.introspect(&client, "not.a.token").await,
        json!({ "active": false })
    );

    // Revocation: 200 for an unknown token, for another client's token (left alone), and for
    // its own token, which is then inactive while the other token lives on.
    let revoke = |caller: &Client, token: &str| {
        server
            .http
            .post(server.url("/v2/revoke"))
            .basic_auth(&caller.id, Some(&caller.secret))
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
    };
    let response = revoke(&client, "unknown").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_no_store(&response);
    assert_eq!(
        revoke(&sibling, &first).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(server.introspect(&client, &first).await["active"], true);
    assert_eq!(
        revoke(&client, &first).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        server.introspect(&client, &first).await,
        json!({ "active": false })
    );
    assert_eq!(server.introspect(&client, &second).await["active"], true);
    let wrong = Client {
        id: client.id.clone(),
        secret: "wrong".into(),
    };
    assert_eq!(
        revoke(&wrong, &second).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Expiry, by the server's clock.
    server.clock.advance(Seconds(3599));
    assert_eq!(server.introspect(&client, &second).await["active"], true);
    server.clock.advance(Seconds(1));
    assert_eq!(server.introspect(&client, &second).await["active"], false);

    // Deleting the app ends its tokens and its credentials at once.
    let fresh = server.token(&client).await;
    assert_eq!(server.introspect(&sibling, &fresh).await["active"], true);
    let app: Sid = client.id.parse().unwrap();
    server
        .service
        .delete_app(&server.admin, &app, None)
        .await
        .unwrap();
    assert_eq!(server.introspect(&sibling, &fresh).await["active"], false);
    let refused = server.token_request(&client, &[]).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_grace_zero_rotation_stops_the_old_secret_at_once() {
    let server = start().await;
    let old = server.account_app().await;
    let earlier_token = server.token(&old).await;
    let session = server.session("admin", PASSWORD).await;
    let response = server
        .http
        .post(server.url(&format!("/v1/apps/{}/secret", old.id)))
        .bearer_auth(&session)
        .json(&json!({ "grace_period": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    let new = Client {
        id: old.id.clone(),
        secret: rotated["client_secret"].as_str().unwrap().to_owned(),
    };
    assert_ne!(new.secret, old.secret);

    let refused = server.token_request(&old, &[]).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let response = server
        .http
        .post(server.url("/v2/introspect"))
        .basic_auth(&old.id, Some(&old.secret))
        .form(&[("token", earlier_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // The new secret works, and a token issued before the rotation lives to its expiry.
    server.token(&new).await;
    assert_eq!(
        server.introspect(&new, &earlier_token).await["active"],
        true
    );
}

#[tokio::test]
async fn a_leaked_old_secret_is_refused_the_moment_its_grace_is_ended() {
    let server = start().await;
    let old = server.account_app().await;
    let session = server.session("admin", PASSWORD).await;
    let end_grace = || {
        server
            .http
            .post(server.url(&format!("/v1/apps/{}/secret/end-grace", old.id)))
            .bearer_auth(&session)
            .send()
    };
    let nothing = end_grace().await.unwrap();
    assert_eq!(nothing.status(), StatusCode::CONFLICT);
    let body: Value = nothing.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("has no secret in a grace period"),
        "{body}"
    );

    let rotated: Value = server
        .http
        .post(server.url(&format!("/v1/apps/{}/secret", old.id)))
        .bearer_auth(&session)
        .json(&json!({ "grace_period": 86400 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new = Client {
        id: old.id.clone(),
        secret: rotated["client_secret"].as_str().unwrap().to_owned(),
    };
    let secrets = rotated["app"]["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2, "{rotated}");
    assert_eq!(secrets[1]["created_by"], "admin");
    assert_eq!(secrets[1]["expires_at"], Value::Null);
    // In its grace period the old secret works, and this server's client cache holds the app.
    server.token(&old).await;
    server.token(&new).await;

    let ended = end_grace().await.unwrap();
    assert_eq!(ended.status(), StatusCode::OK);
    let app: Value = ended.json().await.unwrap();
    assert_eq!(app["secrets"].as_array().unwrap().len(), 1, "{app}");
    assert_eq!(app["secrets"][0]["id"], secrets[1]["id"]);

    // No clock moves: the very next request with the old secret is refused.
    let refused = server.token_request(&old, &[]).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    server.token(&new).await;
    let again = end_grace().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_permission_check_follows_scopes_and_the_owner_in_the_url() {
    let server = start().await;
    let client = server
        .app(
            &server.account,
            GrantType::ClientCredentials,
            &[MESSAGES_READ],
            Seconds::HOUR,
        )
        .await;
    let token = server.token(&client).await;

    let allowed = server
        .check_permission(&token, "GET", &messages_url(&server.account))
        .await;
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_no_store(&allowed);
    let body: Value = allowed.json().await.unwrap();
    assert_eq!(body["allowed"], true);
    assert_eq!(body["permission"], MESSAGES_READ);
    assert_eq!(body["owner_sid"], server.account.as_str());

    let denied = server
        .check_permission(&token, "DELETE", &messages_url(&server.account))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let body: Value = denied.json().await.unwrap();
    assert_eq!(body["allowed"], false);
    assert!(
        body["reason"].as_str().unwrap().contains("no scope"),
        "{body}"
    );

    // The account's token is refused for its subaccount's URL.
    let subaccount = server
        .check_permission(&token, "GET", &messages_url(&server.subaccount))
        .await;
    assert_eq!(subaccount.status(), StatusCode::FORBIDDEN);
    let body: Value = subaccount.json().await.unwrap();
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains(server.subaccount.as_str()),
        "{body}"
    );

    for bad in ["", "not-a-token"] {
        let response = server
            .check_permission(bad, "GET", &messages_url(&server.account))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("invalid_token"), "{challenge}");
    }
}

#[tokio::test]
async fn the_management_api_enforces_sessions_roles_tenants_and_versions() {
    let server = start().await;
    let wrong = server.sign_in("admin", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["code"], 20003);
    assert_eq!(body["status"], 401);
    assert!(body["more_info"].as_str().unwrap().starts_with("https://"));

    let admin = server.session("admin", PASSWORD).await;
    let get = |path: &str, session: &str| {
        server
            .http
            .get(server.url(path))
            .bearer_auth(session)
            .send()
    };
    let apps_path = format!("/v1/owners/{}/apps", server.account);

    // Create two apps, then page through them one at a time.
    for name in ["first", "second"] {
        server.clock.advance(Seconds(1));
        let created = server
            .http
            .post(server.url(&apps_path))
            .bearer_auth(&admin)
            .json(&json!({ "friendly_name": name, "scopes": [MESSAGES_READ], "access_token_ttl": 900 }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        assert_no_store(&created);
        let body: Value = created.json().await.unwrap();
        assert_eq!(body["client_secret"].as_str().unwrap().len(), 43);
        assert_eq!(body["app"]["access_token_ttl"], 900);
    }
    let page: Value = get(&format!("{apps_path}?PageSize=1"), &admin)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["apps"][0]["friendly_name"], "second");
    assert_eq!(page["meta"]["page"], 0);
    assert_eq!(page["meta"]["page_size"], 1);
    assert_eq!(page["meta"]["key"], "apps");
    let next = page["meta"]["next_page_url"].as_str().unwrap();
    let next_path = next.strip_prefix(&server.base).unwrap();
    let page: Value = get(next_path, &admin).await.unwrap().json().await.unwrap();
    assert_eq!(page["apps"][0]["friendly_name"], "first");
    assert_eq!(page["meta"]["page"], 1);
    let sid = page["apps"][0]["sid"].as_str().unwrap().to_owned();

    // Bad input names the field and its limit, and writes nothing.
    let bad = server
        .http
        .post(server.url(&apps_path))
        .bearer_auth(&admin)
        .json(&json!({ "friendly_name": "x", "scopes": [MESSAGES_READ], "access_token_ttl": 30 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("1 minute and 30 days"),
        "{body}"
    );

    // A save from a stale version is refused: 412 by If-Match (RFC 9110), 409 by the body's
    // version.
    let app_path = format!("/v1/apps/{sid}");
    let shown = get(&app_path, &admin).await.unwrap();
    assert_eq!(shown.headers()["etag"], "\"1\"");
    let update = |if_match: Option<&str>, body: Value| {
        let mut request = server.http.post(server.url(&app_path)).bearer_auth(&admin);
        if let Some(version) = if_match {
            request = request.header("if-match", version);
        }
        request.json(&body).send()
    };
    server.clock.advance(Seconds(1));
    let saved = update(Some("\"1\""), json!({ "friendly_name": "renamed" }))
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(saved.headers()["etag"], "\"2\"");
    let stale = update(Some("\"1\""), json!({ "description": "lost update" }))
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(body["code"], 20412);
    assert!(
        body["message"].as_str().unwrap().contains("version 2"),
        "{body}"
    );
    let stale = update(None, json!({ "description": "lost", "version": 1 }))
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);

    // Roles: a Billing user may not manage apps (403); tenants: a Developer of the subaccount
    // does not see the account's apps at all (404).
    server
        .add_user("bill", &server.account, Role::Billing)
        .await;
    server
        .add_user("dana", &server.subaccount, Role::Developer)
        .await;
    let bill = server.session("bill", PASSWORD).await;
    let forbidden = get(&apps_path, &bill).await.unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let body: Value = forbidden.json().await.unwrap();
    assert_eq!(body["code"], 20403);
    assert!(
        body["message"].as_str().unwrap().contains("Billing"),
        "{body}"
    );
    let dana = server.session("dana", PASSWORD).await;
    assert_eq!(
        get(&app_path, &dana).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&apps_path, &dana).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let owners: Value = get("/v1/owners", &dana)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(owners["owners"].as_array().unwrap().len(), 1);
    assert_eq!(owners["owners"][0]["sid"], server.subaccount.as_str());

    // Delete with a stale version is refused (412) and deletes nothing; with the current version
    // it deletes, and the audit trail has every change.
    server.clock.advance(Seconds(1));
    let stale = server
        .http
        .delete(server.url(&app_path))
        .bearer_auth(&admin)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let deleted = server
        .http
        .delete(server.url(&app_path))
        .bearer_auth(&admin)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    let events: Value = get(&format!("/v1/audit-events?AppSid={sid}"), &admin)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "oauth-apps.deleted",
            "oauth-apps.updated",
            "oauth-apps.created"
        ]
    );

    // Signing out ends the session at once.
    let signed_out = server
        .http
        .delete(server.url("/v1/sessions/current"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);
    let after = get("/v1/me", &admin).await.unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert!(
        after.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
}

#[tokio::test]
async fn sessions_expire_after_an_hour() {
    let server = start().await;
    let session = server.session("admin", PASSWORD).await;
    let me = || {
        server
            .http
            .get(server.url("/v1/me"))
            .bearer_auth(&session)
            .send()
    };
    assert_eq!(me().await.unwrap().status(), StatusCode::OK);
    server.clock.advance(Seconds::HOUR);
    assert_eq!(me().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failures_are_limited_without_slowing_anyone_else() {
    let limits = LimiterConfig {
        per_pair: 3,
        ..LimiterConfig::default()
    };
    let server = start_with(limits, SigningAlg::ES256).await;
    let attacked = server.account_app().await;
    let bystander = server.account_app().await;
    let guess = Client {
        id: attacked.id.clone(),
        secret: "guess".into(),
    };
    for _ in 0..3 {
        let response = server.token_request(&guess, &[]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked out, even with the right secret, for the rest of the minute.
    let locked = server.token_request(&attacked, &[]).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_no_store(&locked);
    assert_eq!(locked.headers()["retry-after"], "60");
    // Everyone else goes on as before.
    server.token(&bystander).await;
    server.clock.advance(Seconds::MINUTE);
    server.token(&attacked).await;

    // Sign-ins likewise, per username.
    for _ in 0..3 {
        let response = server.sign_in("admin", "wrong password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = server.sign_in("admin", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().contains_key("retry-after"));
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["code"], 20429);
    server
        .add_user("dana", &server.account, Role::Developer)
        .await;
    server.session("dana", PASSWORD).await;
}

#[tokio::test]
async fn the_oauth2_crate_gets_a_token_that_verifies_against_the_jwks() {
    use oauth2::basic::BasicClient;
    use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};

    let server = start().await;
    let client = server.account_app().await;
    let http = reqwest::Client::new();
    let send = |request| oauth2_send(&http, request);
    let oauth = BasicClient::new(ClientId::new(client.id.clone()))
        .set_client_secret(ClientSecret::new(client.secret.clone()))
        .set_token_uri(TokenUrl::new(server.url("/v2/token")).unwrap());
    let token = oauth
        .exchange_client_credentials()
        .add_scope(Scope::new(MESSAGES_READ.into()))
        .request_async(&send)
        .await
        .unwrap();
    assert_eq!(
        token.expires_in(),
        Some(std::time::Duration::from_secs(3600))
    );
    assert_eq!(
        token
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        Some(vec![MESSAGES_READ.to_owned()])
    );
    let claims = server
        .verify(token.access_token().secret(), "https://api.twilio.com")
        .await;
    assert_eq!(claims["client_id"], client.id);
}

#[tokio::test]
async fn rs256_keys_and_rotation_keep_earlier_tokens_verifiable() {
    let server = start_with(LimiterConfig::default(), SigningAlg::RS256).await;
    let client = server.account_app().await;
    let before = server.token(&client).await;
    assert_eq!(
        jsonwebtoken::decode_header(&before).unwrap().alg,
        jsonwebtoken::Algorithm::RS256
    );
    server.verify(&before, "https://api.twilio.com").await;

    let new_kid = server
        .auth
        .rotate_signing_key(SigningAlg::ES256)
        .await
        .unwrap();
    let after = server.token(&client).await;
    assert_eq!(
        jsonwebtoken::decode_header(&after).unwrap().kid.as_deref(),
        Some(new_kid.as_str())
    );
    assert_eq!(server.jwks().await.keys.len(), 2);
    server.verify(&before, "https://api.twilio.com").await;
    server.verify(&after, "https://api.twilio.com").await;
    assert_eq!(server.introspect(&client, &before).await["active"], true);
}

#[tokio::test]
async fn discovery_publishes_the_issuer_exactly_at_both_well_known_paths() {
    let server = start().await;
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
        "/v2/oauth-authorization-server",
    ] {
        let metadata: Value = server
            .http
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(metadata["issuer"], server.base, "{path}");
        assert_eq!(metadata["token_endpoint"], server.url("/v2/token"));
        assert_eq!(metadata["jwks_uri"], server.url("/.well-known/jwks.json"));
        assert_eq!(
            metadata["grant_types_supported"],
            json!(["client_credentials", "authorization_code", "refresh_token"])
        );
        assert_eq!(
            metadata["authorization_endpoint"],
            server.url("/v2/authorize")
        );
        assert_eq!(
            metadata["code_challenge_methods_supported"],
            json!(["S256"])
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_every_listed_route_is_served() {
    let server = start().await;
    let doc: Value = server
        .http
        .get(server.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    let expected: BTreeSet<String> = [
        "POST /v2/token",
        "POST /v2/introspect",
        "POST /v2/revoke",
        "POST /v2/permissions/check",
        "GET /.well-known/jwks.json",
        "GET /.well-known/oauth-authorization-server",
        "GET /.well-known/openid-configuration",
        "GET /v2/oauth-authorization-server",
        "GET /v1/openapi.json",
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
        "POST /v1/sessions",
        "DELETE /v1/sessions/current",
        "GET /v1/me",
        "GET /v1/owners",
        "GET /v1/owners/{owner_sid}/apps",
        "POST /v1/owners/{owner_sid}/apps",
        "GET /v1/apps/{sid}",
        "POST /v1/apps/{sid}",
        "DELETE /v1/apps/{sid}",
        "POST /v1/apps/{sid}/secret",
        "POST /v1/apps/{sid}/secret/end-grace",
        "GET /v1/audit-events",
        "GET /v1/export",
        "POST /v1/import",
        "GET /v1/owners/{owner_sid}/authorizations",
        "DELETE /v1/authorizations/{sid}",
        "GET /v1/users",
        "POST /v1/users",
        "POST /v1/users/{username}",
        "GET /v1/scopes",
        "GET /v2/authorize",
        "POST /v2/authorize/sign-in",
        "POST /v2/authorize/decision",
        "GET /v2/userinfo",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(listed, expected);
    // Each listed route is answered by a handler: never the router's bare 404 or a 405.
    for route in &listed {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path
            .replace("{owner_sid}", server.account.as_str())
            .replace("{sid}", &format!("OQ{}", "0".repeat(32)));
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = server
            .http
            .request(method, server.url(&path))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.bytes().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{route}");
        assert!(
            status != StatusCode::NOT_FOUND || !body.is_empty(),
            "{route}"
        );
    }
}

#[tokio::test]
async fn the_server_stops_when_told_and_finishes_cleanly() {
    let server = start().await;
    let client = server.account_app().await;
    server.token(&client).await;
    let base = server.base.clone();
    server.stop().await.unwrap();
    assert!(
        reqwest::get(format!("{base}/.well-known/jwks.json"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let config = ServerConfig {
        header_read_timeout: std::time::Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let server = start_configured(config, SigningAlg::ES256).await;
    let address = server.base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /v2/token HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    // The server closes the connection (answering 408 or not) instead of waiting for ever;
    // the outer timeout only keeps a broken server from hanging the test.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the connection is still open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

/// `oauth-console serve` as an operator runs it: debug logs on, then SIGTERM.
#[tokio::test]
async fn serve_logs_no_secret_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-console"));
        command
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("OAUTH_CONSOLE_ISSUER")
            .env("OAUTH_CONSOLE_ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null());
        command
    };
    let created = cli(&[
        "apps",
        "create",
        "--name",
        "logged",
        "--scope",
        MESSAGES_READ,
        "--json",
    ])
    .output()
    .unwrap();
    assert!(created.status.success());
    let created: Value = serde_json::from_slice(&created.stdout).unwrap();
    let client = Client {
        id: created["client_id"].as_str().unwrap().to_owned(),
        secret: created["client_secret"].as_str().unwrap().to_owned(),
    };
    let mut child = cli(&["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    let base = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no listening line in: {log}"
        );
        log.push_str(&line);
        if let Some(at) = line.find("issuer=") {
            break line[at + "issuer=".len()..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
        }
    };

    let http = reqwest::Client::new();
    let token_response: Value = http
        .post(format!("{base}/v2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
            ("client_secret", &client.secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token_response["access_token"].as_str().unwrap().to_owned();
    let wrong = http
        .post(format!("{base}/v2/token"))
        .basic_auth(&client.id, Some("a-wrong-secret-guess"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let session: Value = http
        .post(format!("{base}/v1/sessions"))
        .json(&json!({ "username": "admin", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = session["token"].as_str().unwrap().to_owned();
    http.post(format!("{base}/v1/sessions"))
        .json(&json!({ "username": "admin", "password": "a wrong password guess" }))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/v2/introspect"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();

    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let status = child.wait().unwrap();
    stderr.read_to_string(&mut log).unwrap();
    assert!(status.success(), "exit {status}: {log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("client authentication failed"), "{log}");
    for secret in [
        client.secret.as_str(),
        "a-wrong-secret-guess",
        PASSWORD,
        "a wrong password guess",
        &token,
        &session,
    ] {
        assert!(!log.contains(secret), "the log holds {secret}: {log}");
    }
}

#[tokio::test]
async fn a_start_keeps_the_signing_key_unless_another_algorithm_is_asked_for() {
    let server = start_with(LimiterConfig::default(), SigningAlg::RS256).await;
    let restart = |signing_alg| {
        AuthorizationServer::start(
            server.service.clone(),
            AuthorizationConfig {
                issuer: server.base.clone(),
                default_audience: "https://api.twilio.com".into(),
                signing_alg,
            },
        )
    };
    let kept = restart(None).await.unwrap();
    assert_eq!(kept.signing_kid(), server.auth.signing_kid());
    let same = restart(Some(SigningAlg::RS256)).await.unwrap();
    assert_eq!(same.signing_kid(), server.auth.signing_kid());
    let changed = restart(Some(SigningAlg::ES256)).await.unwrap();
    assert_ne!(changed.signing_kid(), server.auth.signing_kid());
    let algorithms: Vec<&str> = changed.jwks().keys.iter().map(|k| k.alg).collect();
    assert_eq!(algorithms, ["ES256", "RS256"]);
}

/// oauth2 5 ships no client for reqwest 0.13; this is its AsyncHttpClient, as a closure over it.
pub(super) async fn oauth2_send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut answer = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(answer
        .body(body)
        .expect("a status and headers make a response"))
}

#[tokio::test]
async fn a_read_only_users_session_changes_nothing_through_the_management_api_and_still_reads() {
    let server = start().await;
    let client = server.account_app().await;
    server
        .service
        .add_user(
            &server.admin,
            NewUser {
                username: "auditor".into(),
                password: Some(PASSWORD.into()),
                owner: server.account.clone(),
                role: Role::Owner,
                read_only: true,
            },
        )
        .await
        .unwrap();
    let auditor = server.session("auditor", PASSWORD).await;
    let admin = server.session("admin", PASSWORD).await;
    let me: Value = server
        .http
        .get(server.url("/v1/me"))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["read_only"], true, "{me}");
    let app_path = format!("/v1/apps/{}", client.id);
    let before: Value = server
        .http
        .get(server.url(&app_path))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let export: Value = server
        .http
        .get(server.url("/v1/export"))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let unknown_authorization = format!("AZ{}", "0".repeat(32));
    let changes = [
        (
            reqwest::Method::POST,
            format!("/v1/owners/{}/apps", server.account),
            json!({ "friendly_name": "sneaky", "scopes": [MESSAGES_READ] }),
        ),
        (
            reqwest::Method::POST,
            app_path.clone(),
            json!({ "friendly_name": "renamed" }),
        ),
        (
            reqwest::Method::POST,
            format!("{app_path}/secret"),
            json!({ "grace_period": 0 }),
        ),
        (
            reqwest::Method::POST,
            format!("{app_path}/secret/end-grace"),
            json!({}),
        ),
        (reqwest::Method::DELETE, app_path.clone(), json!({})),
        (
            reqwest::Method::POST,
            "/v1/import".to_owned(),
            json!({ "file": export, "prune": true }),
        ),
        (
            reqwest::Method::POST,
            "/v1/users".to_owned(),
            json!({ "username": "eve", "owner_sid": server.account.as_str(), "role": "Owner" }),
        ),
        (
            reqwest::Method::POST,
            "/v1/users/admin".to_owned(),
            json!({ "read_only": true }),
        ),
        (
            reqwest::Method::DELETE,
            format!("/v1/authorizations/{unknown_authorization}"),
            json!({}),
        ),
    ];
    for (method, path, body) in changes {
        let refused = server
            .http
            .request(method.clone(), server.url(&path))
            .bearer_auth(&auditor)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["code"], 20403, "{method} {path}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("read-only: auditor may read but not "),
            "{method} {path}: {body}"
        );
    }
    let after: Value = server
        .http
        .get(server.url(&app_path))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after, before, "a read-only user changed the app");
    assert!(
        server
            .service
            .authenticate_client(&client.id, &client.secret)
            .await
            .is_ok()
    );
    // An Owner lifts it, and the same session may change from its next request.
    let lifted = server
        .http
        .post(server.url("/v1/users/auditor"))
        .bearer_auth(&admin)
        .json(&json!({ "read_only": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(lifted.status(), StatusCode::OK);
    let renamed = server
        .http
        .post(server.url(&app_path))
        .bearer_auth(&auditor)
        .json(&json!({ "friendly_name": "renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
}
