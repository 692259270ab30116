//! Creating, reading, changing, rotating and deleting OAuth apps. Each change commits the app and
//! its audit event together.

use crate::model::{
    self, AppSettings, AppUpdate, AuditEvent, AuditEventType, ClientSecret, Field, FieldChange,
    FieldError, GrantType, ListApps, NewApp, OAuthApp, Page, Role, Seconds, SecretRecord, Sid,
    SidKind, Timestamp, User,
};
use crate::store::{AppQuery, Expect, Write};

use super::{ConsoleService, Result, ServiceError, retrying};

/// The app and its first secret, which is shown now and never again.
pub struct CreatedApp {
    pub app: OAuthApp,
    pub secret: ClientSecret,
}

/// The new secret, shown once, and when the previous one stops working.
pub struct RotatedSecret {
    pub app: OAuthApp,
    pub secret: ClientSecret,
    pub grace_period: Seconds,
    pub previous_expires_at: Option<Timestamp>,
}

/// Pages hold 1 to this many items.
pub const MAX_PAGE_SIZE: usize = 1000;
/// The page size when none is asked for (0), as in Twilio's APIs.
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// The page size asked for, within 1 to [`MAX_PAGE_SIZE`]; 0 means the default.
pub(super) fn page_size(asked: usize) -> usize {
    match asked {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    }
}

impl ConsoleService {
    pub async fn create_app(&self, actor: &Sid, new: NewApp) -> Result<CreatedApp> {
        let user = self.changer(actor, "create apps").await?;
        if let Some(region) = &new.region {
            model::validate_region(region)?;
        }
        let owner = self.owner_managed_by(&user, &new.owner).await?;
        let settings = new.settings.validate(owner.kind(), new.grant_type)?;
        scopes_for_role(&user, &owner.sid, &settings.scopes)?;
        let now = self.clock.now();
        let secret = self.new_secret();
        let app = OAuthApp {
            sid: self.new_sid(SidKind::OAuthApp),
            owner: owner.sid,
            grant_type: new.grant_type,
            secrets: vec![SecretRecord::new(&secret, now, user.reference())],
            created_at: now,
            updated_at: now,
            created_by: user.reference(),
            version: 1,
            settings,
        };
        let changes = AppSettings::default().changes_to(&app.settings);
        let event = self.audit_event(AuditEventType::AppCreated, &app, &user, changes);
        self.save_app(&app, Expect::Absent, event).await?;
        Ok(CreatedApp { app, secret })
    }

    pub async fn apps(&self, actor: &Sid, owner: &Sid, list: ListApps) -> Result<Page<OAuthApp>> {
        let user = self.actor(actor).await?;
        self.owner_managed_by(&user, owner).await?;
        let query = AppQuery {
            owner: owner.clone(),
            order: list.order,
            name_contains: list.name_contains.filter(|n| !n.trim().is_empty()),
            page_size: page_size(list.page_size),
            after: list.after,
        };
        Ok(self.store.apps(&query).await?)
    }

    pub async fn app(&self, actor: &Sid, app: &Sid) -> Result<OAuthApp> {
        let user = self.actor(actor).await?;
        self.managed_app(&user, app).await
    }

    /// The app, if it exists and `user` may manage its owner's apps.
    async fn managed_app(&self, user: &User, sid: &Sid) -> Result<OAuthApp> {
        let not_found = || ServiceError::NotFound {
            what: "OAuth app",
            id: sid.to_string(),
        };
        let app = self.store.app(sid).await?.ok_or_else(not_found)?;
        match self.owner_managed_by(user, &app.owner).await {
            Err(ServiceError::NotFound { .. }) => Err(not_found()),
            Err(other) => Err(other),
            Ok(_) => Ok(app),
        }
    }

    pub async fn update_app(&self, actor: &Sid, sid: &Sid, update: AppUpdate) -> Result<OAuthApp> {
        let user = self.changer(actor, "change apps").await?;
        retrying(|| self.try_update(&user, sid, &update)).await
    }

    async fn try_update(&self, user: &User, sid: &Sid, update: &AppUpdate) -> Result<OAuthApp> {
        let current = self.managed_app(user, sid).await?;
        still_at(&current, update.expected_version)?;
        let settings = update
            .apply_to(&current.settings)
            .validate(current.owner_kind(), current.grant_type)?;
        scopes_for_role(user, &current.owner, &settings.scopes)?;
        let changes = current.settings.changes_to(&settings);
        if changes.is_empty() {
            return Ok(current);
        }
        let now = self.clock.now();
        let app = OAuthApp {
            settings,
            updated_at: now,
            version: current.version + 1,
            ..current.clone()
        };
        let event = self.audit_event(AuditEventType::AppUpdated, &app, user, changes);
        self.save_app(&app, Expect::Version(current.version), event)
            .await?;
        Ok(app)
    }

    /// Issues a new secret; the previous one keeps working for `grace` (0 ends it at once), and a
    /// secret older than that ends now, so that at most two are ever active.
    pub async fn rotate_secret(
        &self,
        actor: &Sid,
        sid: &Sid,
        grace: Seconds,
    ) -> Result<RotatedSecret> {
        model::validate_grace_period(grace)?;
        let user = self.changer(actor, "rotate secrets").await?;
        retrying(|| self.try_rotate(&user, sid, grace)).await
    }

    async fn try_rotate(&self, user: &User, sid: &Sid, grace: Seconds) -> Result<RotatedSecret> {
        let current = self.managed_app(user, sid).await?;
        may_handle_secrets_of(user, &current, "rotate its secret")?;
        let now = self.clock.now();
        let secret = self.new_secret();
        let rotation = model::rotate(
            &current.secrets,
            SecretRecord::new(&secret, now, user.reference()),
            now,
            grace,
        );
        let app = OAuthApp {
            secrets: rotation.secrets,
            updated_at: now,
            version: current.version + 1,
            ..current.clone()
        };
        let mut changes = vec![FieldChange::new(
            Field::GracePeriod.label(),
            "",
            &grace.to_string(),
        )];
        if let Some(end) = rotation.previous_expires_at {
            changes.push(FieldChange::new(
                "previous secret valid until",
                "",
                &end.to_rfc3339(),
            ));
        }
        let event = self.audit_event(AuditEventType::SecretRotated, &app, user, changes);
        self.save_app(&app, Expect::Version(current.version), event)
            .await?;
        Ok(RotatedSecret {
            app,
            secret,
            grace_period: grace,
            previous_expires_at: rotation.previous_expires_at,
        })
    }

    /// Ends the grace period of the app's older secret now: it stops working at once (this
    /// process's client authentication forgets the app with the commit), the newest secret
    /// carries on, and no secret is made. Refused when no secret is in a grace period. Whoever
    /// may rotate the secret may end its grace; `expected_version` as in
    /// [`AppUpdate::expected_version`], so that a console ends the secret it showed.
    pub async fn end_grace(
        &self,
        actor: &Sid,
        sid: &Sid,
        expected_version: Option<u64>,
    ) -> Result<OAuthApp> {
        let user = self.changer(actor, "end grace periods").await?;
        retrying(|| self.try_end_grace(&user, sid, expected_version)).await
    }

    async fn try_end_grace(
        &self,
        user: &User,
        sid: &Sid,
        expected_version: Option<u64>,
    ) -> Result<OAuthApp> {
        let current = self.managed_app(user, sid).await?;
        still_at(&current, expected_version)?;
        may_handle_secrets_of(user, &current, "end the grace period of its secret")?;
        let now = self.clock.now();
        let Some(ended) = model::end_grace(&current.secrets, now) else {
            return Err(ServiceError::Conflict(format!(
                "OAuth app '{}' has no secret in a grace period: only its current secret works, so there is nothing to end (rotating makes a new secret)",
                current.settings.name
            )));
        };
        let app = OAuthApp {
            secrets: ended.secrets,
            updated_at: now,
            version: current.version + 1,
            ..current.clone()
        };
        let was_valid_until = ended.ended.expires_at.map(Timestamp::to_rfc3339);
        let changes = vec![
            FieldChange::new("secret ended", "", &ended.ended.short_id()),
            FieldChange::new(
                "previous secret valid until",
                was_valid_until.as_deref().unwrap_or("no expiry"),
                &now.to_rfc3339(),
            ),
        ];
        let event = self.audit_event(AuditEventType::SecretGraceEnded, &app, user, changes);
        self.save_app(&app, Expect::Version(current.version), event)
            .await?;
        Ok(app)
    }

    /// Writes `app` and the audit event recording the change in one commit: both or neither.
    async fn save_app(&self, app: &OAuthApp, expect: Expect, event: AuditEvent) -> Result<()> {
        self.commit(vec![
            Write::PutApp {
                app: app.clone(),
                expect,
            },
            Write::AddAuditEvent(event),
        ])
        .await?;
        Ok(())
    }

    /// Deletes the app; its secrets stop working at once. `expected_version` as in
    /// [`AppUpdate::expected_version`].
    pub async fn delete_app(
        &self,
        actor: &Sid,
        sid: &Sid,
        expected_version: Option<u64>,
    ) -> Result<OAuthApp> {
        let user = self.changer(actor, "delete apps").await?;
        retrying(|| self.try_delete(&user, sid, expected_version)).await
    }

    async fn try_delete(
        &self,
        user: &User,
        sid: &Sid,
        expected_version: Option<u64>,
    ) -> Result<OAuthApp> {
        let current = self.managed_app(user, sid).await?;
        still_at(&current, expected_version)?;
        // Deleting an authorization-code app revokes its access at once (seed 002): every
        // authorization ends in the same commit, listed under the deletion that caused it.
        let mut writes = match current.grant_type {
            GrantType::AuthorizationCode => self.revocations_of_app(&current, user).await?,
            GrantType::ClientCredentials => Vec::new(),
        };
        let event = self.audit_event(AuditEventType::AppDeleted, &current, user, Vec::new());
        writes.extend([
            Write::DeleteApp {
                app: current.clone(),
                expect: Expect::Version(current.version),
            },
            Write::AddAuditEvent(event),
        ]);
        self.commit(writes).await?;
        Ok(current)
    }

    pub(super) fn new_secret(&self) -> ClientSecret {
        let mut random = [0; 32];
        self.entropy.fill(&mut random);
        ClientSecret::from_random(random)
    }

    pub(super) fn audit_event(
        &self,
        event_type: AuditEventType,
        app: &OAuthApp,
        actor: &User,
        changes: Vec<FieldChange>,
    ) -> AuditEvent {
        AuditEvent {
            sid: self.new_sid(SidKind::AuditEvent),
            event_type,
            owner: app.owner.clone(),
            app: app.sid.clone(),
            app_name: app.settings.name.clone(),
            actor: actor.reference(),
            at: self.clock.now(),
            changes,
        }
    }
}

/// An app's secrets are its power: whoever may not give the app its scopes may not take a new
/// secret for it, nor end one that its clients may still use. `doing` is what was refused.
fn may_handle_secrets_of(user: &User, app: &OAuthApp, doing: &str) -> Result<()> {
    let role = user.role_for(&app.owner);
    match role.and_then(|role| model::scopes::scope_beyond_role(role, &app.settings.scopes)) {
        Some(scope) => Err(ServiceError::Forbidden(format!(
            "app {} has scope '{scope}', which manages people and their roles: only an Owner or Administrator of {} may {doing} (you are {})",
            app.sid,
            app.owner,
            role.map_or("not a member", Role::name),
        ))),
        None => Ok(()),
    }
}

/// [`model::scopes::check_scopes_for_role`] for `user`'s role at `owner`, which the caller has
/// already found `user` to manage apps for.
fn scopes_for_role(user: &User, owner: &Sid, scopes: &[String]) -> Result<()> {
    let Some(role) = user.role_for(owner) else {
        return Err(ServiceError::NotFound {
            what: "owner",
            id: owner.to_string(),
        });
    };
    model::scopes::check_scopes_for_role(role, scopes, owner.as_str())?;
    Ok(())
}

/// Refuses a change made from a view of `app` older than its current version, when one is named.
fn still_at(app: &OAuthApp, expected_version: Option<u64>) -> Result<()> {
    match expected_version {
        Some(expected) if expected != app.version => Err(changed_elsewhere(app)),
        _ => Ok(()),
    }
}

fn changed_elsewhere(current: &OAuthApp) -> ServiceError {
    ServiceError::Conflict(format!(
        "app {} was changed elsewhere (now at version {}); reload it and make your change again",
        current.sid, current.version
    ))
}

impl From<FieldError> for ServiceError {
    fn from(error: FieldError) -> ServiceError {
        ServiceError::Invalid(error.into())
    }
}
