//! Records as the people who manage them see them: what the console and the CLI show, read from
//! the service in this process or from a server's management API alike. A view holds only what
//! may leave the service — an app's secrets are described, never their digests; a user has no
//! password hash — so a view read over the network lacks nothing that one read locally has.

use super::{
    AppSettings, GrantType, Membership, OAuthApp, OwnerKind, Role, SecretRecord, Sid, Timestamp,
    User, UserRef,
};

/// An OAuth app as its managers see it: everything but its secrets' digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppView {
    pub sid: Sid,
    pub owner: Sid,
    pub grant_type: GrantType,
    pub settings: AppSettings,
    /// The secrets that work now, oldest first.
    pub secrets: Vec<SecretView>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub created_by: UserRef,
    /// The version an edit starts from, so that a save over someone else's change is refused.
    pub version: u64,
}

/// One secret that works: which it is, when it was made and by whom, and when it stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretView {
    /// [`SecretRecord::short_id`]: tells the secrets apart, gives nothing of them away.
    pub id: String,
    pub created_at: Timestamp,
    /// `None` for secrets stored before their maker was recorded.
    pub created_by: Option<UserRef>,
    /// `None` for the newest secret, which works until the next rotation.
    pub expires_at: Option<Timestamp>,
}

impl SecretView {
    fn of(record: &SecretRecord) -> SecretView {
        SecretView {
            id: record.short_id(),
            created_at: record.created_at,
            created_by: record.created_by.clone(),
            expires_at: record.expires_at,
        }
    }
}

impl AppView {
    /// `app` as it is at `now`: only the secrets still active then are listed.
    pub fn of(app: &OAuthApp, now: Timestamp) -> AppView {
        let mut secrets: Vec<SecretView> = app
            .secrets
            .iter()
            .filter(|secret| secret.is_active(now))
            .map(SecretView::of)
            .collect();
        secrets.sort_by_key(|secret| secret.created_at);
        AppView {
            sid: app.sid.clone(),
            owner: app.owner.clone(),
            grant_type: app.grant_type,
            settings: app.settings.clone(),
            secrets,
            created_at: app.created_at,
            updated_at: app.updated_at,
            created_by: app.created_by.clone(),
            version: app.version,
        }
    }

    pub fn client_id(&self) -> &Sid {
        &self.sid
    }

    pub fn owner_kind(&self) -> OwnerKind {
        OwnerKind::of(&self.owner)
    }

    /// Where a person is sent to authorize an authorization-code app (seed 002), on the server
    /// whose issuer URL is given; `None` for client-credentials apps.
    pub fn authorization_url(&self, issuer: &str) -> Option<String> {
        super::app::authorization_url(&self.sid, self.grant_type, &self.settings, issuer)
    }

    /// The secret still in its grace period beside the newest one, when there are two: the one a
    /// rotation now would end at once, and the one "end grace" ends.
    pub fn secret_in_grace(&self) -> Option<&SecretView> {
        match self.secrets.as_slice() {
            [.., older, _newest] => Some(older),
            _ => None,
        }
    }
}

/// A person who signs in, as others see them: no password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserView {
    pub sid: Sid,
    pub username: String,
    pub roles: Vec<Membership>,
    pub created_at: Timestamp,
    /// Every change this user asks for is refused; the console hides them.
    pub read_only: bool,
}

impl UserView {
    /// The user's role for this owner; `None` when the user does not belong to it.
    pub fn role_for(&self, owner: &Sid) -> Option<Role> {
        self.roles
            .iter()
            .find(|membership| &membership.owner == owner)
            .map(|membership| membership.role)
    }

    pub fn reference(&self) -> UserRef {
        UserRef {
            sid: self.sid.clone(),
            username: self.username.clone(),
        }
    }
}

impl From<&User> for UserView {
    fn from(user: &User) -> UserView {
        UserView {
            sid: user.sid.clone(),
            username: user.username.clone(),
            roles: user.roles.clone(),
            created_at: user.created_at,
            read_only: user.read_only,
        }
    }
}
