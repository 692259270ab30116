//! People: the first start of a store, signing in, and adding users with a role for an owner.
//! Passwords are kept only as argon2id hashes.

use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::model::{
    Field, FieldError, GeneratedPassword, Membership, NewUser, Owner, OwnerAccess, OwnerKind, Role,
    Sid, SidKind, User,
};
use crate::store::{StoreError, Write};

use super::{ConsoleService, Result, ServiceError, retrying};

pub const USERNAME_MAX_CHARS: usize = 64;
pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 256;

/// What the first start of a store made, to tell the person who started it once.
pub struct Bootstrap {
    pub username: String,
    /// Set when no password was given: printed once, never stored in plain text.
    pub generated_password: Option<GeneratedPassword>,
    pub owners: Vec<Owner>,
}

/// A hash to check against when the username is unknown, so that a refusal takes as long either
/// way and does not tell who has an account.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::encode_b64(&[7; 16]).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(b"not a password of anyone", &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// How many sign-ins are checked at once, and how long one waits for its turn. Each argon2id
/// check holds 19 MiB and a core for tens of milliseconds, so without a bound 64 concurrent bad
/// sign-ins would take more than a gigabyte and every core from the token endpoint.
#[derive(Debug, Clone, Copy)]
pub struct HashingConfig {
    pub concurrent: usize,
    /// Past it the sign-in is refused as [`ServiceError::Overloaded`].
    pub wait: std::time::Duration,
}

impl Default for HashingConfig {
    /// Half the cores (at least one), so that the other half keeps serving tokens however many
    /// sign-ins arrive.
    fn default() -> HashingConfig {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        HashingConfig {
            concurrent: (cores / 2).max(1),
            wait: std::time::Duration::from_secs(1),
        }
    }
}

/// The turns at checking a password.
pub(super) struct HashingLimit {
    turns: Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
}

impl HashingLimit {
    pub(super) fn new(config: HashingConfig) -> HashingLimit {
        HashingLimit {
            turns: Arc::new(tokio::sync::Semaphore::new(config.concurrent.max(1))),
            wait: config.wait,
        }
    }

    async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
        let busy = || ServiceError::Overloaded {
            retry_after: u32::try_from(self.wait.as_secs())
                .unwrap_or(u32::MAX)
                .max(1),
        };
        tokio::time::timeout(self.wait, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())
    }
}

impl ConsoleService {
    /// Makes the first account, a subaccount, an organization and an Owner user when the store has
    /// no users; `None` when it already has.
    pub async fn bootstrap(
        &self,
        username: &str,
        password: Option<String>,
    ) -> Result<Option<Bootstrap>> {
        if !self.store.users().await?.is_empty() {
            return Ok(None);
        }
        validate_username(username)?;
        let account = Owner {
            sid: self.new_sid(SidKind::Account),
            name: "Main account".into(),
            parent: None,
        };
        let subaccount = Owner {
            sid: self.new_sid(SidKind::Account),
            name: "Staging subaccount".into(),
            parent: Some(account.sid.clone()),
        };
        let organization = Owner {
            sid: self.new_sid(SidKind::Organization),
            name: "My organization".into(),
            parent: None,
        };
        let owners = vec![account, subaccount, organization];
        let (password, generated_password) = self.password_or_generated(password)?;
        let user = User {
            sid: self.new_sid(SidKind::User),
            username: username.trim().to_owned(),
            password_hash: self.hash_password(&password)?,
            roles: owners
                .iter()
                .map(|owner| Membership {
                    owner: owner.sid.clone(),
                    role: Role::Owner,
                })
                .collect(),
            created_at: self.clock.now(),
            read_only: false,
        };
        let mut writes: Vec<Write> = owners.iter().cloned().map(Write::PutOwner).collect();
        writes.push(Write::CreateUser(user.clone()));
        match self.commit(writes).await {
            Ok(()) => {}
            // Another server over the same database made the first user between the read above
            // and this commit: that store stands, and this one was never written.
            Err(StoreError::Conflict { .. }) => return Ok(None),
            Err(other) => return Err(other.into()),
        }
        Ok(Some(Bootstrap {
            username: user.username,
            generated_password,
            owners,
        }))
    }

    /// The user a local command acts as: the one named, or else the first user of the store
    /// (whoever can read the data directory is trusted as its owner).
    pub async fn local_user(&self, username: Option<&str>) -> Result<User> {
        match username {
            Some(name) => {
                self.store
                    .user_by_name(name)
                    .await?
                    .ok_or_else(|| ServiceError::NotFound {
                        what: "user",
                        id: name.to_owned(),
                    })
            }
            None => {
                self.store
                    .users()
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| ServiceError::NotFound {
                        what: "user",
                        id: "(the store has no users yet)".into(),
                    })
            }
        }
    }

    /// The acting user, with their roles.
    pub async fn user(&self, actor: &Sid) -> Result<User> {
        self.actor(actor).await
    }

    /// Checks a username and password; the same refusal for an unknown user and a wrong password.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<User> {
        let user = self.store.user_by_name(username).await?;
        let hash = user
            .as_ref()
            .map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let password = password.to_owned();
        let turn = self.hashing.turn().await?;
        // argon2id takes tens of milliseconds on purpose: off the async workers, so that a burst
        // of sign-ins does not stall the token endpoint on the same runtime. The turn is held
        // until the check ends, even if the caller stops waiting.
        let matches = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        match user {
            Some(user) if matches => Ok(user),
            _ => Err(ServiceError::BadCredentials),
        }
    }

    /// The owners the user belongs to, accounts first, each with the user's role.
    pub async fn owners(&self, actor: &Sid) -> Result<Vec<OwnerAccess>> {
        let user = self.actor(actor).await?;
        let mut owners = Vec::new();
        for membership in &user.roles {
            if let Some(owner) = self.store.owner(&membership.owner).await? {
                owners.push(OwnerAccess {
                    owner,
                    role: membership.role,
                });
            }
        }
        owners.sort_by_key(|access| {
            let rank = match (access.owner.kind(), &access.owner.parent) {
                (OwnerKind::Account, None) => 0,
                (OwnerKind::Account, Some(_)) => 1,
                (OwnerKind::Organization, _) => 2,
            };
            (rank, access.owner.name.clone())
        });
        Ok(owners)
    }

    /// The users who share an owner with the reader, each showing only roles for the owners the
    /// reader belongs to.
    pub async fn users(&self, actor: &Sid) -> Result<Vec<User>> {
        let reader = self.actor(actor).await?;
        let visible = |owner: &Sid| reader.role_for(owner).is_some();
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter_map(|mut user| {
                user.roles.retain(|m| visible(&m.owner));
                (!user.roles.is_empty()).then_some(user)
            })
            .collect())
    }

    pub async fn add_user(
        &self,
        actor: &Sid,
        new: NewUser,
    ) -> Result<(User, Option<GeneratedPassword>)> {
        let admin = self.changer(actor, "add users").await?;
        validate_username(&new.username)?;
        let owner = self
            .owner_with_role(
                &admin,
                &new.owner,
                Role::may_manage_users,
                "add users",
                "Owner or Administrator",
            )
            .await?;
        if let Some(role) = admin.role_for(&owner.sid)
            && !role.may_give(new.role)
        {
            return Err(ServiceError::Forbidden(format!(
                "{} is {role} of {} ({}); only an Owner may make another {}",
                admin.username, owner.name, owner.sid, new.role
            )));
        }
        let (password, generated) = self.password_or_generated(new.password)?;
        let user = User {
            sid: self.new_sid(SidKind::User),
            username: new.username.trim().to_owned(),
            password_hash: self.hash_password(&password)?,
            roles: vec![Membership {
                owner: new.owner,
                role: new.role,
            }],
            created_at: self.clock.now(),
            read_only: new.read_only,
        };
        match self
            .store
            .commit(vec![Write::CreateUser(user.clone())])
            .await
        {
            Err(StoreError::Conflict { .. }) => Err(ServiceError::Conflict(format!(
                "username '{}' is taken; choose another",
                user.username
            ))),
            other => other
                .map(|()| (user, generated))
                .map_err(ServiceError::from),
        }
    }

    /// Marks `username` read-only (they may sign in and read, and every change is refused) or
    /// lifts it. Only an Owner or Administrator of every owner the user belongs to may, an
    /// Administrator not for an Owner (who could otherwise be shut out by the people they made
    /// Administrators), and nobody for themselves, who could not lift it again.
    pub async fn set_read_only(
        &self,
        actor: &Sid,
        username: &str,
        read_only: bool,
    ) -> Result<User> {
        let admin = self.changer(actor, "change users").await?;
        retrying(|| self.try_set_read_only(&admin, username, read_only)).await
    }

    async fn try_set_read_only(
        &self,
        admin: &User,
        username: &str,
        read_only: bool,
    ) -> Result<User> {
        let not_found = || ServiceError::NotFound {
            what: "user",
            id: username.to_owned(),
        };
        let user = self
            .store
            .user_by_name(username)
            .await?
            .ok_or_else(not_found)?;
        if !user
            .roles
            .iter()
            .any(|m| admin.role_for(&m.owner).is_some())
        {
            return Err(not_found());
        }
        if user.sid == admin.sid {
            return Err(ServiceError::Forbidden(format!(
                "{} may not change their own read-only flag; ask another Owner or Administrator",
                admin.username
            )));
        }
        for membership in &user.roles {
            let owner = self
                .owner_with_role(
                    admin,
                    &membership.owner,
                    Role::may_manage_users,
                    "change its users",
                    "Owner or Administrator",
                )
                .await?;
            if let Some(role) = admin.role_for(&owner.sid)
                && !role.may_give(membership.role)
            {
                return Err(ServiceError::Forbidden(format!(
                    "{} is {role} of {} ({}) and {} is its {}; only an Owner may change an Owner",
                    admin.username, owner.name, owner.sid, user.username, membership.role
                )));
            }
        }
        if user.read_only == read_only {
            return Ok(user);
        }
        let changed = User {
            read_only,
            ..user.clone()
        };
        self.commit(vec![Write::ReplaceUser {
            user: changed.clone(),
            was: user,
        }])
        .await?;
        Ok(changed)
    }

    fn password_or_generated(
        &self,
        given: Option<String>,
    ) -> Result<(String, Option<GeneratedPassword>)> {
        match given {
            Some(password) => {
                validate_password(&password)?;
                Ok((password, None))
            }
            None => {
                let mut random = [0; 18];
                self.entropy.fill(&mut random);
                let password = URL_SAFE_NO_PAD.encode(random);
                Ok((
                    password.clone(),
                    Some(GeneratedPassword::received(password)),
                ))
            }
        }
    }

    fn hash_password(&self, password: &str) -> Result<String> {
        let mut salt = [0; 16];
        self.entropy.fill(&mut salt);
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| ServiceError::Store(StoreError::Backend(format!("password salt: {e}"))))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| ServiceError::Store(StoreError::Backend(format!("password hash: {e}"))))
    }
}

pub fn validate_username(username: &str) -> Result<(), FieldError> {
    let name = username.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-@".contains(c);
    if name.is_empty() || name.chars().count() > USERNAME_MAX_CHARS || !name.chars().all(allowed) {
        return Err(FieldError::new(
            Field::Username,
            format!(
                "username '{name}' must be 1 to {USERNAME_MAX_CHARS} letters, digits or . _ - @"
            ),
        ));
    }
    Ok(())
}

pub fn validate_password(password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        Ok(())
    } else {
        Err(FieldError::new(
            Field::Password,
            format!(
                "password must be {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters; {chars} were given"
            ),
        ))
    }
}
