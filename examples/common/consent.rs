//! The consent page as a person uses it, for the load programs (`bench_grants`, `soak`): open an
//! authorization request's page and sign in once, then approve it as often as codes are needed;
//! and the check of a token endpoint's answer.

use reqwest::redirect::Policy;

pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// A signed-in user on the consent page of one authorization request: their cookie, and the
/// forms' CSRF token, which the server binds to that cookie and to the request.
pub struct Consent {
    http: reqwest::Client,
    url: String,
    request: String,
    form_token: String,
}

/// The query of an authorization request for `client_id`'s code, back to `redirect`.
pub fn authorization_request(client_id: &str, redirect: &str, scope: &str, state: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", scope)
        .append_pair("state", state)
        .finish()
}

/// A client that keeps cookies and follows no redirect (a code comes back in one), as a browser
/// on the consent page does for the first and a client must for the second.
pub fn browser() -> Result<reqwest::Client, Failure> {
    Ok(reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()?)
}

impl Consent {
    /// Opens the page of `request` (from [`authorization_request`]) on the server at `url` with
    /// `http` (from [`browser`]), and signs in on it as `user`.
    pub async fn sign_in(
        http: reqwest::Client,
        url: &str,
        request: String,
        user: &str,
        password: &str,
    ) -> Result<Consent, Failure> {
        let page = http
            .get(format!("{url}/v2/authorize?{request}"))
            .send()
            .await?;
        if page.status() != 200 {
            return Err(format!("the authorization page answered {}", page.status()).into());
        }
        let page = page.text().await?;
        let marker = "name=\"csrf_token\" value=\"";
        let start = page
            .find(marker)
            .ok_or("the authorization page has no form token")?
            + marker.len();
        let end = page[start..]
            .find('"')
            .ok_or("the form token's value is not closed")?;
        let form_token = page[start..start + end].to_owned();
        let signed_in = http
            .post(format!("{url}/v2/authorize/sign-in"))
            .form(&[
                ("csrf_token", form_token.as_str()),
                ("request", &request),
                ("username", user),
                ("password", password),
            ])
            .send()
            .await?;
        if signed_in.status() != 303 {
            return Err(format!("signing in as {user} answered {}", signed_in.status()).into());
        }
        Ok(Consent {
            http,
            url: url.to_owned(),
            request,
            form_token,
        })
    }

    /// Approves once: the code the redirect carries.
    pub async fn approve(&self) -> Result<String, Failure> {
        let approved = self
            .http
            .post(format!("{}/v2/authorize/decision", self.url))
            .form(&[
                ("csrf_token", self.form_token.as_str()),
                ("request", &self.request),
                ("decision", "approve"),
            ])
            .send()
            .await?;
        let location = approved
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| {
                format!(
                    "approving answered {} without a redirect",
                    approved.status()
                )
            })?;
        let location = url::Url::parse(location)?;
        location
            .query_pairs()
            .find(|(name, _)| name == "code")
            .map(|(_, code)| code.into_owned())
            .ok_or_else(|| format!("approving redirected without a code: {location}").into())
    }
}

/// Checks a token response: 200 with an access token. Returns the refresh token, if any.
pub async fn token_answer(answer: reqwest::Response) -> Result<Option<String>, Failure> {
    let status = answer.status();
    let body: serde_json::Value = answer.json().await?;
    if status != 200 || body["access_token"].as_str().is_none() {
        return Err(format!("the token endpoint answered {status}: {body}").into());
    }
    Ok(body["refresh_token"].as_str().map(str::to_owned))
}
