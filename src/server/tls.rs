//! HTTPS without a proxy: `serve --tls-cert FILE --tls-key FILE`.
//!
//! rustls over the aws-lc-rs provider that reqwest already builds; ALPN offers HTTP/2 and
//! HTTP/1.1, and hyper's automatic builder serves whichever the client speaks. [`connections`]
//! makes the handshake part of a connection's life, so the same cap and idle timeout hold while
//! it runs, also for a client that starts a handshake and never finishes it.
//!
//! The certificate is read again by [`Tls::reload`] (SIGHUP in `serve`): handshakes after it
//! present the new one, connections already open keep the session they have, and a file that
//! does not load leaves the old certificate in place.
//!
//! [`connections`]: super::connections

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio_rustls::TlsAcceptor;

/// The PEM files `serve` was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, the server's own certificate first.
    pub cert: PathBuf,
    /// Its private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC).
    pub key: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {why}", path.display())]
    Read { path: PathBuf, why: std::io::Error },
    #[error(
        "{} holds no certificate: it needs PEM (-----BEGIN CERTIFICATE-----), the server's certificate first",
        path.display()
    )]
    NoCertificate { path: PathBuf },
    #[error("{} is not valid PEM: {why}", path.display())]
    NotPem { path: PathBuf, why: String },
    #[error(
        "{} holds no private key: it needs PEM (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)",
        path.display()
    )]
    NoKey { path: PathBuf },
    #[error("the key in {} cannot sign for TLS: {why}", key.display())]
    UnusableKey { key: PathBuf, why: String },
    #[error(
        "the key in {} is not the key of the certificate in {}: give the pair made together",
        key.display(), cert.display()
    )]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("TLS cannot be set up: {0}")]
    Setup(String),
}

/// The server's certificate, replaceable while connections use it.
pub struct Tls {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: Arc<RwLock<Arc<CertifiedKey>>>,
    /// For connections given a place: HTTP/2 or HTTP/1.1, by ALPN.
    acceptor: TlsAcceptor,
    /// For connections refused at the cap: their 503 is HTTP/1.1, so that is all ALPN offers.
    refusal_acceptor: TlsAcceptor,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls").field("files", &self.files).finish()
    }
}

impl Tls {
    /// Reads the certificate and key, refusing a pair that does not belong together.
    pub fn load(files: TlsFiles) -> Result<Arc<Tls>, TlsError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let current = Arc::new(RwLock::new(certified_key(&files, &provider)?));
        let acceptor = |protocols: &[&[u8]]| {
            let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|error| TlsError::Setup(error.to_string()))?
                .with_no_client_auth()
                .with_cert_resolver(Arc::new(Resolver(current.clone())));
            config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
            Ok::<_, TlsError>(TlsAcceptor::from(Arc::new(config)))
        };
        Ok(Arc::new(Tls {
            acceptor: acceptor(&[b"h2", b"http/1.1"])?,
            refusal_acceptor: acceptor(&[b"http/1.1"])?,
            files,
            provider,
            current,
        }))
    }

    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// Reads the files again; on success new handshakes present what they hold, on failure the
    /// certificate in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let loaded = certified_key(&self.files, &self.provider)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = loaded;
        Ok(())
    }

    pub(super) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    pub(super) fn refusal_acceptor(&self) -> &TlsAcceptor {
        &self.refusal_acceptor
    }
}

/// Answers every handshake with the certificate of the moment.
#[derive(Debug)]
struct Resolver(Arc<RwLock<Arc<CertifiedKey>>>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.0
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

fn certified_key(
    files: &TlsFiles,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let chain = read(&files.cert)?;
    let certs = CertificateDer::pem_slice_iter(&chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| not_pem(&files.cert, &error))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: files.cert.clone(),
        });
    }
    let key = read(&files.key)?;
    let key = match PrivateKeyDer::from_pem_slice(&key) {
        Ok(key) => key,
        Err(rustls::pki_types::pem::Error::NoItemsFound) => {
            return Err(TlsError::NoKey {
                path: files.key.clone(),
            });
        }
        Err(error) => return Err(not_pem(&files.key, &error)),
    };
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|error| TlsError::UnusableKey {
            key: files.key.clone(),
            why: error.to_string(),
        })?;
    let certified = CertifiedKey::new(certs, signing_key);
    match certified.keys_match() {
        Ok(()) => Ok(Arc::new(certified)),
        Err(rustls::Error::InconsistentKeys(_)) => Err(TlsError::KeyMismatch {
            cert: files.cert.clone(),
            key: files.key.clone(),
        }),
        Err(error) => Err(TlsError::NotPem {
            path: files.cert.clone(),
            why: format!("its first certificate does not parse: {error}"),
        }),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|why| TlsError::Read {
        path: path.to_owned(),
        why,
    })
}

fn not_pem(path: &Path, error: &rustls::pki_types::pem::Error) -> TlsError {
    TlsError::NotPem {
        path: path.to_owned(),
        why: error.to_string(),
    }
}

/// Takes over SIGHUP now (its default ends the process), and answers each one, in the future
/// returned, by reading the certificate again, saying in the log what happened.
#[cfg(unix)]
pub fn reload_on_hangup(
    tls: Arc<Tls>,
) -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    Ok(async move {
        while hangups.recv().await.is_some() {
            match tls.reload() {
                Ok(()) => tracing::info!(
                    cert = %tls.files.cert.display(),
                    "reloaded the TLS certificate; new connections get it"
                ),
                Err(error) => tracing::error!(
                    %error,
                    "the TLS certificate was not reloaded; the one loaded before stays in use"
                ),
            }
        }
    })
}
