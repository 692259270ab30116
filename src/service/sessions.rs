//! Management-API sessions: a username and password buy a short-lived bearer token; every request
//! with it acts as that user until it expires or the user signs out. Only the token's digest is
//! stored, so a copy of the data directory holds no usable session.

use crate::metrics::SessionEvent;
use crate::model::{SESSION_TTL, SecretDigest, Session, SessionToken, Sid, User};
use crate::store::Write;

use super::{ConsoleService, Result, ServiceError};

/// A session just started: the token, shown once, and whose it is.
pub struct StartedSession {
    pub token: SessionToken,
    pub session: Session,
    pub user: User,
}

impl ConsoleService {
    /// Signs in and starts a session of [`SESSION_TTL`].
    pub async fn start_session(&self, username: &str, password: &str) -> Result<StartedSession> {
        let user = match self.sign_in(username, password).await {
            Ok(user) => user,
            Err(refused) => {
                if matches!(refused, ServiceError::BadCredentials) {
                    self.metrics.session(SessionEvent::Refused);
                }
                return Err(refused);
            }
        };
        let mut random = [0; 32];
        self.entropy.fill(&mut random);
        let token = SessionToken::from_random(random);
        let now = self.clock.now();
        let session = Session {
            digest: token.digest(),
            user: user.sid.clone(),
            created_at: now,
            expires_at: now.plus(SESSION_TTL),
        };
        self.commit(vec![Write::PutSession(session.clone())])
            .await?;
        self.metrics.session(SessionEvent::Started);
        Ok(StartedSession {
            token,
            session,
            user,
        })
    }

    /// The user a session token acts as, while the session lasts.
    pub async fn session_user(&self, token: &str) -> Result<Sid> {
        Ok(self.session(token).await?.user)
    }

    /// The session of a token while it lasts: who, and since when (the sign-in pages' `auth_time`).
    pub async fn session(&self, token: &str) -> Result<Session> {
        match self.store.session(&SecretDigest::of(token)).await? {
            Some(session) if session.is_active(self.clock.now()) => Ok(session),
            _ => Err(ServiceError::NotSignedIn(
                "the session token is unknown, expired or signed out; sign in again with POST /v1/sessions".into(),
            )),
        }
    }

    /// Signs out: the token stops working at once.
    pub async fn end_session(&self, token: &str) -> Result<()> {
        self.session_user(token).await?;
        self.commit(vec![Write::DeleteSession(SecretDigest::of(token))])
            .await?;
        self.metrics.session(SessionEvent::Ended);
        Ok(())
    }
}
