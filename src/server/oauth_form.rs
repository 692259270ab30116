//! What the token, introspection and revocation endpoints share: the form body as RFC 6749 reads
//! it (form-encoded, no parameter twice, an empty value is an absent one) and client
//! authentication by HTTP Basic or by form fields (§2.3.1), with the failure limiter around it.
//! The `Authorization` header is read by [`super::credentials`], as on every route: a blank one
//! is no header, so the form's credentials count.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRef, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::credentials::{self, AuthorizationHeaderError};
use super::errors::{BodyTooLarge, OAuthError};
use super::{AppState, BodyLimit};
use crate::service::TokenError;
use crate::service::{Attempt, FailureLimiter};

/// The parameters of a form-encoded OAuth request.
pub struct OAuthForm {
    /// A handful at most, so a list searched in order beats hashing them.
    params: Vec<(String, String)>,
    /// The `Authorization` header's scheme and credentials, if it is there and not blank.
    authorization: Option<(bool, String)>,
    peer: SocketAddr,
}

impl OAuthForm {
    /// A parameter's value; an empty one counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("the {name} parameter is required")))
    }

    /// The client ID and secret, from the `Authorization: Basic` header or from the form, never
    /// both (§2.3).
    pub fn client(&self) -> Result<ClientCredentials, OAuthError> {
        let from_form = (self.get("client_id"), self.get("client_secret"));
        let Some((is_basic, encoded)) = &self.authorization else {
            return match from_form {
                (Some(id), Some(secret)) => Ok(ClientCredentials::new(id, secret, self.peer)),
                _ => Err(TokenError::InvalidClient.into()),
            };
        };
        if !is_basic {
            return Err(TokenError::InvalidClient.into());
        }
        if from_form.1.is_some() {
            return Err(OAuthError::invalid_request(
                "the client authenticated twice (HTTP Basic and client_secret); use one",
            ));
        }
        let (id, secret) = decode_basic(encoded).ok_or(TokenError::InvalidClient)?;
        if from_form.0.is_some_and(|form_id| form_id != id) {
            return Err(OAuthError::invalid_request(
                "client_id in the form differs from the one in the Authorization header",
            ));
        }
        Ok(ClientCredentials::new(&id, &secret, self.peer))
    }
}

/// `base64(urlencode(id) ":" urlencode(secret))`, as RFC 6749 §2.3.1 has clients write it.
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// One form-urlencoded value, or `None` if it holds a raw `&` or `=`.
fn form_decode(value: &str) -> Option<String> {
    if value.contains(['&', '=']) {
        return None;
    }
    Some(
        url::form_urlencoded::parse(value.as_bytes())
            .next()
            .map(|(decoded, _)| decoded.into_owned())
            .unwrap_or_default(),
    )
}

/// More than any OAuth request needs, and few enough that looking for repeats stays cheap.
const MAX_PARAMS: usize = 32;

impl<S> FromRequest<S> for OAuthForm
where
    S: Send + Sync,
    BodyLimit: FromRef<S>,
{
    type Rejection = OAuthError;

    async fn from_request(request: Request, state: &S) -> Result<OAuthForm, OAuthError> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |info| info.0);
        let headers: &HeaderMap = request.headers();
        let form_encoded = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| {
                mime.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !form_encoded {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let authorization = match credentials::authorization(headers) {
            Ok(found) => found.map(|found| (found.is("basic"), found.credentials.to_owned())),
            Err(AuthorizationHeaderError::Repeated) => {
                return Err(OAuthError::invalid_request(
                    AuthorizationHeaderError::Repeated.to_string(),
                ));
            }
            Err(AuthorizationHeaderError::NotText) => return Err(TokenError::InvalidClient.into()),
        };
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    OAuthError::BodyTooLarge(BodyTooLarge {
                        limit: BodyLimit::from_ref(state).0,
                    })
                } else {
                    OAuthError::invalid_request("the body could not be read")
                }
            })?;
        let mut params: Vec<(String, String)> = Vec::with_capacity(8);
        for (name, value) in url::form_urlencoded::parse(&body) {
            if params.len() == MAX_PARAMS {
                return Err(OAuthError::invalid_request(format!(
                    "the form has more than {MAX_PARAMS} parameters"
                )));
            }
            if params.iter().any(|(seen, _)| *seen == name) {
                return Err(OAuthError::invalid_request(format!(
                    "the {name} parameter appears more than once"
                )));
            }
            params.push((name.into_owned(), value.into_owned()));
        }
        Ok(OAuthForm {
            params,
            authorization,
            peer,
        })
    }
}

/// A client's ID and secret as presented. No `Debug`, so the secret cannot be logged.
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    peer: SocketAddr,
}

impl ClientCredentials {
    fn new(id: &str, secret: &str, peer: SocketAddr) -> ClientCredentials {
        ClientCredentials {
            client_id: id.to_owned(),
            client_secret: secret.to_owned(),
            peer,
        }
    }

    fn attempt(&self) -> Attempt<'_> {
        Attempt::Client {
            client_id: &self.client_id,
            source: self.peer.ip(),
        }
    }

    /// Runs `call` unless this client ID or address is locked out, and counts an
    /// `invalid_client` answer against both.
    pub async fn limited<T>(
        &self,
        limiter: &FailureLimiter,
        call: impl Future<Output = Result<T, TokenError>>,
    ) -> Result<T, OAuthError> {
        super::observe::record_client_id(&self.client_id);
        limiter
            .check(self.attempt())
            .map_err(OAuthError::TooManyFailures)?;
        let result = call.await;
        if let Err(TokenError::InvalidClient) = &result {
            let attempt = self.attempt();
            limiter.record_failure(attempt).await;
            tracing::warn!(client_id = %attempt.identity_for_log(), source = %self.peer.ip(), "client authentication failed");
        }
        Ok(result?)
    }
}

impl FromRef<AppState> for Arc<FailureLimiter> {
    fn from_ref(state: &AppState) -> Arc<FailureLimiter> {
        state.limiter.clone()
    }
}

#[cfg(test)]
#[path = "oauth_form_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded_after_base64() {
        let encoded = STANDARD.encode("OQ%2Bid:se%3Acret+x%25");
        assert_eq!(
            decode_basic(&encoded),
            Some(("OQ+id".to_owned(), "se:cret x%".to_owned()))
        );
        assert_eq!(decode_basic("not base64!"), None);
        assert_eq!(decode_basic(&STANDARD.encode("no-colon")), None);
    }
}
