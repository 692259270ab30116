//! Properties of the OAuth form and of HTTP Basic as clients write them, on generated input: what
//! a client encodes comes back unchanged, and anything else is refused with `invalid_request` or
//! `invalid_client`, never a panic. Kept apart from `oauth_form.rs`'s own tests so that the two
//! change independently.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use url::form_urlencoded::byte_serialize;

use super::{MAX_PARAMS, OAuthForm, decode_basic};
use crate::server::BodyLimit;
use crate::server::errors::OAuthError;

fn encoded(text: &str) -> String {
    byte_serialize(text.as_bytes()).collect()
}

/// What a client sends as the Basic credentials of `id` and `secret` (RFC 6749 §2.3.1).
fn basic_of(id: &str, secret: &str) -> String {
    STANDARD.encode(format!("{}:{}", encoded(id), encoded(secret)))
}

fn read_form(body: Vec<u8>, authorization: Option<&str>) -> Result<OAuthForm, OAuthError> {
    let mut request =
        Request::post("/v2/token").header("content-type", "application/x-www-form-urlencoded");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let request = request
        .body(Body::from(body))
        .expect("the test builds a valid request");
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime for one request")
        .block_on(OAuthForm::from_request(request, &BodyLimit(64 * 1024)))
}

/// The `error` code and description a refusal answers with.
fn refusal(error: OAuthError) -> (&'static str, String) {
    match error {
        OAuthError::Token(token) => (token.code(), token.to_string()),
        OAuthError::TooManyFailures(_) => ("slow_down", "the form reader has no limiter".into()),
        OAuthError::BodyTooLarge(too_large) => ("invalid_request", too_large.message()),
    }
}

/// Parameter names of the OAuth endpoints and some others, so that generated forms collide.
fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "grant_type",
            "client_id",
            "client_secret",
            "scope",
            "token",
            "code",
            "refresh_token",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn basic_credentials_as_clients_encode_them_decode_to_what_was_encoded(
        id in any::<String>(),
        secret in any::<String>(),
    ) {
        prop_assert_eq!(decode_basic(&basic_of(&id, &secret)), Some((id, secret)));
    }

    #[test]
    fn any_basic_header_text_is_credentials_or_none_without_panicking(text in any::<String>()) {
        if let Some((id, secret)) = decode_basic(&text) {
            prop_assert_eq!(decode_basic(&basic_of(&id, &secret)), Some((id, secret)));
        }
    }

    #[test]
    fn a_form_of_distinct_names_reads_back_every_value(
        params in proptest::collection::btree_map(param_name(), any::<String>(), 0..MAX_PARAMS),
    ) {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        let form = read_form(body.into_bytes(), None).map_err(|e| TestCaseError::fail(refusal(e).1))?;
        for (name, value) in &params {
            let expected = Some(value.as_str()).filter(|v| !v.is_empty());
            prop_assert_eq!(form.get(name), expected, "{}", name);
        }
    }

    #[test]
    fn a_parameter_sent_twice_is_refused_by_name(
        params in proptest::collection::btree_map(param_name(), any::<String>(), 1..8),
        repeat in any::<proptest::sample::Index>(),
    ) {
        let (name, value) = repeat.get(&params.iter().collect::<Vec<_>>()).to_owned();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .append_pair(name, value)
            .finish();
        let error = read_form(body.into_bytes(), None).err().map(refusal);
        prop_assert_eq!(
            error,
            Some(("invalid_request", format!("the {name} parameter appears more than once")))
        );
    }

    #[test]
    fn any_body_and_authorization_header_read_as_a_form_or_an_oauth_refusal(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        authorization in proptest::option::of(prop_oneof![
            "[ -~]{0,40}",
            "(Basic|basic|Bearer) [A-Za-z0-9+/=]{0,60}",
        ]),
    ) {
        let read = read_form(body, authorization.as_deref());
        match read {
            Ok(form) => {
                if let Err(error) = form.client() {
                    let (code, description) = refusal(error);
                    prop_assert!(["invalid_request", "invalid_client"].contains(&code), "{}", code);
                    prop_assert!(!description.is_empty());
                }
            }
            Err(error) => {
                let (code, description) = refusal(error);
                prop_assert_eq!(code, "invalid_request", "{}", description);
            }
        }
    }

    #[test]
    fn client_credentials_in_basic_or_in_the_form_name_the_same_client(
        id in "[ -~]{1,40}",
        secret in "[ -~]{1,40}",
        in_header in any::<bool>(),
    ) {
        let form = if in_header {
            let basic = format!("Basic {}", basic_of(&id, &secret));
            read_form(b"grant_type=client_credentials".to_vec(), Some(&basic))
        } else {
            let body: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(BTreeMap::from([("client_id", &id), ("client_secret", &secret)]))
                .finish();
            read_form(body.into_bytes(), None)
        }
        .map_err(|e| TestCaseError::fail(refusal(e).1))?;
        let client = form.client().map_err(|e| TestCaseError::fail(refusal(e).1))?;
        prop_assert_eq!(client.client_id, id);
        prop_assert_eq!(client.client_secret, secret);
    }
}
