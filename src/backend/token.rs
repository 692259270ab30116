//! The token tool's requests: `POST /v2/token` (the client-credentials grant, or for an
//! authorization-code app the code exchange and the refresh) and `POST /v2/introspect` against a
//! running authorization server, as an app's developer makes them, and the answers decoded for
//! display. Both backends send them over HTTP the same way, since those endpoints are the
//! server's alone.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// What the token tool asks for. No `Debug`: it carries a client secret in plain text.
pub struct TokenRequest {
    pub client_id: String,
    pub client_secret: String,
    pub grant: TokenGrant,
}

/// The grant a token request makes (RFC 6749 §4.1.3, §4.4.2 and §6). No `Debug`: codes and
/// refresh tokens are credentials.
pub enum TokenGrant {
    ClientCredentials {
        /// Space-separated; `None` asks for every scope the app has.
        scope: Option<String>,
    },
    AuthorizationCode {
        code: String,
        redirect_uri: String,
        /// The PKCE verifier (RFC 7636), when the authorization request sent a challenge.
        code_verifier: Option<String>,
    },
    RefreshToken {
        refresh_token: String,
    },
}

impl TokenGrant {
    /// The `grant_type` the form sends.
    pub fn grant_type(&self) -> &'static str {
        match self {
            TokenGrant::ClientCredentials { .. } => "client_credentials",
            TokenGrant::AuthorizationCode { .. } => "authorization_code",
            TokenGrant::RefreshToken { .. } => "refresh_token",
        }
    }

    fn form(&self) -> Vec<(&'static str, &str)> {
        let mut form = vec![("grant_type", self.grant_type())];
        match self {
            TokenGrant::ClientCredentials { scope } => {
                form.extend(scope.as_deref().map(|scope| ("scope", scope)));
            }
            TokenGrant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                form.push(("code", code));
                form.push(("redirect_uri", redirect_uri));
                form.extend(code_verifier.as_deref().map(|v| ("code_verifier", v)));
            }
            TokenGrant::RefreshToken { refresh_token } => {
                form.push(("refresh_token", refresh_token));
            }
        }
        form
    }
}

/// "Is this token active?", asked with the app's client credentials. No `Debug`: it carries a
/// client secret and a bearer token.
pub struct IntrospectionRequest {
    pub client_id: String,
    pub client_secret: String,
    pub token: String,
}

/// RFC 7662's answer: an inactive token says nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Introspected {
    Inactive,
    Active(TokenClaims),
}

/// A token the server issued, with what it says about itself. No `Debug`: the token is a bearer
/// credential.
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u32,
    /// The granted scopes, as the response names them.
    pub scope: String,
    /// The next refresh token, when the grant gives one (`offline_access` on a code exchange or
    /// a refresh); each use returns a new one.
    pub refresh_token: Option<String>,
    /// Whether an OpenID Connect ID token came back (`openid` was granted).
    pub has_id_token: bool,
    pub header: TokenHeader,
    pub claims: TokenClaims,
}

/// The claims of an access token (RFC 9068 §2.2) that the token tool shows, read from whatever
/// server answered: its own reading of a token, not the signing server's type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenClaims {
    pub iss: String,
    /// The owner SID (account, subaccount or organization) the token acts for.
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    /// Space-separated.
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// The JOSE header of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenHeader {
    pub alg: String,
    pub kid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// RFC 6749 §5.2: the server answered with `error` and `error_description`.
    #[error("{error}: {description}")]
    Refused {
        status: u16,
        error: String,
        description: String,
    },
    /// Nothing answered at the token endpoint.
    #[error(
        "no authorization server answers at {url} ({why}); start the console with --serve 127.0.0.1:8080, or run `oauth-console serve` and pass its URL as --issuer"
    )]
    Unreachable { url: String, why: String },
    /// The server's certificate failed verification.
    #[error(
        "the server at {url} presented a certificate this machine does not trust ({why}); pass --ca-cert FILE with the CA that signed it (for a self-signed certificate, the certificate itself)"
    )]
    UntrustedCertificate { url: String, why: String },
    /// Something answered, but not as a token endpoint does.
    #[error(
        "{url} did not answer as a token endpoint: {why}; is --issuer the authorization server?"
    )]
    NotATokenEndpoint { url: String, why: String },
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u32,
    #[serde(default)]
    scope: String,
    refresh_token: Option<String>,
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct IntrospectionResponse {
    active: bool,
    #[serde(flatten)]
    claims: Option<TokenClaims>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// The token endpoint under an issuer URL.
pub fn token_endpoint(issuer: &str) -> String {
    format!("{}/v2/token", issuer.trim_end_matches('/'))
}

/// The introspection endpoint beside a token endpoint: both sit under the issuer's `/v2/`.
pub fn introspection_endpoint(token_endpoint: &str) -> String {
    let base = token_endpoint
        .strip_suffix("/token")
        .unwrap_or(token_endpoint);
    format!("{base}/introspect")
}

/// Asks `url` for a token with HTTP Basic client authentication, as RFC 6749 §2.3.1 prefers.
pub async fn request_token(
    http: &reqwest::Client,
    url: &str,
    request: &TokenRequest,
) -> Result<IssuedToken, TokenError> {
    let form = request.grant.form();
    let body = post_form(http, url, &request.client_id, &request.client_secret, &form).await?;
    let not_token_endpoint = |why: String| TokenError::NotATokenEndpoint {
        url: url.to_owned(),
        why,
    };
    let token: TokenResponse = serde_json::from_slice(&body)
        .map_err(|e| not_token_endpoint(format!("the response is not a token: {e}")))?;
    let (header, claims) = decode_unverified(&token.access_token).map_err(not_token_endpoint)?;
    Ok(IssuedToken {
        access_token: token.access_token,
        expires_in: token.expires_in,
        scope: token.scope,
        refresh_token: token.refresh_token,
        has_id_token: token.id_token.is_some(),
        header,
        claims,
    })
}

/// Asks the introspection endpoint at `url` (RFC 7662) whether `request.token` is active.
pub async fn introspect(
    http: &reqwest::Client,
    url: &str,
    request: &IntrospectionRequest,
) -> Result<Introspected, TokenError> {
    let form = [
        ("token", request.token.as_str()),
        ("token_type_hint", "access_token"),
    ];
    let body = post_form(http, url, &request.client_id, &request.client_secret, &form).await?;
    let answer: IntrospectionResponse =
        serde_json::from_slice(&body).map_err(|e| TokenError::NotATokenEndpoint {
            url: url.to_owned(),
            why: format!("the response is not an introspection answer: {e}"),
        })?;
    Ok(match (answer.active, answer.claims) {
        (true, Some(claims)) => Introspected::Active(claims),
        (true, None) => {
            return Err(TokenError::NotATokenEndpoint {
                url: url.to_owned(),
                why: "it called the token active without its claims".to_owned(),
            });
        }
        (false, _) => Introspected::Inactive,
    })
}

/// Posts `form` to `url` with the client's credentials as HTTP Basic; the body of a success, or
/// the server's RFC 6749 §5.2 refusal.
async fn post_form(
    http: &reqwest::Client,
    url: &str,
    client_id: &str,
    client_secret: &str,
    form: &[(&str, &str)],
) -> Result<Vec<u8>, TokenError> {
    let response = http
        .post(url)
        .basic_auth(client_id, Some(client_secret))
        .form(form)
        .send()
        .await
        .map_err(|error| match super::trust::certificate_problem(&error) {
            Some(why) => TokenError::UntrustedCertificate {
                url: url.to_owned(),
                why,
            },
            None => TokenError::Unreachable {
                url: url.to_owned(),
                why: describe_send_error(&error),
            },
        })?;
    let status = response.status();
    let not_token_endpoint = |why: String| TokenError::NotATokenEndpoint {
        url: url.to_owned(),
        why,
    };
    let body = response
        .bytes()
        .await
        .map_err(|e| not_token_endpoint(e.to_string()))?;
    if !status.is_success() {
        let refusal: ErrorResponse = serde_json::from_slice(&body)
            .map_err(|_| not_token_endpoint(format!("HTTP {status} without an OAuth error")))?;
        return Err(TokenError::Refused {
            status: status.as_u16(),
            error: refusal.error,
            description: refusal.error_description,
        });
    }
    Ok(body.to_vec())
}

/// The root cause of reqwest's error ("Connection refused", say), which its own `Display`
/// leaves out.
fn describe_send_error(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// The header and claims of a JWT, read without checking its signature: for showing what a
/// token says, never for trusting it.
pub fn decode_unverified(jwt: &str) -> Result<(TokenHeader, TokenClaims), String> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(claims), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the access token is not a JWT (three dot-separated parts)".to_owned());
    };
    let part = |name: &str, text: &str| {
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|e| format!("the token's {name} is not base64url: {e}"))
    };
    let header: TokenHeader = serde_json::from_slice(&part("header", header)?)
        .map_err(|e| format!("the token's header is not a JOSE header: {e}"))?;
    let claims: TokenClaims = serde_json::from_slice(&part("claims", claims)?)
        .map_err(|e| format!("the token's claims are not an access token's: {e}"))?;
    Ok((header, claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_is_read_into_its_header_and_claims_and_anything_else_is_named() {
        let encode = |json: &str| URL_SAFE_NO_PAD.encode(json);
        let jwt = format!(
            "{}.{}.sig",
            encode(r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#),
            encode(
                r#"{"iss":"http://a","sub":"AC1","aud":"x","client_id":"OQ1","scope":"a b","iat":1,"exp":3601,"jti":"j"}"#
            )
        );
        let (header, claims) = decode_unverified(&jwt).unwrap();
        assert_eq!(
            (header.alg.as_str(), header.kid.as_deref()),
            ("ES256", Some("k1"))
        );
        assert_eq!((claims.client_id.as_str(), claims.exp), ("OQ1", 3601));
        assert!(
            decode_unverified("opaque")
                .unwrap_err()
                .contains("not a JWT")
        );
        assert!(
            decode_unverified(&format!("{}.e30.s", encode("{}")))
                .unwrap_err()
                .contains("header")
        );
    }
}
