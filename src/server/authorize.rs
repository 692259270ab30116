//! The authorization-code flow's pages (seed 002): `GET /v2/authorize` checks the request and
//! shows a sign-in page, then a consent page listing the requested scopes by product area;
//! Approve access or Deny sends the browser back to the app's redirect URL with a code or an
//! error, and the `state` and `iss` (RFC 9207). Also `GET /v2/userinfo`.
//!
//! The pages are server-rendered from the templates in `assets/templates/` and need no
//! JavaScript. Every form carries a CSRF token bound to the browser and to the authorization
//! request it is for: the HMAC, under a key only the server has, of a random value in a
//! `__Host-` cookie (which no other site, not even a sibling subdomain, can set) and of the
//! request. A token copied from the attacker's own browser, or from another request, fails. Every
//! POST answers 303; the pages refuse to be framed. The browser's sign-in is a management session
//! (the same as `POST /v1/sessions`) kept in an HttpOnly cookie scoped to `/v2/`. The
//! authorization request itself travels through the forms unchanged and is checked again on every
//! step, so the server keeps no state between pages. A fault of the server shows a generic page;
//! its detail goes to the log.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::Json;
use axum::extract::{ConnectInfo, Form, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::credentials::bearer_token;
use super::errors::page_message;
use crate::model::{SESSION_TTL, scopes};
use crate::service::{Attempt, FailureLimiter};
use crate::service::{
    AuthorizationRequest, AuthorizationServer, AuthorizeError, ServiceError, UserInfoAnswer,
    ValidAuthorizationRequest,
};

const SESSION_COOKIE: &str = "oc_session";
/// `__Host-`: the browser keeps it only if this host set it, Secure, for the whole site
/// (RFC 6265bis §4.1.3.2), so a sibling subdomain cannot plant one. Browsers (and reqwest) take
/// Secure cookies from `http://localhost` and `127.0.0.1` too, so a loopback server works.
const CSRF_COOKIE: &str = "__Host-oc_csrf";
/// Carries "why the last sign-in failed" across the 303 to the page that says it.
const FLASH_COOKIE: &str = "oc_flash";

/// The templates, parsed once.
static TEMPLATES: LazyLock<minijinja::Environment<'static>> = LazyLock::new(|| {
    let mut env = minijinja::Environment::new();
    for (name, source) in [
        (
            "layout.html",
            include_str!("../../assets/templates/layout.html"),
        ),
        (
            "sign_in.html",
            include_str!("../../assets/templates/sign_in.html"),
        ),
        (
            "consent.html",
            include_str!("../../assets/templates/consent.html"),
        ),
        (
            "error.html",
            include_str!("../../assets/templates/error.html"),
        ),
    ] {
        env.add_template(name, source)
            .expect("the shipped templates are valid: tests render each one");
    }
    env
});

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(authorize))
        .routes(routes!(sign_in))
        .routes(routes!(decide))
        .routes(routes!(userinfo))
}

/// Start the authorization-code flow (a page for a person, not an API)
#[utoipa::path(get, path = "/v2/authorize", tag = "oauth",
    params(
        ("client_id" = String, Query, description = "The app's client ID"),
        ("response_type" = String, Query, description = "code"),
        ("redirect_uri" = Option<String>, Query, description = "One of the app's redirect URLs, exactly"),
        ("scope" = Option<String>, Query, description = "Space-separated subset of the app's scopes, plus openid (an ID token) and profile (the username) if wanted; offline_access asks for a refresh token"),
        ("state" = Option<String>, Query, description = "Returned unchanged with the code; at most 512 characters"),
        ("code_challenge" = Option<String>, Query, description = "PKCE: BASE64URL(SHA-256(code_verifier))"),
        ("code_challenge_method" = Option<String>, Query, description = "S256"),
        ("nonce" = Option<String>, Query, description = "Echoed in the ID token; at most 512 characters"),
    ),
    responses(
        (status = 200, description = "The sign-in or consent page", content_type = "text/html"),
        (status = 303, description = "Back to the redirect URL with an error and the state"),
        (status = 400, description = "An error page: unknown client or unregistered redirect URL", content_type = "text/html"),
    ))]
async fn authorize(
    State(auth): State<AuthorizationServer>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let cookies = Cookies::parse(&headers);
    let valid = match checked(&auth, &query).await {
        Ok(valid) => valid,
        Err(refusal) => return refusal,
    };
    let browser = cookies
        .get(CSRF_COOKIE)
        .map_or_else(new_browser_binding, str::to_owned);
    let csrf = csrf_token(&auth, &browser, &query);
    let user = match cookies.get(SESSION_COOKIE) {
        Some(token) => auth.service().session_user(token).await.ok(),
        None => None,
    };
    let sign_in = |status: StatusCode, error: Option<&str>| {
        page(
            status,
            "sign_in.html",
            minijinja::context! {
                app_name => valid.app.settings.name,
                action => "/v2/authorize/sign-in",
                csrf_token => csrf,
                request => query,
                username => "",
                error => error,
            },
        )
    };
    let mut response = match user {
        None => {
            let error = match cookies.get(FLASH_COOKIE) {
                Some("locked") => Some("Too many failed sign-ins. Wait a minute, then try again."),
                Some(_) => Some("Wrong username or password."),
                None => None,
            };
            sign_in(StatusCode::OK, error)
        }
        Some(user) => match auth.service().approver(&user, &valid).await {
            Ok(approver) => consent_page(&valid, &approver, &query, &csrf),
            // Told here, where they can sign in as someone else, not after pressing Approve.
            Err(ServiceError::Forbidden(why)) => sign_in(
                StatusCode::FORBIDDEN,
                Some(&format!("{why}. Sign in as someone who may.")),
            ),
            Err(error) => service_error_page(&error),
        },
    };
    set_cookie(
        &mut response,
        Cookie {
            name: CSRF_COOKIE,
            value: &browser,
            path: "/",
            max_age: None,
            same_site: "Strict",
            secure: true,
        },
    );
    if cookies.get(FLASH_COOKIE).is_some() {
        set_cookie(
            &mut response,
            Cookie {
                name: FLASH_COOKIE,
                value: "",
                path: FLOW_PATH,
                max_age: Some(0),
                same_site: "Strict",
                secure: is_https(&auth),
            },
        );
    }
    response
}

fn consent_page(
    valid: &ValidAuthorizationRequest,
    approver: &crate::service::Approver,
    query: &str,
    csrf: &str,
) -> Response {
    let settings = &valid.app.settings;
    page(
        StatusCode::OK,
        "consent.html",
        minijinja::context! {
            app_name => settings.name,
            company => settings.company_name,
            images => settings.images,
            homepage_url => settings.homepage_url,
            terms_url => settings.terms_url,
            owner_name => approver.owner_name,
            username => approver.username,
            scope_groups => scope_groups(&valid.scopes),
            action => "/v2/authorize/decision",
            csrf_token => csrf,
            request => query,
        },
    )
}

/// The heading of the protocol scopes (`openid`, `profile`) on the consent page.
const IDENTITY_GROUP: &str = "Your identity";

/// The requested scopes under their product areas, in catalog order; the protocol scopes first,
/// under [`IDENTITY_GROUP`], each with what it gives away.
fn scope_groups(requested: &[String]) -> Vec<minijinja::Value> {
    let mut groups: Vec<(&str, Vec<minijinja::Value>)> = Vec::new();
    let ordered = requested
        .iter()
        .filter(|scope| scopes::is_protocol_scope(scope))
        .chain(
            requested
                .iter()
                .filter(|scope| !scopes::is_protocol_scope(scope)),
        );
    for scope in ordered {
        let description = scopes::protocol_scope_description(scope);
        let area = match description {
            Some(_) => IDENTITY_GROUP,
            None => scopes::catalog()
                .get(scope)
                .map_or("Other", |permission| permission.area.name()),
        };
        let item = minijinja::context! { name => scope, description => description };
        match groups.iter_mut().find(|(name, _)| *name == area) {
            Some((_, list)) => list.push(item),
            None => groups.push((area, vec![item])),
        }
    }
    groups
        .into_iter()
        .map(|(area, scopes)| minijinja::context! { area => area, scopes => scopes })
        .collect()
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SignInForm {
    csrf_token: String,
    /// The authorization request's query string, unchanged.
    request: String,
    username: String,
    password: String,
}

/// Sign in, then see the consent page
#[utoipa::path(post, path = "/v2/authorize/sign-in", tag = "oauth",
    responses((status = 303, description = "Back to the authorization page, signed in or with an error")))]
async fn sign_in(
    State(auth): State<AuthorizationServer>,
    State(limiter): State<Arc<FailureLimiter>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if !csrf_holds(&auth, &headers, &form.csrf_token, &form.request) {
        return forged_form();
    }
    let back = authorization_page(&form.request);
    let attempt = Attempt::User {
        username: &form.username,
        source: peer.ip(),
    };
    let secure = is_https(&auth);
    if limiter.check(attempt).is_err() {
        return flash(&back, "locked", secure);
    }
    match auth
        .service()
        .start_session(&form.username, &form.password)
        .await
    {
        Ok(started) => {
            let mut response = see_other(&back);
            set_cookie(
                &mut response,
                Cookie {
                    name: SESSION_COOKIE,
                    value: started.token.expose(),
                    path: FLOW_PATH,
                    max_age: Some(i64::from(SESSION_TTL.0)),
                    // Lax, so that arriving from the app's site still finds the session.
                    same_site: "Lax",
                    secure,
                },
            );
            response
        }
        Err(ServiceError::BadCredentials) => {
            limiter.record_failure(attempt).await;
            tracing::warn!(username = %attempt.identity_for_log(), source = %peer.ip(), "sign-in failed");
            flash(&back, "failed", secure)
        }
        Err(error) => service_error_page(&error),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct DecisionForm {
    csrf_token: String,
    request: String,
    /// `approve` or `deny`.
    decision: String,
}

/// Approve access or Deny
#[utoipa::path(post, path = "/v2/authorize/decision", tag = "oauth",
    responses((status = 303, description = "To the redirect URL with code and state, or error=access_denied")))]
async fn decide(
    State(auth): State<AuthorizationServer>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    if !csrf_holds(&auth, &headers, &form.csrf_token, &form.request) {
        return forged_form();
    }
    let valid = match checked(&auth, &form.request).await {
        Ok(valid) => valid,
        Err(refusal) => return refusal,
    };
    let cookies = Cookies::parse(&headers);
    let session = match cookies.get(SESSION_COOKIE) {
        Some(token) => auth.service().session(token).await.ok(),
        None => None,
    };
    let Some(session) = session else {
        // The session ended between the pages: sign in again, then decide.
        return see_other(&authorization_page(&form.request));
    };
    let issuer = auth.issuer();
    match form.decision.as_str() {
        "approve" => match auth
            .service()
            .approve(&session.user, session.created_at, &valid)
            .await
        {
            Ok(code) => see_other(&redirect_url(
                &valid.redirect_uri,
                &[
                    ("code", Some(code.expose())),
                    ("state", valid.state.as_deref()),
                    ("iss", Some(issuer)),
                ],
            )),
            Err(error) => service_error_page(&error),
        },
        _ => see_other(&redirect_url(
            &valid.redirect_uri,
            &[
                ("error", Some("access_denied")),
                ("error_description", Some("the person denied access")),
                ("state", valid.state.as_deref()),
                ("iss", Some(issuer)),
            ],
        )),
    }
}

/// The person behind an access token granted `openid` (OpenID Connect Core §5.3)
#[utoipa::path(get, path = "/v2/userinfo", tag = "oauth",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The user's SID (`sub`, as in the ID token), and `preferred_username` when `profile` was granted"),
        (status = 400, description = "More than one Authorization header"),
        (status = 401, description = "No active access token of the authorization-code flow"),
        (status = 403, description = "The access token was not granted openid"),
    ))]
async fn userinfo(State(auth): State<AuthorizationServer>, headers: HeaderMap) -> Response {
    let challenge = |status: StatusCode, value: &'static str| {
        (status, [(header::WWW_AUTHENTICATE, value)]).into_response()
    };
    let token = match bearer_token(&headers) {
        Ok(token) => token,
        Err(_) => {
            return challenge(
                StatusCode::BAD_REQUEST,
                r#"Bearer error="invalid_request", error_description="send one Authorization header""#,
            );
        }
    };
    let answer = match token {
        Some(token) => match auth.userinfo(token).await {
            Ok(answer) => answer,
            Err(error) => {
                tracing::error!(%error, "userinfo failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        },
        None => UserInfoAnswer::InvalidToken,
    };
    match answer {
        UserInfoAnswer::Found(info) => Json(info).into_response(),
        UserInfoAnswer::InvalidToken => challenge(
            StatusCode::UNAUTHORIZED,
            r#"Bearer error="invalid_token", error_description="an active access token of the authorization-code flow is required""#,
        ),
        UserInfoAnswer::InsufficientScope => challenge(
            StatusCode::FORBIDDEN,
            r#"Bearer error="insufficient_scope", scope="openid", error_description="the access token was not granted openid""#,
        ),
    }
}

/// The authorization request in `query`, checked; or the answer that refuses it: an error page
/// when the client or redirect URL cannot be trusted, else a 303 to the redirect URL.
async fn checked(
    auth: &AuthorizationServer,
    query: &str,
) -> Result<ValidAuthorizationRequest, Response> {
    let mut params: HashMap<String, String> = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if params
            .insert(name.to_string(), value.into_owned())
            .is_some()
        {
            return Err(error_page(&format!(
                "the {name} parameter appears more than once"
            )));
        }
    }
    let mut take = |name: &str| params.remove(name).filter(|value| !value.is_empty());
    let request = AuthorizationRequest {
        client_id: take("client_id").unwrap_or_default(),
        redirect_uri: take("redirect_uri"),
        response_type: take("response_type").unwrap_or_default(),
        scope: take("scope"),
        state: take("state"),
        code_challenge: take("code_challenge"),
        code_challenge_method: take("code_challenge_method"),
        nonce: take("nonce"),
    };
    match auth.service().check_authorization_request(request).await {
        Ok(valid) => Ok(valid),
        Err(AuthorizeError::NoRedirect(message)) => Err(error_page(&message)),
        Err(AuthorizeError::Fault(error)) => Err(service_error_page(&error)),
        Err(AuthorizeError::Redirect {
            redirect_uri,
            error,
            description,
            state,
        }) => Err(see_other(&redirect_url(
            &redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(&description)),
                ("state", state.as_deref()),
                ("iss", Some(auth.issuer())),
            ],
        ))),
    }
}

/// The authorization page of `request`, the query string a form carried back. Written again from
/// its pairs, so that a garbled or forged one (a control character, say) still makes a valid
/// `Location` rather than a 303 without one.
fn authorization_page(request: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(url::form_urlencoded::parse(request.as_bytes()))
        .finish();
    format!("/v2/authorize?{query}")
}

/// `redirect_uri` with `params` appended to its query, keeping any query it already has.
fn redirect_url(redirect_uri: &str, params: &[(&str, Option<&str>)]) -> String {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return redirect_uri.to_owned();
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    url.into()
}

/// What a CSRF token authenticates: this browser's binding cookie and the authorization
/// request. The newline cannot occur in either (a cookie value, a query string), so no two pairs
/// make the same message.
fn csrf_message(browser: &str, request: &str) -> Vec<u8> {
    format!("{browser}\n{request}").into_bytes()
}

/// The token the forms of `request`'s pages carry in this browser.
fn csrf_token(auth: &AuthorizationServer, browser: &str, request: &str) -> String {
    auth.form_tag(&csrf_message(browser, request))
}

/// The CSRF check: the form's token must be the server's HMAC of the browser's `__Host-` cookie
/// and of the request the form submits.
fn csrf_holds(
    auth: &AuthorizationServer,
    headers: &HeaderMap,
    submitted: &str,
    request: &str,
) -> bool {
    Cookies::parse(headers)
        .get(CSRF_COOKIE)
        .is_some_and(|browser| auth.form_tag_matches(&csrf_message(browser, request), submitted))
}

fn forged_form() -> Response {
    let mut refused = error_page(
        "this form expired or did not come from this site; go back, reload the page and try again",
    );
    *refused.status_mut() = StatusCode::FORBIDDEN;
    refused
}

/// The random value that binds this browser's forms to it; not a secret to the browser.
fn new_browser_binding() -> String {
    let mut random = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut random);
    URL_SAFE_NO_PAD.encode(random)
}

fn flash(back: &str, what: &str, secure: bool) -> Response {
    let mut response = see_other(back);
    let cookie = Cookie {
        name: FLASH_COOKIE,
        value: what,
        path: FLOW_PATH,
        max_age: Some(30),
        same_site: "Strict",
        secure,
    };
    set_cookie(&mut response, cookie);
    response
}

fn is_https(auth: &AuthorizationServer) -> bool {
    auth.issuer().starts_with("https://")
}

fn see_other(location: &str) -> Response {
    let mut response = Redirect::to(location).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
}

/// A refusal or fault of the service as a page: a refusal in its own words, a fault as a
/// generic page with the detail in the log ([`page_message`]).
fn service_error_page(error: &ServiceError) -> Response {
    let (status, message) = page_message(error);
    let mut response = error_page(&message);
    *response.status_mut() = status;
    if let ServiceError::Overloaded { retry_after } = error {
        response = super::errors::with_retry_after(response, *retry_after);
    }
    response
}

fn error_page(message: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "error.html",
        minijinja::context! { message => message },
    )
}

/// A rendered page with the headers every page of the flow carries: not cached, not framed, no
/// scripts, no referrer.
fn page(status: StatusCode, template: &str, context: minijinja::Value) -> Response {
    let rendered = TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(context));
    let mut response = match rendered {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, template, "a page did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: http://localhost:* http://127.0.0.1:*; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The path of the session and flash cookies: the flow's pages only.
const FLOW_PATH: &str = "/v2/";

/// Sets an HttpOnly cookie. The session is `Secure` whenever the server is reached over https
/// (its issuer), so that it never crosses plain HTTP; the CSRF cookie always is, as its
/// `__Host-` prefix requires.
fn set_cookie(response: &mut Response, cookie: Cookie<'_>) {
    let Cookie {
        name,
        value,
        path,
        max_age,
        same_site,
        secure,
    } = cookie;
    let max_age = max_age.map_or_else(String::new, |seconds| format!("; Max-Age={seconds}"));
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}{max_age}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

struct Cookie<'a> {
    name: &'a str,
    value: &'a str,
    path: &'a str,
    max_age: Option<i64>,
    same_site: &'a str,
    secure: bool,
}

/// The cookies of a request.
struct Cookies(HashMap<String, String>);

impl Cookies {
    fn parse(headers: &HeaderMap) -> Cookies {
        let pairs = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        Cookies(pairs)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders() {
        for name in ["sign_in.html", "consent.html", "error.html"] {
            let rendered = TEMPLATES
                .get_template(name)
                .and_then(|t| t.render(minijinja::context! { app_name => "<b>x</b>" }));
            let html = rendered.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!html.contains("<b>x</b>"), "{name} escapes what it shows");
        }
    }

    #[test]
    fn redirects_keep_the_redirect_urls_own_query() {
        assert_eq!(
            redirect_url(
                "https://app.example.com/cb?tenant=1",
                &[("code", Some("a b")), ("state", None)]
            ),
            "https://app.example.com/cb?tenant=1&code=a+b"
        );
    }
}
