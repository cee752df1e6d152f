//! Reading a certificate chain and its key, and deciding when it is due for
//! renewal. Pure functions over bytes and times; the caller does the I/O.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::PublicKeyData;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use x509_parser::extensions::GeneralName;

/// Renewal is due at the latest this long before a certificate expires.
pub(crate) const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);

/// What a usable chain's leaf says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Leaf {
    pub not_before: SystemTime,
    pub not_after: SystemTime,
}

impl Leaf {
    /// When renewal is due: when 30 days are left, or a third of the
    /// lifetime, whichever comes later (so a 90-day certificate renews with
    /// 30 days left and a 6-day one with 2 days left, not at every check).
    pub(crate) fn renew_at(&self) -> SystemTime {
        let lifetime = self
            .not_after
            .duration_since(self.not_before)
            .unwrap_or_default();
        self.not_after
            .checked_sub(RENEW_BEFORE.min(lifetime / 3))
            .unwrap_or(self.not_before)
    }
}

/// Checks that `chain_pem` holds a chain whose first certificate names
/// `domain` and belongs to the private key in `key_pem`; says what is wrong
/// otherwise (in words fit for the log).
pub(crate) fn inspect(chain_pem: &[u8], key_pem: &str, domain: &str) -> Result<Leaf, String> {
    let chain = CertificateDer::pem_slice_iter(chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the chain is not PEM ({e})"))?;
    let leaf_der = chain.first().ok_or("the chain holds no certificate")?;
    let (_, leaf) = x509_parser::parse_x509_certificate(leaf_der)
        .map_err(|e| format!("the certificate cannot be parsed ({e})"))?;

    let names = match leaf.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some(dns.to_ascii_lowercase()),
                _ => None,
            })
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => return Err(format!("its names cannot be parsed ({e})")),
    };
    if !names.iter().any(|name| name == domain) {
        return Err(format!(
            "it names {} instead of {domain}",
            if names.is_empty() {
                "no domain".to_owned()
            } else {
                names.join(", ")
            }
        ));
    }

    let key = rcgen::KeyPair::from_pem(key_pem)
        .map_err(|e| format!("the private key cannot be read ({e})"))?;
    if leaf.public_key().subject_public_key.data.as_ref() != key.der_bytes() {
        return Err("the private key does not belong to the certificate \
             (a write was interrupted?)"
            .to_owned());
    }

    let validity = leaf.validity();
    Ok(Leaf {
        not_before: system_time(validity.not_before.timestamp())?,
        not_after: system_time(validity.not_after.timestamp())?,
    })
}

fn system_time(unix_seconds: i64) -> Result<SystemTime, String> {
    u64::try_from(unix_seconds)
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
        .map_err(|_| format!("its validity ({unix_seconds}) is before 1970"))
}

/// Whole days from `now` until `then` (negative once past), for the log.
pub(crate) fn days_until(then: SystemTime, now: SystemTime) -> i64 {
    const DAY: u64 = 24 * 3600;
    match then.duration_since(now) {
        Ok(left) => (left.as_secs() / DAY) as i64,
        Err(past) => -((past.duration().as_secs() / DAY) as i64) - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn leaf(lifetime_days: u32) -> Leaf {
        let not_before = UNIX_EPOCH + 20_000 * DAY;
        Leaf {
            not_before,
            not_after: not_before + lifetime_days * DAY,
        }
    }

    #[test]
    fn a_90_day_certificate_renews_with_30_days_left() {
        let l = leaf(90);
        assert_eq!(l.renew_at(), l.not_after - 30 * DAY);
        let l = leaf(365);
        assert_eq!(l.renew_at(), l.not_after - 30 * DAY);
    }

    #[test]
    fn a_short_certificate_renews_with_a_third_left() {
        let l = leaf(6);
        assert_eq!(l.renew_at(), l.not_after - 2 * DAY);
        let l = leaf(45);
        assert_eq!(l.renew_at(), l.not_after - 15 * DAY);
    }

    #[test]
    fn days_until_counts_whole_days() {
        let now = UNIX_EPOCH + 20_000 * DAY;
        assert_eq!(days_until(now + 30 * DAY + DAY / 2, now), 30);
        assert_eq!(days_until(now, now), 0);
        assert_eq!(days_until(now - DAY / 2, now), -1);
    }

    fn self_signed(names: &[&str]) -> (String, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("params");
        let cert = params.self_signed(&key).expect("certificate");
        (cert.pem(), key)
    }

    #[test]
    fn a_matching_pair_for_the_domain_is_accepted() {
        let (chain, key) = self_signed(&["box-relay.test"]);
        let leaf =
            inspect(chain.as_bytes(), &key.serialize_pem(), "box-relay.test").expect("usable");
        assert!(leaf.not_after > leaf.not_before);
    }

    #[test]
    fn another_domain_a_foreign_key_or_garbage_is_refused_with_a_reason() {
        let (chain, key) = self_signed(&["old.example"]);
        let err = inspect(chain.as_bytes(), &key.serialize_pem(), "box-relay.test")
            .expect_err("wrong domain");
        assert!(err.contains("old.example"), "{err}");

        let (chain, _) = self_signed(&["box-relay.test"]);
        let (_, other_key) = self_signed(&["box-relay.test"]);
        let err = inspect(
            chain.as_bytes(),
            &other_key.serialize_pem(),
            "box-relay.test",
        )
        .expect_err("foreign key");
        assert!(err.contains("does not belong"), "{err}");

        let err =
            inspect(b"not pem", &other_key.serialize_pem(), "box-relay.test").expect_err("garbage");
        assert!(err.contains("no certificate"), "{err}");
    }
}
