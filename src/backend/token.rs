//! The token tool's request: `POST /v2/token` with the client-credentials grant against a running
//! authorization server, as an app's developer makes it, and the answer decoded for display. Both
//! backends send it over HTTP the same way, since the token endpoint is the server's alone.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// What the token tool asks for. No `Debug`: it carries a client secret in plain text.
pub struct TokenRequest {
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated; `None` asks for every scope the app has.
    pub scope: Option<String>,
}

/// A token the server issued, with what it says about itself. No `Debug`: the token is a bearer
/// credential.
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u32,
    /// The granted scopes, as the response names them.
    pub scope: String,
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

/// Asks `url` for a token with HTTP Basic client authentication, as RFC 6749 §2.3.1 prefers.
pub async fn request_token(
    http: &reqwest::Client,
    url: &str,
    request: &TokenRequest,
) -> Result<IssuedToken, TokenError> {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = request.scope.as_deref() {
        form.push(("scope", scope));
    }
    let response = http
        .post(url)
        .basic_auth(&request.client_id, Some(&request.client_secret))
        .form(&form)
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
    let token: TokenResponse = serde_json::from_slice(&body)
        .map_err(|e| not_token_endpoint(format!("the response is not a token: {e}")))?;
    let (header, claims) = decode_unverified(&token.access_token).map_err(not_token_endpoint)?;
    Ok(IssuedToken {
        access_token: token.access_token,
        expires_in: token.expires_in,
        scope: token.scope,
        header,
        claims,
    })
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
