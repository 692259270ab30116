//! Client authentication: does this client ID and secret belong to a live app? The token endpoint
//! asks this on every request, so it is one store read and a digest compare — no slow KDF.

use crate::model::{OAuthApp, Sid, verify};

use super::{ConsoleService, Result, ServiceError};

impl ConsoleService {
    /// The app whose active secret `secret` is. Unknown, deleted and wrong-secret clients get the
    /// same refusal, so a caller cannot probe which client IDs exist.
    pub async fn authenticate_client(&self, client_id: &str, secret: &str) -> Result<OAuthApp> {
        let Ok(sid) = client_id.parse::<Sid>() else {
            return Err(ServiceError::BadClient);
        };
        let app = self.store.app(&sid).await?.ok_or(ServiceError::BadClient)?;
        if verify(&app.secrets, secret, self.clock.now()).is_some() {
            Ok(app)
        } else {
            Err(ServiceError::BadClient)
        }
    }
}
