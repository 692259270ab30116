//! The authorization-code flow's rules (seed 002): checking an authorization request, a person's
//! approval, exchanging a code, rotating refresh tokens, and listing and revoking authorized
//! applications. Minting the access and ID tokens is the token module's; this one decides what
//! may be minted.

use crate::metrics::AuthorizationEvent;
use crate::model::{
    self, AuditEvent, AuditEventType, Authorization, AuthorizationCode, CODE_TTL, ClientSecret,
    FieldChange, GrantType, NONCE_MAX_CHARS, OAuthApp, Page, RefreshToken, STATE_MAX_CHARS,
    SecretDigest, Sid, SidKind, Timestamp, User, UserRef,
};
use crate::store::{AuthorizationQuery, Expect, Granting, StoreError, Write};

use super::apps::page_size;
use super::{ConsoleService, Result, ServiceError, retrying};

/// The scope that asks for a refresh token.
const OFFLINE_ACCESS: &str = model::scopes::OFFLINE_ACCESS;

/// `GET /v2/authorize` as received.
#[derive(Debug, Clone, Default)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: Option<String>,
    pub response_type: String,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
}

/// A request that may be shown to a person for consent.
#[derive(Debug, Clone)]
pub struct ValidAuthorizationRequest {
    pub app: OAuthApp,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
}

/// Why an authorization request was refused, and whether the client may be told at its redirect
/// URL (RFC 6749 §4.1.2.1): never when the client or the redirect URL cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error("{0}")]
    NoRedirect(String),
    /// The request could not be checked: a fault of the server, not of the request.
    #[error(transparent)]
    Fault(#[from] ServiceError),
    #[error("{description}")]
    Redirect {
        redirect_uri: String,
        /// An RFC 6749 §4.1.2.1 error code.
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

/// Why a token request for the authorization-code or refresh-token grant was refused; the
/// `Display` is the `error_description`.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    InvalidScope(String),
    #[error("{0}")]
    UnauthorizedClient(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for GrantError {
    fn from(error: StoreError) -> GrantError {
        GrantError::Service(error.into())
    }
}

/// Who is about to approve a request, for the consent page: they may.
#[derive(Debug, Clone)]
pub struct Approver {
    pub username: String,
    /// The name of the organization the app acts for.
    pub owner_name: String,
}

/// What a successful exchange or refresh grants: the token module mints from it.
pub struct Grant {
    pub authorization: Authorization,
    pub user: User,
    /// The scopes of the access token: the authorization's, or fewer when narrowed.
    pub scopes: Vec<String>,
    /// The ID token's `nonce`: the authorization request's on a code exchange, none on a refresh
    /// (OpenID Connect Core §12.2).
    pub nonce: Option<String>,
    /// When the person who approved signed in, for the ID token's `auth_time`.
    pub auth_time: Option<Timestamp>,
    /// Shown once to the client; present when `offline_access` was granted.
    pub refresh_token: Option<ClientSecret>,
}

impl ConsoleService {
    /// Checks `/v2/authorize`'s parameters against the app: an unknown client or a redirect URL
    /// that is not registered exactly gets an error page; anything else wrong goes back to the
    /// client's redirect URL with `error` and `state`.
    pub async fn check_authorization_request(
        &self,
        request: AuthorizationRequest,
    ) -> Result<ValidAuthorizationRequest, AuthorizeError> {
        let unknown = || {
            AuthorizeError::NoRedirect(format!(
                "client_id '{}' is not an OAuth app here; check the authorization URL",
                request.client_id
            ))
        };
        let sid: Sid = request.client_id.parse().map_err(|_| unknown())?;
        let app = self
            .store
            .app(&sid)
            .await
            .map_err(ServiceError::from)?
            .ok_or_else(unknown)?;
        if app.grant_type != GrantType::AuthorizationCode {
            return Err(AuthorizeError::NoRedirect(format!(
                "{} is a client-credentials app; only authorization-code apps have an authorization URL",
                app.settings.name
            )));
        }
        let registered = &app.settings.redirect_uris;
        let redirect_uri = match &request.redirect_uri {
            Some(uri) if registered.contains(uri) => uri.clone(),
            Some(uri) => {
                return Err(AuthorizeError::NoRedirect(format!(
                    "redirect_uri '{uri}' is not registered for {}; it must match one of its redirect URLs exactly",
                    app.settings.name
                )));
            }
            None if registered.len() == 1 => registered[0].clone(),
            None => {
                return Err(AuthorizeError::NoRedirect(
                    "redirect_uri is required: this app has several redirect URLs".into(),
                ));
            }
        };
        let refuse = |error: &'static str, description: String| AuthorizeError::Redirect {
            redirect_uri: redirect_uri.clone(),
            error,
            description,
            state: request.state.clone(),
        };
        if let Some(state) = &request.state
            && let Err(why) = model::validate_request_text("state", state, STATE_MAX_CHARS)
        {
            // Not echoed: the state is what is refused.
            return Err(AuthorizeError::Redirect {
                redirect_uri,
                error: "invalid_request",
                description: why,
                state: None,
            });
        }
        if let Some(nonce) = &request.nonce
            && let Err(why) = model::validate_request_text("nonce", nonce, NONCE_MAX_CHARS)
        {
            return Err(refuse("invalid_request", why));
        }
        if request.response_type != "code" {
            return Err(refuse(
                "unsupported_response_type",
                format!(
                    "response_type must be code, not '{}'",
                    request.response_type
                ),
            ));
        }
        let scopes = match model::requested_scopes(&app.settings.scopes, request.scope.as_deref()) {
            Ok(scopes) => scopes,
            Err(why) => return Err(refuse("invalid_scope", why)),
        };
        match (&request.code_challenge, &request.code_challenge_method) {
            (Some(challenge), method) => {
                if let Err(why) = model::validate_code_challenge(challenge, method.as_deref()) {
                    return Err(refuse("invalid_request", why.to_owned()));
                }
            }
            (None, Some(_)) => {
                return Err(refuse(
                    "invalid_request",
                    "code_challenge_method was sent without a code_challenge".into(),
                ));
            }
            (None, None) => {}
        }
        Ok(ValidAuthorizationRequest {
            app,
            redirect_uri,
            scopes,
            state: request.state,
            code_challenge: request.code_challenge,
            nonce: request.nonce,
        })
    }

    /// Whether the signed-in person may approve this request (a Developer, Administrator or Owner
    /// of the app's organization), and what the consent page says about them. A person of
    /// another organization is told they may not, as one whose role is too small is.
    pub async fn approver(
        &self,
        actor: &Sid,
        request: &ValidAuthorizationRequest,
    ) -> Result<Approver> {
        let user = self.actor(actor).await?;
        self.refuse_read_only(&user, "approve apps")?;
        match self.owner_managed_by(&user, &request.app.owner).await {
            Ok(owner) => Ok(Approver {
                username: user.username,
                owner_name: owner.name,
            }),
            Err(ServiceError::NotFound { .. }) => Err(ServiceError::Forbidden(format!(
                "{} is not a member of the organization that {} belongs to; only its Owners, Administrators and Developers may approve it",
                user.username, request.app.settings.name
            ))),
            Err(other) => Err(other),
        }
    }

    /// A person approved the request: records (or renews) their authorization of the app and
    /// issues a code, valid five minutes and once, for the client to exchange. `auth_time` is
    /// when they signed in.
    pub async fn approve(
        &self,
        actor: &Sid,
        auth_time: Timestamp,
        request: &ValidAuthorizationRequest,
    ) -> Result<ClientSecret> {
        let user = self.changer(actor, "approve apps").await?;
        let app = &request.app;
        self.owner_managed_by(&user, &app.owner).await?;
        // The token would act with the scopes approved: no one approves what they could not do.
        let role = user.role_for(&app.owner);
        if let Some(scope) =
            role.and_then(|role| model::scopes::scope_beyond_role(role, &request.scopes))
        {
            return Err(ServiceError::Forbidden(format!(
                "the app asks for '{scope}', which manages people and their roles: only an Owner or Administrator of {} may approve it (you are {})",
                app.owner,
                role.map_or("not a member", model::Role::name),
            )));
        }
        let done = retrying(|| self.try_approve(&user, auth_time, request)).await;
        if done.is_ok() {
            self.metrics.authorization(AuthorizationEvent::Approved);
        }
        done
    }

    /// One attempt at recording the approval: it conflicts when a concurrent approval created the
    /// authorization, or a grant or revocation changed it, since it was read.
    async fn try_approve(
        &self,
        user: &User,
        auth_time: Timestamp,
        request: &ValidAuthorizationRequest,
    ) -> Result<ClientSecret> {
        let app = &request.app;
        let now = self.clock.now();
        let existing = self.active_authorization(app, &user.sid).await?;
        let mut writes = Vec::new();
        let authorization = match existing {
            Some(current) => {
                let mut scopes = current.scopes.clone();
                for scope in &request.scopes {
                    if !scopes.contains(scope) {
                        scopes.push(scope.clone());
                    }
                }
                let renewed = Authorization {
                    scopes,
                    last_used_at: now,
                    version: current.version + 1,
                    ..current.clone()
                };
                writes.push(Write::PutAuthorization {
                    authorization: renewed.clone(),
                    expect: Expect::Version(current.version),
                });
                renewed
            }
            None => {
                let created = Authorization {
                    sid: self.new_sid(SidKind::Authorization),
                    app: app.sid.clone(),
                    app_name: app.settings.name.clone(),
                    owner: app.owner.clone(),
                    user: user.reference(),
                    scopes: request.scopes.clone(),
                    created_at: now,
                    last_used_at: now,
                    revoked_at: None,
                    version: 1,
                };
                let scopes = FieldChange::new("scopes", "", &created.scopes.join(" "));
                writes.push(self.authorization_event(
                    AuditEventType::AppAuthorized,
                    &created,
                    user.reference(),
                    vec![scopes],
                ));
                writes.push(Write::PutAuthorization {
                    authorization: created.clone(),
                    expect: Expect::Absent,
                });
                created
            }
        };
        let code = self.new_secret();
        writes.push(Write::AddAuthorizationCode(AuthorizationCode {
            digest: code.digest(),
            authorization: authorization.sid.clone(),
            app: app.sid.clone(),
            user: user.sid.clone(),
            redirect_uri: request.redirect_uri.clone(),
            scopes: request.scopes.clone(),
            code_challenge: request.code_challenge.clone(),
            nonce: request.nonce.clone(),
            auth_time: Some(auth_time),
            expires_at: now.plus(CODE_TTL),
            redeemed: false,
        }));
        self.commit(writes).await?;
        Ok(code)
    }

    /// Exchanges a code for a grant. A code used twice is a replay: refused, and the
    /// authorization it came from is revoked, ending every token issued under it.
    pub async fn exchange_code(
        &self,
        app: &OAuthApp,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
    ) -> Result<Grant, GrantError> {
        require_authorization_code_app(app)?;
        let digest = SecretDigest::of(code);
        let invalid = |why: &str| GrantError::InvalidGrant(why.to_owned());
        let Granting {
            credential: found,
            authorization,
            user,
        } = self
            .store
            .code_granting(&digest)
            .await?
            .filter(|granting| granting.credential.app == app.sid)
            .ok_or_else(|| invalid("the code is unknown or was issued to another client"))?;
        if found.redeemed {
            return Err(self.replayed(&found.authorization, Replay::Code).await);
        }
        if self.clock.now() >= found.expires_at {
            return Err(invalid("the code has expired: codes last 5 minutes"));
        }
        if redirect_uri != Some(found.redirect_uri.as_str()) {
            return Err(invalid(
                "redirect_uri must be the one the code was requested with",
            ));
        }
        model::verify_pkce(found.code_challenge.as_deref(), code_verifier)
            .map_err(|e| invalid(&e.to_string()))?;
        let authorization = live(authorization)?;
        let user =
            user.ok_or_else(|| invalid("the user who authorized this code no longer exists"))?;
        let scopes = current_scopes(&found.scopes, app);
        let refresh_token = scopes
            .iter()
            .any(|s| s == OFFLINE_ACCESS)
            .then(|| self.new_secret());
        let authorization = self
            .commit_grant(
                Write::RedeemAuthorizationCode(digest),
                Replay::Code,
                authorization,
                |authorization| {
                    refresh_token
                        .iter()
                        .map(|token| {
                            self.new_refresh_token(token, authorization, &scopes, found.auth_time)
                        })
                        .collect()
                },
            )
            .await?;
        Ok(Grant {
            authorization,
            user,
            scopes,
            nonce: found.nonce,
            auth_time: found.auth_time,
            refresh_token,
        })
    }

    /// Uses a refresh token: it is spent and a new one issued with the same scopes, less any the
    /// app no longer has; the access token's scopes may be narrowed by `scope`, never widened. A spent token presented again
    /// revokes the whole authorization (it was stolen or replayed).
    pub async fn refresh(
        &self,
        app: &OAuthApp,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> Result<Grant, GrantError> {
        require_authorization_code_app(app)?;
        let digest = SecretDigest::of(refresh_token);
        let invalid = |why: &str| GrantError::InvalidGrant(why.to_owned());
        let Granting {
            credential: found,
            authorization,
            user,
        } = self
            .store
            .refresh_granting(&digest)
            .await?
            .filter(|granting| granting.credential.app == app.sid)
            .ok_or_else(|| {
                invalid("the refresh token is unknown or was issued to another client")
            })?;
        if found.spent {
            return Err(self
                .replayed(&found.authorization, Replay::RefreshToken)
                .await);
        }
        if self.clock.now() >= found.expires_at {
            return Err(invalid(
                "the refresh token has expired; authorize the app again",
            ));
        }
        // The app's scopes now, not those it had at approval: a scope removed since is not
        // granted again, and without offline_access there is no refresh at all.
        let current = current_scopes(&found.scopes, app);
        if !current.iter().any(|s| s == OFFLINE_ACCESS) {
            return Err(invalid(
                "the app no longer has offline_access, so its refresh tokens no longer work; authorize the app again",
            ));
        }
        let scopes = model::narrowed_scopes(&current, scope).map_err(GrantError::InvalidScope)?;
        let authorization = live(authorization)?;
        let user =
            user.ok_or_else(|| invalid("the user who authorized this app no longer exists"))?;
        let next = self.new_secret();
        let authorization = self
            .commit_grant(
                Write::SpendRefreshToken(digest),
                Replay::RefreshToken,
                authorization,
                |authorization| {
                    vec![self.new_refresh_token(&next, authorization, &current, found.auth_time)]
                },
            )
            .await?;
        Ok(Grant {
            authorization,
            user,
            scopes,
            nonce: None,
            auth_time: found.auth_time,
            refresh_token: Some(next),
        })
    }

    /// `POST /v2/revoke` with a refresh token of `app` (RFC 7009 §2.1): the authorization it
    /// belongs to ends, and with it this refresh token, its successors and every access token
    /// issued under the authorization. A token unknown or of another client is left alone.
    pub async fn revoke_refresh_token(&self, app: &OAuthApp, token: &str) -> Result<()> {
        let found = self
            .store
            .refresh_token(&SecretDigest::of(token))
            .await?
            .filter(|t| t.app == app.sid);
        match found {
            Some(found) => {
                self.revoke_on_servers_account(
                    &found.authorization,
                    "refresh token revoked by the client",
                )
                .await?;
                self.metrics.authorization(AuthorizationEvent::Revoked);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Whether tokens issued under this authorization still work: for introspection and the
    /// permission check.
    pub async fn authorization_is_active(&self, sid: &Sid) -> Result<bool> {
        Ok(self
            .store
            .authorization(sid)
            .await?
            .is_some_and(|a| a.is_active()))
    }

    /// The organization's authorized applications, newest first; only `app`'s when given.
    pub async fn authorized_apps(
        &self,
        actor: &Sid,
        owner: &Sid,
        app: Option<&Sid>,
        page_size_asked: usize,
        after: Option<String>,
    ) -> Result<Page<Authorization>> {
        let user = self.actor(actor).await?;
        self.owner_managed_by(&user, owner).await?;
        let query = AuthorizationQuery {
            owner: owner.clone(),
            app: app.cloned(),
            include_revoked: false,
            page_size: page_size(page_size_asked),
            after,
        };
        Ok(self.store.authorizations(&query).await?)
    }

    /// Revokes an authorization: its refresh and access tokens stop working at once.
    pub async fn revoke_authorization(&self, actor: &Sid, sid: &Sid) -> Result<Authorization> {
        let user = self.changer(actor, "revoke authorizations").await?;
        let done = retrying(|| self.try_revoke_authorization(&user, sid)).await;
        if done.is_ok() {
            self.metrics.authorization(AuthorizationEvent::Revoked);
        }
        done
    }

    /// One attempt at an admin's revocation: it conflicts when a grant touched the authorization
    /// since it was read, and is then read again, so that a refresh never outlasts it.
    async fn try_revoke_authorization(&self, user: &User, sid: &Sid) -> Result<Authorization> {
        let not_found = || ServiceError::NotFound {
            what: "authorization",
            id: sid.to_string(),
        };
        let current = self
            .store
            .authorization(sid)
            .await?
            .filter(Authorization::is_active)
            .ok_or_else(not_found)?;
        match self.owner_managed_by(user, &current.owner).await {
            Err(ServiceError::NotFound { .. }) => return Err(not_found()),
            other => other?,
        };
        let (revoked, writes) = self.revocation(&current, user.reference(), "revoked by an admin");
        self.commit(writes).await?;
        Ok(revoked)
    }

    /// The writes that revoke every active authorization of `app`, for deleting it.
    pub(super) async fn revocations_of_app(
        &self,
        app: &OAuthApp,
        actor: &User,
    ) -> Result<Vec<Write>> {
        let mut writes = Vec::new();
        for authorization in self.active_authorizations_of(app).await? {
            writes.extend(
                self.revocation(&authorization, actor.reference(), "app deleted")
                    .1,
            );
        }
        Ok(writes)
    }

    async fn active_authorization(
        &self,
        app: &OAuthApp,
        user: &Sid,
    ) -> Result<Option<Authorization>> {
        let all = self.active_authorizations_of(app).await?;
        Ok(all.into_iter().find(|a| &a.user.sid == user))
    }

    /// Every active authorization of `app`, page after page.
    async fn active_authorizations_of(&self, app: &OAuthApp) -> Result<Vec<Authorization>> {
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .authorizations(&AuthorizationQuery {
                    owner: app.owner.clone(),
                    app: Some(app.sid.clone()),
                    include_revoked: false,
                    page_size: super::apps::MAX_PAGE_SIZE,
                    after,
                })
                .await?;
            found.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(found),
            }
        }
    }

    /// Commits a grant: `spend` (redeeming the code or spending the refresh token), a touch of
    /// `authorization` (marked used now), and `more` writes made for it, together. Only `spend`
    /// refused is a replay. The touch is refused only when the authorization was revoked or
    /// deleted since it was read, and then nothing was written; other grants of it at the same
    /// time touch it too without refusing one another, so none has to try again.
    async fn commit_grant(
        &self,
        spend: Write,
        replay: Replay,
        authorization: Authorization,
        more: impl FnOnce(&Authorization) -> Vec<Write>,
    ) -> Result<Authorization, GrantError> {
        const SPEND: usize = 0;
        const TOUCH: usize = 1;
        let touch = Write::TouchAuthorization {
            sid: authorization.sid.clone(),
            at: self.clock.now(),
        };
        let mut writes = vec![spend, touch];
        writes.extend(more(&authorization));
        match self.commit(writes).await {
            Ok(()) => Ok(authorization),
            Err(StoreError::Conflict { write: SPEND, .. }) => {
                Err(self.replayed(&authorization.sid, replay).await)
            }
            Err(StoreError::Conflict { write: TOUCH, .. }) => Err(revoked()),
            Err(error) => Err(ServiceError::from(error).into()),
        }
    }

    /// Revokes the authorization after a replay, and says why the request is refused.
    async fn replayed(&self, authorization: &Sid, replay: Replay) -> GrantError {
        match self
            .revoke_on_servers_account(authorization, replay.reason())
            .await
        {
            Ok(()) => {
                self.metrics
                    .authorization(AuthorizationEvent::RevokedOnReplay);
                GrantError::InvalidGrant(replay.refusal().to_owned())
            }
            Err(error) => error.into(),
        }
    }

    /// Revokes with the server as the actor: after a replayed code or refresh token, or when the
    /// client revokes a refresh token. After a replay the revocation commits even though the
    /// request that caused it is refused, so the thief's tokens stop working too.
    async fn revoke_on_servers_account(&self, sid: &Sid, why: &str) -> Result<()> {
        retrying(|| self.try_revoke_on_servers_account(sid, why)).await
    }

    /// One attempt: it conflicts when the authorization changed since it was read — a
    /// concurrent grant touched it, or someone else revoked it — and is then read again. A
    /// conflict is never taken for "already revoked": after a replay that would leave the thief's
    /// tokens working whenever the client refreshed another token at the same moment.
    async fn try_revoke_on_servers_account(&self, sid: &Sid, why: &str) -> Result<()> {
        let Some(current) = self
            .store
            .authorization(sid)
            .await?
            .filter(Authorization::is_active)
        else {
            return Ok(());
        };
        let server = UserRef {
            sid: current.app.clone(),
            username: "oauth-server".into(),
        };
        let (_, writes) = self.revocation(&current, server, why);
        Ok(self.commit(writes).await?)
    }

    fn revocation(
        &self,
        current: &Authorization,
        actor: UserRef,
        why: &str,
    ) -> (Authorization, Vec<Write>) {
        let now = self.clock.now();
        let revoked = Authorization {
            revoked_at: Some(now),
            version: current.version + 1,
            ..current.clone()
        };
        let writes = vec![
            Write::PutAuthorization {
                authorization: revoked.clone(),
                expect: Expect::Version(current.version),
            },
            self.authorization_event(
                AuditEventType::AuthorizationRevoked,
                &revoked,
                actor,
                vec![
                    FieldChange::new("authorized by", "", &current.user.username),
                    FieldChange::new("reason", "", why),
                ],
            ),
        ];
        (revoked, writes)
    }

    /// Records that the authorization was used now, for the Authorized applications list.
    fn new_refresh_token(
        &self,
        token: &ClientSecret,
        authorization: &Authorization,
        scopes: &[String],
        auth_time: Option<Timestamp>,
    ) -> Write {
        Write::AddRefreshToken(RefreshToken {
            digest: token.digest(),
            authorization: authorization.sid.clone(),
            app: authorization.app.clone(),
            scopes: scopes.to_vec(),
            auth_time,
            expires_at: self.clock.now().plus(self.refresh_token_ttl.get()),
            spent: false,
        })
    }

    fn authorization_event(
        &self,
        event_type: AuditEventType,
        authorization: &Authorization,
        actor: UserRef,
        changes: Vec<FieldChange>,
    ) -> Write {
        Write::AddAuditEvent(AuditEvent {
            sid: self.new_sid(SidKind::AuditEvent),
            event_type,
            owner: authorization.owner.clone(),
            app: authorization.app.clone(),
            app_name: authorization.app_name.clone(),
            actor,
            at: self.clock.now(),
            changes,
        })
    }
}

/// What was presented a second time.
#[derive(Clone, Copy)]
enum Replay {
    Code,
    RefreshToken,
}

impl Replay {
    /// For the audit event of the revocation.
    fn reason(self) -> &'static str {
        match self {
            Replay::Code => "authorization code used twice",
            Replay::RefreshToken => "refresh token used twice",
        }
    }

    /// For the client's `error_description`.
    fn refusal(self) -> &'static str {
        match self {
            Replay::Code => {
                "the code was already used; every token issued from it has been revoked"
            }
            Replay::RefreshToken => {
                "the refresh token was already used; the authorization has been revoked"
            }
        }
    }
}

/// The scopes of `granted` that `app` still holds: an approval is for the app's scopes as they
/// are, and a scope removed from the app is not granted from an older code or refresh token.
/// The authorization a grant was issued under, unless it is gone or revoked.
fn live(authorization: Option<Authorization>) -> Result<Authorization, GrantError> {
    authorization
        .filter(Authorization::is_active)
        .ok_or_else(revoked)
}

fn revoked() -> GrantError {
    GrantError::InvalidGrant("the authorization has been revoked".into())
}

fn current_scopes(granted: &[String], app: &OAuthApp) -> Vec<String> {
    model::scopes::still_granted(granted.iter().map(String::as_str), &app.settings.scopes)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn require_authorization_code_app(app: &OAuthApp) -> Result<(), GrantError> {
    if app.grant_type == GrantType::AuthorizationCode {
        Ok(())
    } else {
        Err(GrantError::UnauthorizedClient(format!(
            "{} is a client-credentials app; it may not use this grant type",
            app.settings.name
        )))
    }
}
