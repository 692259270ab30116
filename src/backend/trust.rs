//! Which certificates an https server may present to the backends: one the platform's CAs
//! signed, or, with `--ca-cert FILE`, only one the CA in that file signed (as curl's `--cacert`),
//! for a private CA or a self-signed certificate. The remote backend and the token tool build
//! their HTTP clients from it, so both verify the server the same way.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read the CA certificate {}: {why}", path.display())]
    Read { path: PathBuf, why: std::io::Error },
    #[error(
        "{} holds no CA certificate: it needs PEM (-----BEGIN CERTIFICATE-----)",
        path.display()
    )]
    NoCertificate { path: PathBuf },
    #[error("the CA certificate {} is not valid PEM: {why}", path.display())]
    NotPem { path: PathBuf, why: String },
}

/// The roots an HTTP client of this program verifies servers against.
#[derive(Debug, Clone, Default)]
pub struct ServerTrust {
    /// `None`: the platform's CAs.
    private_ca: Option<Vec<reqwest::Certificate>>,
}

impl ServerTrust {
    /// The platform's CAs, as a browser would trust.
    pub fn platform() -> ServerTrust {
        ServerTrust::default()
    }

    /// Only the CA certificates in the PEM file at `path`.
    pub fn private_ca(path: &Path) -> Result<ServerTrust, TrustError> {
        let pem = std::fs::read(path).map_err(|why| TrustError::Read {
            path: path.to_owned(),
            why,
        })?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| TrustError::NotPem {
                path: path.to_owned(),
                why: error.to_string(),
            })?;
        if certs.is_empty() {
            return Err(TrustError::NoCertificate {
                path: path.to_owned(),
            });
        }
        Ok(ServerTrust {
            private_ca: Some(certs),
        })
    }

    /// A client builder that verifies servers against these roots.
    pub fn client(&self) -> reqwest::ClientBuilder {
        let builder = reqwest::Client::builder();
        match &self.private_ca {
            None => builder,
            Some(certs) => builder.tls_certs_only(certs.iter().cloned()),
        }
    }
}

/// What a failed connection had against the server's certificate, if that is why it failed:
/// rustls's reason, found down `error`'s sources (an I/O error carries it inside).
pub fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(invalid @ rustls::Error::InvalidCertificate(_)) =
            error.downcast_ref::<rustls::Error>()
        {
            return Some(invalid.to_string());
        }
        // An I/O error's `source` skips the error it wraps, which may be rustls's.
        cause = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    None
}
