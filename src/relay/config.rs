//! `relay.toml`: the relay's configuration, read once at start-up.
//!
//! ```toml
//! [relay]
//! listen = "0.0.0.0:443"                     # HTTPS for relatives and boxes
//! public_url = "https://relay.example.org"   # what links and pairing codes name
//! state_dir = "/var/lib/homecall-relay"      # paired boxes; the ACME account and certificate
//! callers_per_box = 4                        # signalling sockets through to one box
//!
//! [tls]                                      # a certificate the family already has …
//! certificate = "/etc/homecall-relay/fullchain.pem"
//! key = "/etc/homecall-relay/privkey.pem"
//!
//! [acme]                                     # … or one fetched and renewed over ACME
//! domain = "relay.example.org"
//! directory = "https://acme-v02.api.letsencrypt.org/directory"
//! contact = "family@example.org"
//! http_listen = "0.0.0.0:80"                 # HTTP-01 challenges (and a redirect to https)
//!
//! [limits]                                   # as the box's [limits]
//! ```
//! Without `[tls]` or `[acme]` the relay serves plain HTTP, which it allows
//! only on loopback (development and tests). Errors name the file, the line
//! and the reason, as the box's configuration does.

use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::{invalid_at, read, ConfigError};
use crate::limits::{Limits, RawLimits};

/// The validated relay configuration.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub listen: SocketAddr,
    /// How relatives and boxes reach the relay, without a trailing slash.
    pub public_url: String,
    pub state_dir: PathBuf,
    pub callers_per_box: usize,
    pub certificate: RelayCertificate,
    pub limits: Limits,
}

/// Where the relay's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayCertificate {
    /// PEM files the family already has.
    Files { certificate: PathBuf, key: PathBuf },
    /// Fetched and renewed over ACME (RFC 8555).
    Acme(AcmeConfig),
    /// None: plain HTTP, on loopback only.
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeConfig {
    pub domain: String,
    pub directory: String,
    pub contact: Option<String>,
    pub http_listen: SocketAddr,
    /// A PEM root to trust for the ACME server itself (a private ACME server).
    pub directory_root: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct Raw {
    relay: RawRelay,
    tls: Option<RawTls>,
    acme: Option<RawAcme>,
    limits: RawLimits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawRelay {
    listen: Spanned<String>,
    public_url: Option<Spanned<String>>,
    state_dir: String,
    callers_per_box: Spanned<usize>,
}

impl Default for RawRelay {
    fn default() -> Self {
        Self {
            listen: Spanned::new(0..0, "127.0.0.1:8090".into()),
            public_url: None,
            state_dir: "/var/lib/homecall-relay".into(),
            callers_per_box: Spanned::new(0..0, 4),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    certificate: String,
    key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAcme {
    domain: Spanned<String>,
    directory: Spanned<String>,
    contact: Option<String>,
    #[serde(default = "default_http_listen")]
    http_listen: Spanned<String>,
    directory_root: Option<String>,
}

fn default_http_listen() -> Spanned<String> {
    Spanned::new(0..0, "0.0.0.0:80".into())
}

impl RelayConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::parse(path, &read(path)?)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let invalid =
            |span: Option<Range<usize>>, reason: String| invalid_at(path, text, span, reason);
        let raw: Raw =
            toml::from_str(text).map_err(|e| invalid(e.span(), e.message().to_owned()))?;
        let address = |s: &Spanned<String>, name: &str| {
            s.get_ref().parse::<SocketAddr>().map_err(|_| {
                invalid(
                    Some(s.span()),
                    format!("{name} = {:?} is not an address and port", s.get_ref()),
                )
            })
        };
        let listen = address(&raw.relay.listen, "listen")?;
        let certificate = match (raw.tls, raw.acme) {
            (Some(_), Some(acme)) => {
                return Err(invalid(
                    Some(acme.domain.span()),
                    "[tls] and [acme] both given: choose one".into(),
                ))
            }
            (Some(t), None) => RelayCertificate::Files {
                certificate: t.certificate.into(),
                key: t.key.into(),
            },
            (None, Some(a)) => {
                let directory = a.directory.get_ref();
                if !directory.starts_with("https://") {
                    return Err(invalid(
                        Some(a.directory.span()),
                        "the ACME directory must be an https:// address".into(),
                    ));
                }
                RelayCertificate::Acme(AcmeConfig {
                    domain: a.domain.get_ref().clone(),
                    directory: directory.clone(),
                    contact: a.contact,
                    http_listen: address(&a.http_listen, "http_listen")?,
                    directory_root: a.directory_root.map(PathBuf::from),
                })
            }
            (None, None) if listen.ip().is_loopback() => RelayCertificate::Plain,
            (None, None) => {
                return Err(invalid(
                    Some(raw.relay.listen.span()),
                    "a relay off loopback needs a certificate: add [tls] or [acme]".into(),
                ))
            }
        };
        let scheme = match certificate {
            RelayCertificate::Plain => "http",
            _ => "https",
        };
        let public_url = match &raw.relay.public_url {
            Some(url) => {
                let u = url.get_ref().trim_end_matches('/');
                if !u.starts_with(&format!("{scheme}://")) {
                    return Err(invalid(
                        Some(url.span()),
                        format!("public_url must start with {scheme}://"),
                    ));
                }
                u.to_owned()
            }
            None => match &certificate {
                RelayCertificate::Acme(a) => format!("https://{}", a.domain),
                _ => format!("{scheme}://{listen}"),
            },
        };
        let callers_per_box = *raw.relay.callers_per_box.get_ref();
        if !(1..=16).contains(&callers_per_box) {
            return Err(invalid(
                Some(raw.relay.callers_per_box.span()),
                "callers_per_box must be between 1 and 16".into(),
            ));
        }
        let limits = raw
            .limits
            .validate()
            .map_err(|(span, reason)| invalid(Some(span), reason))?;
        Ok(Self {
            listen,
            public_url,
            state_dir: PathBuf::from(raw.relay.state_dir),
            callers_per_box,
            certificate,
            limits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RelayConfig, ConfigError> {
        RelayConfig::parse(Path::new("relay.toml"), text)
    }

    #[test]
    fn loopback_may_be_plain_and_elsewhere_needs_a_certificate() {
        let c = parse("[relay]\nstate_dir = \"/tmp/r\"\n").expect("valid");
        assert_eq!(c.certificate, RelayCertificate::Plain);
        assert_eq!(c.public_url, "http://127.0.0.1:8090");
        let e = parse("[relay]\nlisten = \"0.0.0.0:443\"\n").expect_err("no certificate");
        assert_eq!(
            e.to_string(),
            "relay.toml, line 2: a relay off loopback needs a certificate: add [tls] or [acme]"
        );
    }

    #[test]
    fn acme_names_the_public_address() {
        let c = parse(
            "[relay]\nlisten = \"0.0.0.0:443\"\n[acme]\ndomain = \"relay.example.org\"\n\
             directory = \"https://acme.example/dir\"\n",
        )
        .expect("valid");
        assert_eq!(c.public_url, "https://relay.example.org");
        assert!(
            matches!(c.certificate, RelayCertificate::Acme(ref a) if a.http_listen.port() == 80)
        );
        let e =
            parse("[acme]\ndomain = \"r\"\ndirectory = \"http://acme\"\n").expect_err("plain ACME");
        assert!(
            e.to_string()
                .contains("line 3: the ACME directory must be an https://"),
            "{e}"
        );
    }
}
