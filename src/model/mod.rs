//! The domain: pure types and the rules they obey, with no I/O. Every other layer depends on this
//! one and this one on none of them.

mod app;
mod audit;
mod authorization;
mod definitions;
mod owner;
mod requests;
pub mod scopes;
mod secret;
mod session;
mod sid;
mod signing_key;
mod time;
mod view;

pub use app::*;
pub use audit::{AuditEvent, AuditEventType, UnknownEventType};
pub use authorization::{
    Authorization, AuthorizationCode, CODE_TTL, InvalidRefreshTokenTtl, MIN_REFRESH_TOKEN_TTL,
    NONCE_MAX_CHARS, PkceError, REFRESH_TOKEN_TTL, RefreshToken, RefreshTokenTtl, STATE_MAX_CHARS,
    narrowed_scopes, requested_scopes, s256_challenge, validate_code_challenge,
    validate_request_text, verify_pkce,
};
pub use definitions::{
    AppDefinition, AppDefinitions, ImportAction, ImportItem, ImportMode, ImportOutcome,
    OwnerDefinitions,
};
pub use owner::{
    GeneratedPassword, Membership, Owner, OwnerAccess, OwnerKind, Role, UnknownRole, User, UserRef,
    started_read_only,
};
pub use requests::{AppOrder, AppUpdate, AuditFilter, ListApps, NewApp, NewUser, Page};
pub use secret::{
    ClientSecret, DEFAULT_GRACE_PERIOD, GraceEnded, MAX_ACTIVE_SECRETS, MAX_GRACE_PERIOD, Rotation,
    SecretDigest, SecretRecord, end_grace, rotate, verify,
};
pub use session::{SESSION_TTL, Session, SessionToken};
pub use sid::{InvalidSid, SID_LEN, Sid, SidKind};
pub use signing_key::{PrivateKeyDer, SigningAlg, SigningKeyRecord, UnknownSigningAlg};
pub use time::{InvalidDuration, Seconds, Timestamp};
pub use view::{AppView, SecretView, UserView};
