//! The box's TLS certificate: the one configured, or a self-signed one made
//! at first start and kept in the state directory.
//!
//! Owns loading PEM files, making the self-signed certificate (rcgen, an
//! ECDSA P-256 key), the rustls server configuration (ring, no OpenSSL) and
//! the certificate's SHA-256 fingerprint the admin page shows so the family
//! can check what their browser is told. Nothing here falls back to plain
//! text: a missing or broken file stops start-up with the file and the reason.
//! No HTTP here; `web::serve` uses the acceptor.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateSource {
    /// These PEM files (a chain, leaf first; a PKCS#8, PKCS#1 or SEC1 key).
    Files { certificate: PathBuf, key: PathBuf },
    /// Made once and kept under `dir` (`cert.pem`, `key.pem`).
    SelfSigned { dir: PathBuf, names: Vec<String> },
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(String),
    #[error("cannot keep the self-signed certificate: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// A certificate ready to serve.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate, as browsers show it ("AB:CD:…").
    pub fingerprint: String,
    /// Self-signed by the box (the browser warns; the admin checks the fingerprint).
    pub self_signed: bool,
}

impl Certificate {
    /// Loads (or, for a self-signed one, makes once and then loads) the certificate.
    pub fn load(source: &CertificateSource) -> Result<Self, TlsError> {
        match source {
            CertificateSource::Files { certificate, key } => {
                Self::from_files(certificate, key, false)
            }
            CertificateSource::SelfSigned { dir, names } => {
                let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
                if !cert.exists() && !key.exists() {
                    make_self_signed(&cert, &key, names)?;
                    tracing::info!(dir = %dir.display(), "self-signed certificate made");
                }
                Self::from_files(&cert, &key, true)
            }
        }
    }

    fn from_files(cert_path: &Path, key_path: &Path, self_signed: bool) -> Result<Self, TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let invalid = |path: &Path, reason: String| TlsError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let cert_pem = read(cert_path)?;
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(cert_path, format!("not a PEM certificate ({e})")))?;
        let Some(leaf) = chain.first() else {
            return Err(invalid(cert_path, "holds no certificate".into()));
        };
        let fingerprint = fingerprint(leaf);
        let key = PrivateKeyDer::from_pem_slice(&read(key_path)?)
            .map_err(|e| invalid(key_path, format!("holds no private key ({e})")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(cert_path, e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                invalid(
                    key_path,
                    format!("does not fit the certificate {} ({e})", cert_path.display()),
                )
            })?;
        let mut config = config;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            fingerprint,
            self_signed,
        })
    }
}

/// Makes a self-signed certificate for `names` (host names or addresses),
/// written crash-safely, key first (a certificate without its key is useless).
fn make_self_signed(cert: &Path, key: &Path, names: &[String]) -> Result<(), TlsError> {
    let generated = rcgen::generate_simple_self_signed(names.to_vec())
        .map_err(|e| TlsError::Generate(e.to_string()))?;
    crate::store::write_atomic(key, generated.signing_key.serialize_pem().as_bytes())?;
    crate::store::write_atomic(cert, generated.cert.pem().as_bytes())?;
    Ok(())
}

/// The SHA-256 fingerprint of a certificate, as browsers show it.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    Sha256::digest(cert.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed(dir: &Path) -> CertificateSource {
        CertificateSource::SelfSigned {
            dir: dir.to_owned(),
            names: vec!["homecall.local".into(), "127.0.0.1".into()],
        }
    }

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = Certificate::load(&self_signed(dir.path())).expect("made");
        assert!(first.self_signed);
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1, "{}", first.fingerprint);
        let again = Certificate::load(&self_signed(dir.path())).expect("loaded");
        assert_eq!(first.fingerprint, again.fingerprint, "kept across restarts");
    }

    #[test]
    fn broken_files_are_named_with_the_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        Certificate::load(&self_signed(dir.path())).expect("made");
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let files = || CertificateSource::Files {
            certificate: cert.clone(),
            key: key.clone(),
        };
        Certificate::load(&files()).expect("the files load as configured files too");

        std::fs::write(&key, "not a key").expect("write");
        let e = Certificate::load(&files()).expect_err("a broken key");
        assert!(
            e.to_string()
                .starts_with(&format!("{}: holds no private key", key.display())),
            "{e}"
        );

        let other = tempfile::tempdir().expect("temp dir");
        Certificate::load(&self_signed(other.path())).expect("another");
        std::fs::copy(other.path().join("key.pem"), &key).expect("copy");
        let e = Certificate::load(&files()).expect_err("a key for another certificate");
        assert!(
            e.to_string().contains("does not fit the certificate"),
            "{e}"
        );

        std::fs::write(&cert, "").expect("write");
        let e = Certificate::load(&files()).expect_err("no certificate");
        assert_eq!(
            e.to_string(),
            format!("{}: holds no certificate", cert.display())
        );

        std::fs::remove_file(&cert).expect("remove");
        let e = Certificate::load(&files()).expect_err("missing");
        assert!(
            e.to_string()
                .starts_with(&format!("cannot read {}", cert.display())),
            "{e}"
        );
    }
}
