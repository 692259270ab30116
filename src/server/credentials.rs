//! The `Authorization` header, read one way for every route (RFC 7235 §2.1): the scheme is
//! case-insensitive and separated from its credentials by one or more spaces; an empty or blank
//! header is no authentication attempt at all (Twilio's Node library sends `Authorization: ` with
//! the client's credentials in the form); two headers are a malformed request, never "the first
//! one wins".

use axum::http::{HeaderMap, header};

/// A request's `Authorization` header that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationHeaderError {
    #[error("the request has more than one Authorization header; send one")]
    Repeated,
    #[error("the Authorization header is not visible ASCII")]
    NotText,
}

/// An `Authorization` header split into its scheme and credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorization<'a> {
    scheme: &'a str,
    /// Without the spaces around it; may be empty (`Authorization: Basic`).
    pub credentials: &'a str,
}

impl Authorization<'_> {
    /// Whether the scheme is `scheme`, in any case.
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }
}

/// The request's `Authorization` header: `None` when there is none or it is blank.
pub fn authorization(
    headers: &HeaderMap,
) -> Result<Option<Authorization<'_>>, AuthorizationHeaderError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(AuthorizationHeaderError::Repeated);
    }
    let value = value
        .to_str()
        .map_err(|_| AuthorizationHeaderError::NotText)?
        .trim();
    if value.is_empty() {
        return Ok(None);
    }
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    Ok(Some(Authorization {
        scheme,
        credentials: credentials.trim(),
    }))
}

/// The token of an `Authorization: Bearer` header (RFC 6750 §2.1), in any case of `Bearer`;
/// `None` when there is no header, it is of another scheme, or the token is missing.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, AuthorizationHeaderError> {
    Ok(authorization(headers)?
        .filter(|found| found.is("bearer") && !found.credentials.is_empty())
        .map(|found| found.credentials))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn schemes_are_case_insensitive_and_blank_headers_are_absent() {
        for value in ["Bearer abc", "bearer abc", "BEARER   abc ", "  Bearer abc"] {
            assert_eq!(
                bearer_token(&headers(&[value])),
                Ok(Some("abc")),
                "{value:?}"
            );
        }
        for value in ["", "   ", "Bearer", "Bearer  ", "Basic abc"] {
            assert_eq!(bearer_token(&headers(&[value])), Ok(None), "{value:?}");
        }
        assert_eq!(authorization(&headers(&[" \t "])), Ok(None));
        assert_eq!(bearer_token(&HeaderMap::new()), Ok(None));
    }

    #[test]
    fn two_authorization_headers_are_refused_even_when_one_is_blank() {
        assert_eq!(
            authorization(&headers(&["Basic abc", ""])),
            Err(AuthorizationHeaderError::Repeated)
        );
        assert_eq!(
            bearer_token(&headers(&["Bearer a", "Bearer b"])),
            Err(AuthorizationHeaderError::Repeated)
        );
    }
}
