//! The token endpoint's work without HTTP (run with `cargo bench --bench token`; not a timed
//! test): what one client-credentials token costs in this process, and its parts.
//!
//! 1. `issue_token`: the whole service path — read the app, check the secret, narrow the
//!    scopes, sign the JWT;
//! 2. `authenticate_client`: the store read and the secret check alone;
//! 3. an ES256 signature of a token-sized message by aws-lc-rs, for reference: the floor of
//!    what a signed token costs.
//!
//! `scripts/bench-token.sh` measures the endpoint over HTTP; this one says where the
//! microseconds go. Each figure is the best of several rounds, so that a busy machine shows as
//! little as it can.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use oauth_console::model::{AppSettings, GrantType, NewApp, OwnerKind, scopes};
use oauth_console::service::{
    AuthorizationConfig, AuthorizationServer, ConsoleService, OsEntropy, SystemClock, TokenRequest,
};
use oauth_console::store::SledStore;

const ROUNDS: usize = 7;
const PER_ROUND: u32 = 20_000;

/// The best time per call over [`ROUNDS`] rounds of [`PER_ROUND`] calls.
async fn best_of<F, Fut>(mut call: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut best = Duration::MAX;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for _ in 0..PER_ROUND {
            call().await;
        }
        best = best.min(started.elapsed() / PER_ROUND);
    }
    best
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SledStore::open(dir.path()).expect("the store opens");
    let service = ConsoleService::new(Arc::new(store), Arc::new(SystemClock), Arc::new(OsEntropy));
    let bootstrap = service
        .bootstrap("admin", Some("bench password, never used".into()))
        .await
        .expect("bootstrap")
        .expect("a new store is bootstrapped");
    let account = bootstrap
        .owners
        .iter()
        .find(|owner| owner.kind() == OwnerKind::Account)
        .expect("an account")
        .sid
        .clone();
    let admin = service.local_user(None).await.expect("the admin user");
    let scopes: Vec<String> = scopes::catalog()
        .for_owner(OwnerKind::Account)
        .take(2)
        .map(|permission| permission.name.to_owned())
        .collect();
    let created = service
        .create_app(
            &admin.sid,
            NewApp {
                owner: account,
                grant_type: GrantType::ClientCredentials,
                settings: AppSettings {
                    name: "bench".into(),
                    scopes,
                    ..AppSettings::default()
                },
                region: None,
            },
        )
        .await
        .expect("create");
    let client_id = created.app.sid.to_string();
    let secret = created.secret.expose().to_owned();
    let auth = AuthorizationServer::start(
        service.clone(),
        AuthorizationConfig {
            issuer: "http://127.0.0.1:8080".into(),
            default_audience: "http://127.0.0.1:8080".into(),
            signing_alg: None,
        },
    )
    .await
    .expect("the authorization server starts");
    let request = || TokenRequest {
        grant_type: "client_credentials".into(),
        client_id: client_id.clone(),
        client_secret: secret.clone(),
        scope: None,
        audience: None,
        code: None,
        redirect_uri: None,
        code_verifier: None,
        refresh_token: None,
    };

    let issue = best_of(|| async {
        auth.issue_token(request()).await.expect("a token");
    })
    .await;
    let authenticate = best_of(|| async {
        service
            .authenticate_client(&client_id, &secret)
            .await
            .expect("the client authenticates");
    })
    .await;
    let rng = SystemRandom::new();
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("a P-256 key");
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .expect("the key parses");
    let message = [b'x'; 420];
    let signature = best_of(|| async {
        key.sign(&rng, &message).expect("a signature");
    })
    .await;

    println!("issue_token (client credentials): {issue:.2?} per token");
    println!("  authenticate_client (store read + secret check): {authenticate:.2?}");
    println!(
        "  the rest (scopes, claims, ES256 signature): {:.2?}",
        issue.saturating_sub(authenticate)
    );
    println!("ES256 signature alone (aws-lc-rs): {signature:.2?}");
}
