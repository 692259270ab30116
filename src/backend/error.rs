//! What a backend call can answer instead of a result, in the same words over the embedded store
//! and over a server: the service's refusals as it gave them, and what only a remote console
//! meets (no session, no server, an answer it cannot read).

use crate::model::ValidationErrors;
use crate::service::ServiceError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Fields that break a rule, each with its limit, so that a form can mark them.
    #[error(transparent)]
    Invalid(ValidationErrors),
    /// `resource` is the kind of record (`OAuth app`, `authorization`…), `id` what was asked for.
    #[error("{resource} {id} was not found, or you have no access to it")]
    NotFound { resource: String, id: String },
    /// The user's role does not allow it; the message names the role needed.
    #[error("{0}")]
    Forbidden(String),
    /// Someone else changed the record first, or its state refuses the change; the message says
    /// what to do.
    #[error("{0}")]
    Conflict(String),
    #[error("wrong username or password")]
    BadCredentials,
    #[error("unknown client ID or wrong client secret")]
    BadClient,
    /// No live session: not signed in yet, or the session ended.
    #[error("{0}")]
    NotSignedIn(String),
    /// A remote console cannot reach its server: refused, timed out, or not an HTTP server. The
    /// message says which server and what to do.
    #[error("{0}")]
    Unreachable(String),
    /// The server answered with what the caller can only wait out or report: too many requests,
    /// a fault of the server, or an answer this version cannot read. The message says what to do.
    #[error("{0}")]
    Remote(String),
    /// The person stopped waiting for an answer (Esc in the console). A change may have been
    /// made all the same: the request may have reached the server.
    #[error(
        "stopped waiting for the answer (Esc); if it was a change, reload to see whether it was made"
    )]
    Cancelled,
    /// Too many sign-ins are being checked at once.
    #[error("the server is busy checking other sign-ins; try again in {retry_after} seconds")]
    Overloaded { retry_after: u32 },
    /// The embedded store or the signing keys failed in this process: nothing the caller did.
    #[error("{0}")]
    Failed(String),
}

impl From<ServiceError> for BackendError {
    fn from(error: ServiceError) -> BackendError {
        match error {
            ServiceError::Invalid(errors) => BackendError::Invalid(errors),
            ServiceError::NotFound { what, id } => BackendError::NotFound {
                resource: what.to_owned(),
                id,
            },
            ServiceError::Forbidden(message) => BackendError::Forbidden(message),
            ServiceError::Conflict(message) => BackendError::Conflict(message),
            // A write that lost a race the service could not settle is a conflict to the caller,
            // as the management API answers it (409).
            ServiceError::Store(conflict @ StoreError::Conflict { .. }) => {
                BackendError::Conflict(conflict.to_string())
            }
            ServiceError::BadCredentials => BackendError::BadCredentials,
            ServiceError::BadClient => BackendError::BadClient,
            ServiceError::NotSignedIn(message) => BackendError::NotSignedIn(message),
            ServiceError::Overloaded { retry_after } => BackendError::Overloaded { retry_after },
            failure @ (ServiceError::Crypto(_) | ServiceError::Store(_)) => {
                BackendError::Failed(failure.to_string())
            }
        }
    }
}
