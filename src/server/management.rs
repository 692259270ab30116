//! The management API under `/v1/`: every console-service operation as JSON, for the remote
//! console and for scripts. A caller signs in for a session bearer token; roles and tenant
//! isolation are the service's, so each handler only reads the request, calls one service
//! method as the signed-in user, and writes the api.rs shape.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    ConnectInfo, FromRef, FromRequest, FromRequestParts, Path, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::credentials::bearer_token;
use super::errors::{ApiError, ApiErrorJson, BodyTooLarge};
use super::{AppState, BodyLimit};
use crate::api::{
    AppJson, AppListJson, AppUpdateJson, AppsFileJson, AuditEventJson, AuditEventListJson,
    AuthorizationJson, AuthorizationListJson, CredentialsJson, ImportRequestJson, ImportResultJson,
    NewAppJson, NewUserJson, OwnerJson, OwnerListJson, PageMetaJson, PageQuery, RotateSecretJson,
    ScopeJson, ScopeListJson, SessionJson, SignInJson, UserAddedJson, UserJson, UserListJson,
    UserUpdateJson,
};
use crate::model::{
    AppOrder, AppUpdate, AuditEventType, AuditFilter, ImportMode, ListApps, OAuthApp, OwnerKind,
    Seconds, Sid, scopes,
};
use crate::service::{Attempt, FailureLimiter};
use crate::service::{AuthorizationServer, ConsoleService, ServiceError};

/// The largest apps file `POST /v1/import` takes, above the server's limit for other requests:
/// an export of 10,000 apps with every field filled is about 4 MiB.
const IMPORT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Apps and events per page when the request does not say.
const DEFAULT_PAGE_SIZE: usize = 50;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(me))
        .routes(routes!(owners))
        .routes(routes!(list_apps, create_app))
        .routes(routes!(show_app, update_app, delete_app))
        .routes(routes!(rotate_secret))
        .routes(routes!(end_grace))
        .routes(routes!(audit_events))
        .routes(routes!(export_apps))
        .routes(routes!(import_apps).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)))
        .routes(routes!(authorized_apps))
        .routes(routes!(revoke_authorization))
        .routes(routes!(list_users, add_user))
        .routes(routes!(update_user))
        .routes(routes!(list_scopes))
}

/// A JSON body whose rejection (bad JSON, a missing field, a wrong type) keeps the API's error
/// shape.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T>
where
    BodyLimit: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<JsonBody<T>, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::BodyTooLarge(BodyTooLarge {
                    limit: BodyLimit::from_ref(state).0,
                }))
            }
            Err(rejection) => Err(ApiError::BadRequest(match rejection {
                JsonRejection::MissingJsonContentType(_) => {
                    "the body must be JSON (Content-Type: application/json)".to_owned()
                }
                other => other.body_text(),
            })),
        }
    }
}

/// The user of the session whose token the request carries.
pub struct SignedIn {
    pub user: Sid,
    token: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<SignedIn, ApiError> {
        let token = bearer_token(&parts.headers)
            .map_err(|error| ApiError::BadRequest(error.to_string()))?
            .unwrap_or_default()
            .to_owned();
        let user = state.auth.service().session_user(&token).await?;
        Ok(SignedIn { user, token })
    }
}

impl FromRef<AppState> for ConsoleService {
    fn from_ref(state: &AppState) -> ConsoleService {
        state.auth.service().clone()
    }
}

fn sid(text: &str) -> Result<Sid, ApiError> {
    text.parse()
        .map_err(|e: crate::model::InvalidSid| ApiError::BadRequest(e.to_string()))
}

/// The app with its version as an `ETag`, so that an edit can send it back in `If-Match`.
fn app_response(app: &OAuthApp, service: &ConsoleService) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", app.version))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    (
        [(header::ETAG, etag)],
        Json(AppJson::new(app, service.now())),
    )
        .into_response()
}

/// The version an `If-Match` header names: `"3"` or `3`; `*` names none.
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_matches('"').parse().map(Some).map_err(|_| {
        ApiError::BadRequest(format!(
            "If-Match '{text}' is not an app version: send the ETag of the app as read, e.g. \"3\""
        ))
    })
}

/// Twilio's paging `meta` for a list at `path` of the issuer, with the filters to repeat.
fn page_meta(
    auth: &AuthorizationServer,
    path: &str,
    filters: &[(&str, &str)],
    paging: &PageQuery,
    next: Option<String>,
    key: &str,
) -> PageMetaJson {
    let page_size = paging.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let page = paging.page.unwrap_or(0);
    let url_of = |page: u32, token: Option<&str>| {
        let mut url = format!("{}{path}?", auth.issuer().trim_end_matches('/'));
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in filters {
            query.append_pair(name, value);
        }
        query.append_pair("PageSize", &page_size.to_string());
        query.append_pair("Page", &page.to_string());
        if let Some(token) = token {
            query.append_pair("PageToken", token);
        }
        url.push_str(&query.finish());
        url
    };
    PageMetaJson {
        page,
        page_size,
        first_page_url: url_of(0, None),
        previous_page_url: None,
        url: url_of(page, paging.page_token.as_deref()),
        next_page_url: next.as_deref().map(|token| url_of(page + 1, Some(token))),
        next_page_token: next,
        key: key.to_owned(),
    }
}

/// `meta` for a list that always comes whole.
fn single_page(auth: &AuthorizationServer, path: &str, count: usize, key: &str) -> PageMetaJson {
    let paging = PageQuery {
        page_size: Some(count),
        ..PageQuery::default()
    };
    page_meta(auth, path, &[], &paging, None, key)
}

/// Sign in for a session token
#[utoipa::path(post, path = "/v1/sessions", tag = "sessions", request_body = SignInJson,
    responses(
        (status = 201, body = SessionJson),
        (status = 401, description = "Wrong username or password", body = ApiErrorJson),
        (status = 429, description = "Too many failed sign-ins", body = ApiErrorJson),
    ))]
async fn sign_in(
    State(service): State<ConsoleService>,
    State(limiter): State<Arc<FailureLimiter>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody<SignInJson>,
) -> Result<(StatusCode, Json<SessionJson>), ApiError> {
    let attempt = Attempt::User {
        username: &body.username,
        source: peer.ip(),
    };
    limiter.check(attempt).map_err(ApiError::TooManyFailures)?;
    let started = match service.start_session(&body.username, &body.password).await {
        Err(ServiceError::BadCredentials) => {
            limiter.record_failure(attempt).await;
            tracing::warn!(username = %attempt.identity_for_log(), source = %peer.ip(), "sign-in failed");
            return Err(ServiceError::BadCredentials.into());
        }
        answer => answer?,
    };
    Ok((
        StatusCode::CREATED,
        Json(SessionJson {
            token: started.token.expose().to_owned(),
            expires_at: started.session.expires_at.to_rfc3339(),
            user: UserJson::from(&started.user),
        }),
    ))
}

/// Sign out: the session token stops working
#[utoipa::path(delete, path = "/v1/sessions/current", tag = "sessions",
    security(("session" = [])),
    responses((status = 204), (status = 401, body = ApiErrorJson)))]
async fn sign_out(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
) -> Result<StatusCode, ApiError> {
    service.end_session(&signed_in.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user, with their roles
#[utoipa::path(get, path = "/v1/me", tag = "users", security(("session" = [])),
    responses((status = 200, body = UserJson), (status = 401, body = ApiErrorJson)))]
async fn me(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
) -> Result<Json<UserJson>, ApiError> {
    let user = service.user(&signed_in.user).await?;
    Ok(Json(UserJson::from(&user)))
}

/// The accounts, subaccounts and organizations the user belongs to, with their role
#[utoipa::path(get, path = "/v1/owners", tag = "owners", security(("session" = [])),
    responses((status = 200, body = OwnerListJson), (status = 401, body = ApiErrorJson)))]
async fn owners(
    State(auth): State<AuthorizationServer>,
    signed_in: SignedIn,
) -> Result<Json<OwnerListJson>, ApiError> {
    let owners = auth.service().owners(&signed_in.user).await?;
    let owners: Vec<OwnerJson> = owners.iter().map(OwnerJson::from).collect();
    let meta = single_page(&auth, "/v1/owners", owners.len(), "owners");
    Ok(Json(OwnerListJson { owners, meta }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AppFilter {
    /// Only apps whose name contains this, ignoring case.
    #[serde(rename = "FriendlyName")]
    friendly_name: Option<String>,
    /// `newest` (the default) or `oldest` first, by date created.
    #[serde(rename = "Order")]
    order: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuthorizationFilter {
    /// Only this app's authorizations (OQ…).
    #[serde(rename = "App")]
    app: Option<String>,
}

/// The order an `Order` parameter names.
fn app_order(text: Option<&str>) -> Result<AppOrder, ApiError> {
    match text {
        None | Some("newest") => Ok(AppOrder::NewestFirst),
        Some("oldest") => Ok(AppOrder::OldestFirst),
        Some(other) => Err(ApiError::BadRequest(format!(
            "Order '{other}' is not an order: use newest or oldest"
        ))),
    }
}

/// An owner's apps, newest first
#[utoipa::path(get, path = "/v1/owners/{owner_sid}/apps", tag = "apps",
    security(("session" = [])),
    params(("owner_sid" = String, Path, description = "AC… or OR…"), AppFilter, PageQuery),
    responses(
        (status = 200, body = AppListJson),
        (status = 403, description = "The user's role may not manage apps", body = ApiErrorJson),
        (status = 404, description = "No such owner, or not the user's", body = ApiErrorJson),
    ))]
async fn list_apps(
    State(auth): State<AuthorizationServer>,
    signed_in: SignedIn,
    Path(owner): Path<String>,
    Query(filter): Query<AppFilter>,
    Query(paging): Query<PageQuery>,
) -> Result<Json<AppListJson>, ApiError> {
    let owner = sid(&owner)?;
    let list = ListApps {
        name_contains: filter.friendly_name.clone(),
        order: app_order(filter.order.as_deref())?,
        page_size: paging.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
        after: paging.page_token.clone(),
    };
    let service = auth.service();
    let page = service.apps(&signed_in.user, &owner, list).await?;
    let at = service.now();
    let apps = page.items.iter().map(|app| AppJson::new(app, at)).collect();
    let path = format!("/v1/owners/{owner}/apps");
    let name = filter.friendly_name.unwrap_or_default();
    let order = filter.order.unwrap_or_default();
    let filters: Vec<(&str, &str)> = [("FriendlyName", name.as_str()), ("Order", &order)]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
    let meta = page_meta(&auth, &path, &filters, &paging, page.next, "apps");
    Ok(Json(AppListJson { apps, meta }))
}

/// Create an app; the answer holds its client secret, shown this once
#[utoipa::path(post, path = "/v1/owners/{owner_sid}/apps", tag = "apps",
    security(("session" = [])),
    params(("owner_sid" = String, Path, description = "AC… or OR…")),
    request_body = NewAppJson,
    responses(
        (status = 201, body = CredentialsJson),
        (status = 400, description = "A field breaks a rule; the message names it and its limit", body = ApiErrorJson),
        (status = 403, body = ApiErrorJson),
        (status = 404, body = ApiErrorJson),
    ))]
async fn create_app(
    State(auth): State<AuthorizationServer>,
    signed_in: SignedIn,
    Path(owner): Path<String>,
    JsonBody(body): JsonBody<NewAppJson>,
) -> Result<(StatusCode, Json<CredentialsJson>), ApiError> {
    let new = body
        .into_new_app(sid(&owner)?)
        .map_err(ApiError::BadRequest)?;
    let created = auth.service().create_app(&signed_in.user, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(CredentialsJson {
            client_id: created.app.sid.to_string(),
            client_secret: created.secret.expose().to_owned(),
            authorization_url: created.app.authorization_url(auth.issuer()),
            previous_secret_expires_at: None,
            app: AppJson::new(&created.app, created.app.created_at),
        }),
    ))
}

/// One app; its `ETag` is its version
#[utoipa::path(get, path = "/v1/apps/{sid}", tag = "apps", security(("session" = [])),
    params(("sid" = String, Path, description = "The app's SID, its client ID (OQ…)")),
    responses((status = 200, body = AppJson), (status = 404, body = ApiErrorJson)))]
async fn show_app(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    Path(app): Path<String>,
) -> Result<Response, ApiError> {
    let app = service.app(&signed_in.user, &sid(&app)?).await?;
    Ok(app_response(&app, &service))
}

/// Change an app's details or access settings
#[utoipa::path(post, path = "/v1/apps/{sid}", tag = "apps", security(("session" = [])),
    params(
        ("sid" = String, Path, description = "OQ…"),
        ("If-Match" = Option<String>, Header, description = "The ETag as read; a newer app answers 412"),
    ),
    request_body = AppUpdateJson,
    responses(
        (status = 200, body = AppJson),
        (status = 400, body = ApiErrorJson),
        (status = 404, body = ApiErrorJson),
        (status = 409, description = "Changed by someone else since the body's version was read", body = ApiErrorJson),
        (status = 412, description = "Changed by someone else since the If-Match version was read", body = ApiErrorJson),
    ))]
async fn update_app(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    Path(app): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AppUpdateJson>,
) -> Result<Response, ApiError> {
    let mut update = AppUpdate::from(body);
    let sent_if_match = if_match(&headers)?.is_some();
    update.expected_version = expected_version(&headers, update.expected_version)?;
    let app = service
        .update_app(&signed_in.user, &sid(&app)?, update)
        .await
        .map_err(|error| edit_refusal(sent_if_match, error))?;
    Ok(app_response(&app, &service))
}

/// The refusal of an edit: a stale `If-Match` is 412 (RFC 9110), a stale body `version` 409.
fn edit_refusal(sent_if_match: bool, error: ServiceError) -> ApiError {
    if sent_if_match {
        ApiError::under_if_match(error)
    } else {
        ApiError::Service(error)
    }
}

/// `If-Match`, or else the body's `version`; both must agree when both are sent.
fn expected_version(headers: &HeaderMap, in_body: Option<u64>) -> Result<Option<u64>, ApiError> {
    match (if_match(headers)?, in_body) {
        (Some(header), Some(body)) if header != body => Err(ApiError::BadRequest(format!(
            "If-Match names version {header} and the body version {body}; send one"
        ))),
        (header, body) => Ok(header.or(body)),
    }
}

/// Delete an app: its secrets and tokens stop working at once
#[utoipa::path(delete, path = "/v1/apps/{sid}", tag = "apps", security(("session" = [])),
    params(
        ("sid" = String, Path, description = "OQ…"),
        ("If-Match" = Option<String>, Header, description = "The ETag as read; a newer app answers 412"),
    ),
    responses(
        (status = 200, description = "The app as it was", body = AppJson),
        (status = 404, body = ApiErrorJson),
        (status = 409, description = "Changed by others while it was being deleted", body = ApiErrorJson),
        (status = 412, description = "Changed by someone else since the If-Match version was read", body = ApiErrorJson),
    ))]
async fn delete_app(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    Path(app): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let app = service
        .delete_app(&signed_in.user, &sid(&app)?, expected)
        .await
        .map_err(|error| edit_refusal(expected.is_some(), error))?;
    Ok(app_response(&app, &service))
}

/// Issue a new client secret; the previous one works for the grace period
#[utoipa::path(post, path = "/v1/apps/{sid}/secret", tag = "apps", security(("session" = [])),
    params(("sid" = String, Path, description = "OQ…")),
    request_body = RotateSecretJson,
    responses((status = 200, body = CredentialsJson), (status = 400, body = ApiErrorJson),
        (status = 404, body = ApiErrorJson)))]
async fn rotate_secret(
    State(auth): State<AuthorizationServer>,
    signed_in: SignedIn,
    Path(app): Path<String>,
    JsonBody(body): JsonBody<RotateSecretJson>,
) -> Result<Json<CredentialsJson>, ApiError> {
    let grace = Seconds(body.grace_period);
    let service = auth.service();
    let rotated = service
        .rotate_secret(&signed_in.user, &sid(&app)?, grace)
        .await?;
    Ok(Json(CredentialsJson {
        client_id: rotated.app.sid.to_string(),
        client_secret: rotated.secret.expose().to_owned(),
        authorization_url: rotated.app.authorization_url(auth.issuer()),
        previous_secret_expires_at: rotated.previous_expires_at.map(|at| at.to_rfc3339()),
        app: AppJson::new(&rotated.app, service.now()),
    }))
}

/// End the grace period of the older secret now: it stops at once, and no secret is made
#[utoipa::path(post, path = "/v1/apps/{sid}/secret/end-grace", tag = "apps", security(("session" = [])),
    params(
        ("sid" = String, Path, description = "OQ…"),
        ("If-Match" = Option<String>, Header, description = "The ETag as read; a newer app answers 412"),
    ),
    responses(
        (status = 200, description = "The app with only its current secret", body = AppJson),
        (status = 403, body = ApiErrorJson),
        (status = 404, body = ApiErrorJson),
        (status = 409, description = "No secret is in a grace period", body = ApiErrorJson),
        (status = 412, description = "Changed by someone else since the If-Match version was read", body = ApiErrorJson),
    ))]
async fn end_grace(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    Path(app): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let app = service
        .end_grace(&signed_in.user, &sid(&app)?, expected)
        .await
        .map_err(|error| edit_refusal(expected.is_some(), error))?;
    Ok(app_response(&app, &service))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// One owner's events; every owner whose apps the user manages when left out.
    #[serde(rename = "OwnerSid")]
    owner_sid: Option<String>,
    #[serde(rename = "AppSid")]
    app_sid: Option<String>,
    /// `oauth-apps.created`, `.updated`, `.deleted` or `.secret-rotated`.
    #[serde(rename = "EventType")]
    event_type: Option<String>,
}

/// Audit events, newest first
#[utoipa::path(get, path = "/v1/audit-events", tag = "audit", security(("session" = [])),
    params(AuditQuery, PageQuery),
    responses((status = 200, body = AuditEventListJson), (status = 400, body = ApiErrorJson)))]
async fn audit_events(
    State(auth): State<AuthorizationServer>,
    signed_in: SignedIn,
    Query(query): Query<AuditQuery>,
    Query(paging): Query<PageQuery>,
) -> Result<Json<AuditEventListJson>, ApiError> {
    let filter = AuditFilter {
        owner: query.owner_sid.as_deref().map(sid).transpose()?,
        app: query.app_sid.as_deref().map(sid).transpose()?,
        event_type: query
            .event_type
            .as_deref()
            .map(str::parse::<AuditEventType>)
            .transpose()
            .map_err(|e| ApiError::BadRequest(e.to_string()))?,
        page_size: paging.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
        after: paging.page_token.clone(),
    };
    let page = auth.service().audit_events(&signed_in.user, filter).await?;
    let events = page.items.iter().map(AuditEventJson::from).collect();
    let filters: Vec<(&str, &str)> = [
        ("OwnerSid", &query.owner_sid),
        ("AppSid", &query.app_sid),
        ("EventType", &query.event_type),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value.as_deref()?)))
    .collect();
    let meta = page_meta(
        &auth,
        "/v1/audit-events",
        &filters,
        &paging,
        page.next,
        "events",
    );
    Ok(Json(AuditEventListJson { events, meta }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// Only this owner's apps (AC… or OR…) [default: every owner whose apps the user manages].
    #[serde(rename = "OwnerSid")]
    owner_sid: Option<String>,
}

/// The definitions of apps, keyed by client ID, as `oauth-console export` writes them; never a
/// secret
#[utoipa::path(get, path = "/v1/export", tag = "apps", security(("session" = [])),
    params(ExportQuery),
    responses((status = 200, body = AppsFileJson), (status = 403, body = ApiErrorJson),
        (status = 404, body = ApiErrorJson)))]
async fn export_apps(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    Query(query): Query<ExportQuery>,
) -> Result<Json<AppsFileJson>, ApiError> {
    let owner = query.owner_sid.as_deref().map(sid).transpose()?;
    let definitions = service.export_apps(&signed_in.user, owner.as_ref()).await?;
    Ok(Json(AppsFileJson::from(&definitions)))
}

/// Make the apps match a file: create, update, and with `prune` delete, in one commit; with
/// `dry_run` only the plan. Created apps' secrets are in the answer, shown this once
#[utoipa::path(post, path = "/v1/import", tag = "apps", security(("session" = [])),
    request_body = ImportRequestJson,
    responses(
        (status = 200, body = ImportResultJson),
        (status = 400, description = "An entry breaks a rule; each message names the entry, the field and the limit; nothing was written", body = ApiErrorJson),
        (status = 403, body = ApiErrorJson),
        (status = 404, body = ApiErrorJson),
        (status = 409, body = ApiErrorJson),
    ))]
async fn import_apps(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    JsonBody(body): JsonBody<ImportRequestJson>,
) -> Result<Json<ImportResultJson>, ApiError> {
    let definitions = body
        .file
        .into_definitions()
        .map_err(ServiceError::Invalid)?;
    let mode = ImportMode {
        dry_run: body.dry_run,
        prune: body.prune,
    };
    let outcome = service
        .import_apps(&signed_in.user, &definitions, mode)
        .await?;
    Ok(Json(ImportResultJson::new(&outcome, mode.dry_run)))
}

/// An organization's authorized applications, newest first
#[utoipa::path(get, path = "/v1/owners/{owner_sid}/authorizations", tag = "authorizations",
    security(("session" = [])),
    params(("owner_sid" = String, Path, description = "OR…"), AuthorizationFilter, PageQuery),
    responses((status = 200, body = AuthorizationListJson), (status = 403, body = ApiErrorJson),
        (status = 404, body = ApiErrorJson)))]
async fn authorized_apps(
    State(auth): State<AuthorizationServer>,
    signed_in: SignedIn,
    Path(owner): Path<String>,
    Query(filter): Query<AuthorizationFilter>,
    Query(paging): Query<PageQuery>,
) -> Result<Json<AuthorizationListJson>, ApiError> {
    let owner = sid(&owner)?;
    let app = filter.app.as_deref().map(sid).transpose()?;
    let page_size = paging.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let page = auth
        .service()
        .authorized_apps(
            &signed_in.user,
            &owner,
            app.as_ref(),
            page_size,
            paging.page_token.clone(),
        )
        .await?;
    let authorizations = page.items.iter().map(AuthorizationJson::from).collect();
    let path = format!("/v1/owners/{owner}/authorizations");
    let kept: Vec<(&str, &str)> = filter.app.iter().map(|app| ("App", app.as_str())).collect();
    let meta = page_meta(&auth, &path, &kept, &paging, page.next, "authorizations");
    Ok(Json(AuthorizationListJson {
        authorizations,
        meta,
    }))
}

/// Revoke an authorization: its refresh and access tokens stop working at once
#[utoipa::path(delete, path = "/v1/authorizations/{sid}", tag = "authorizations",
    security(("session" = [])),
    params(("sid" = String, Path, description = "AZ…")),
    responses((status = 200, description = "The authorization as revoked", body = AuthorizationJson),
        (status = 404, body = ApiErrorJson)))]
async fn revoke_authorization(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    Path(authorization): Path<String>,
) -> Result<Json<AuthorizationJson>, ApiError> {
    let revoked = service
        .revoke_authorization(&signed_in.user, &sid(&authorization)?)
        .await?;
    Ok(Json(AuthorizationJson::from(&revoked)))
}

/// Users who share an owner with the signed-in user
#[utoipa::path(get, path = "/v1/users", tag = "users", security(("session" = [])),
    responses((status = 200, body = UserListJson), (status = 401, body = ApiErrorJson)))]
async fn list_users(
    State(auth): State<AuthorizationServer>,
    signed_in: SignedIn,
) -> Result<Json<UserListJson>, ApiError> {
    let users = auth.service().users(&signed_in.user).await?;
    let users: Vec<UserJson> = users.iter().map(UserJson::from).collect();
    let meta = single_page(&auth, "/v1/users", users.len(), "users");
    Ok(Json(UserListJson { users, meta }))
}

/// Add a user with a role for one owner
#[utoipa::path(post, path = "/v1/users", tag = "users", security(("session" = [])),
    request_body = NewUserJson,
    responses(
        (status = 201, description = "The user, and the generated password if none was given (shown once)", body = UserAddedJson),
        (status = 400, body = ApiErrorJson),
        (status = 403, description = "Only Owners and Administrators add users", body = ApiErrorJson),
        (status = 409, description = "The username is taken", body = ApiErrorJson),
    ))]
async fn add_user(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    JsonBody(body): JsonBody<NewUserJson>,
) -> Result<(StatusCode, Json<UserAddedJson>), ApiError> {
    let new = body.into_new_user().map_err(ApiError::BadRequest)?;
    let (user, password) = service.add_user(&signed_in.user, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserAddedJson {
            user: UserJson::from(&user),
            password: password.map(|p| p.expose().to_owned()),
        }),
    ))
}

/// Mark a user read-only, or lift it
#[utoipa::path(post, path = "/v1/users/{username}", tag = "users", security(("session" = [])),
    params(("username" = String, Path, description = "The user to change")),
    request_body = UserUpdateJson,
    responses(
        (status = 200, description = "The user as changed", body = UserJson),
        (status = 400, body = ApiErrorJson),
        (status = 403, description = "Only an Owner or Administrator of each of the user's owners, never for themselves", body = ApiErrorJson),
        (status = 404, description = "No such user among the caller's owners", body = ApiErrorJson),
    ))]
async fn update_user(
    State(service): State<ConsoleService>,
    signed_in: SignedIn,
    Path(username): Path<String>,
    JsonBody(body): JsonBody<UserUpdateJson>,
) -> Result<Json<UserJson>, ApiError> {
    let user = service
        .set_read_only(&signed_in.user, &username, body.read_only)
        .await?;
    Ok(Json(UserJson::from(&user)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ScopeQuery {
    /// The scopes for this owner's apps (accounts and organizations have different ones);
    /// account scopes when left out.
    #[serde(rename = "OwnerSid")]
    owner_sid: Option<String>,
}

/// The scopes an app may be given, by product area
#[utoipa::path(get, path = "/v1/scopes", tag = "scopes", security(("session" = [])),
    params(ScopeQuery),
    responses((status = 200, body = ScopeListJson), (status = 401, body = ApiErrorJson)))]
async fn list_scopes(
    State(auth): State<AuthorizationServer>,
    _signed_in: SignedIn,
    Query(query): Query<ScopeQuery>,
) -> Result<Json<ScopeListJson>, ApiError> {
    let kind = match query.owner_sid.as_deref() {
        Some(owner) => OwnerKind::of(&sid(owner)?),
        None => OwnerKind::Account,
    };
    let scopes: Vec<ScopeJson> = scopes::catalog()
        .for_owner(kind)
        .map(ScopeJson::from)
        .collect();
    let meta = single_page(&auth, "/v1/scopes", scopes.len(), "scopes");
    Ok(Json(ScopeListJson { scopes, meta }))
}
