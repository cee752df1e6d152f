//! The relay's publicly trusted certificate, obtained and renewed over ACME
//! (RFC 8555, e.g. Let's Encrypt) with the HTTP-01 challenge.
//!
//! Owns: the ACME account (made once, then reused), ordering a certificate
//! for one domain name (a fresh ECDSA P-256 key made here, its CSR,
//! finalization, the chain), keeping `fullchain.pem`, `privkey.pem` and
//! `account.json` crash-safely (through [`crate::store`]), deciding when the
//! stored certificate is due for renewal, and the renewal loop.
//!
//! Everything lives in `state_dir/<ACME server's host>/` (mode 0700), so what
//! one ACME server issued (staging) is never taken for another's (production).
//!
//! Not here: HTTP serving and TLS serving. While an order is validated this
//! module fills a [`ChallengeResponses`] map (token → key authorization); the
//! relay's port-80 listener answers `GET /.well-known/acme-challenge/{token}`
//! from it ([`ChallengeResponses::key_authorization`] or
//! [`ChallengeResponses::for_path`]) and must already be listening when
//! [`ensure_certificate`] is called. The TLS server loads the returned files
//! itself (e.g. with `crate::tls`) and reloads them when
//! [`keep_renewed`] reports a new certificate.
//!
//! Making an account accepts the ACME server's terms of service (for Let's
//! Encrypt, its Subscriber Agreement) on the family's behalf.

mod challenge;
mod stored;

pub use challenge::{ChallengeResponses, CHALLENGE_PATH_PREFIX};

use std::error::Error as StdError;
use std::fs;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use instant_acme::{
    Account, AccountBuilder, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier,
    NewAccount, NewOrder, Order, OrderStatus, Problem, RetryPolicy,
};
use serde::{Deserialize, Serialize};

use crate::store::{self, JsonFile, StoreError};
use stored::Leaf;

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory (untrusted certificates, generous limits).
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// One request to the ACME server may take this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The server may take this long to validate the challenge, and again to issue.
const VALIDATION_TIMEOUT: Duration = Duration::from_secs(90);

/// What to obtain, from where, and where to keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeSettings {
    /// The ACME server's directory (`https://…`), e.g. [`LETS_ENCRYPT`].
    pub directory_url: String,
    /// The one DNS name the certificate is for. It must resolve to the relay,
    /// whose port 80 answers the challenges. No wildcard, no IP address.
    pub domain: String,
    /// Where the ACME server may write about expiry or problems.
    pub contact_email: Option<String>,
    /// Where the account, key and certificate are kept.
    pub state_dir: PathBuf,
    /// A PEM root certificate to trust, instead of the system's roots, for
    /// the ACME server's own HTTPS: a test server (pebble) or a private CA.
    /// `None` for Let's Encrypt.
    pub server_root: Option<PathBuf>,
}

/// The certificate to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFiles {
    /// The chain, leaf first, as PEM.
    pub fullchain: PathBuf,
    /// The leaf's private key, PKCS#8 PEM.
    pub private_key: PathBuf,
    /// When the leaf expires.
    pub not_after: SystemTime,
    /// Whether this call reused the stored certificate or ordered a new one.
    pub obtained: Obtained,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Obtained {
    /// The stored certificate is still good; nothing was asked of the server.
    Stored,
    /// A new certificate was ordered and stored (serve it: reload TLS).
    Ordered,
    /// Renewal was due but failed (logged, and said here); the stored
    /// certificate has not expired and is the one to serve meanwhile.
    RenewalFailed { error: String },
}

/// Why no certificate could be had; each says which step failed.
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    #[error("invalid ACME settings: {0}")]
    Settings(String),
    #[error("could not open the ACME account at {directory_url}: {detail}")]
    Account {
        directory_url: String,
        detail: String,
    },
    #[error("could not place the certificate order for {domain}: {detail}")]
    Order { domain: String, detail: String },
    #[error("the ACME server could not validate {domain} over HTTP-01: {detail}")]
    Challenge { domain: String, detail: String },
    #[error("could not finalize the certificate order for {domain}: {detail}")]
    Finalize { domain: String, detail: String },
    #[error("could not download the certificate for {domain}: {detail}")]
    Download { domain: String, detail: String },
    #[error("could not keep the certificate or ACME account on disk: {0}")]
    Storage(String),
}

impl From<StoreError> for AcmeError {
    fn from(e: StoreError) -> Self {
        Self::Storage(e.to_string())
    }
}

/// Returns a certificate for `settings.domain`: the stored one while it is
/// not yet due for renewal (30 days before expiry, or a third of its
/// lifetime for shorter ones), otherwise a new one ordered over ACME, stored,
/// and returned. The relay's port 80 must answer from `challenges` meanwhile.
///
/// When renewal fails but the stored certificate has not expired, that one
/// is returned ([`Obtained::RenewalFailed`]), so a relay restarted during an
/// ACME outage still starts. An error means there is nothing to serve.
///
/// Calls in one process run one at a time.
pub async fn ensure_certificate(
    settings: &AcmeSettings,
    challenges: &ChallengeResponses,
) -> Result<CertificateFiles, AcmeError> {
    let domain = checked_domain(&settings.domain)?;
    checked_contact(settings.contact_email.as_deref())?;
    let files = Files::new(settings)?;

    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;

    let stored = {
        let (files, domain) = (files.clone(), domain.clone());
        tokio::task::spawn_blocking(move || files.read_usable(&domain))
            .await
            .map_err(|e| AcmeError::Storage(format!("reading stopped: {e}")))?
    };
    let now = SystemTime::now();
    let mut unexpired = None;
    match stored {
        Ok(leaf) if now < leaf.renew_at() => {
            tracing::info!(
                domain,
                days_left = stored::days_until(leaf.not_after, now),
                path = %files.fullchain.display(),
                "stored certificate still good"
            );
            return Ok(files.result(leaf, Obtained::Stored));
        }
        Ok(leaf) => {
            tracing::info!(
                domain,
                days_left = stored::days_until(leaf.not_after, now),
                "certificate due for renewal: ordering a new one"
            );
            unexpired = Some(leaf).filter(|leaf| now < leaf.not_after);
        }
        Err(reason) => tracing::info!(
            domain,
            %reason,
            "no usable stored certificate: ordering one"
        ),
    }

    let issued = match order_certificate(settings, &files, &domain, challenges).await {
        Ok(issued) => issued,
        Err(e) => {
            let Some(leaf) = unexpired else {
                return Err(e);
            };
            tracing::warn!(
                domain,
                error = %e,
                days_left = stored::days_until(leaf.not_after, SystemTime::now()),
                "certificate renewal failed: the stored one serves meanwhile"
            );
            let error = e.to_string();
            return Ok(files.result(leaf, Obtained::RenewalFailed { error }));
        }
    };
    {
        let files = files.clone();
        let (chain, key) = (issued.chain.clone(), issued.key_pem.clone());
        tokio::task::spawn_blocking(move || files.store_pair(&chain, &key))
            .await
            .map_err(|e| AcmeError::Storage(format!("writing stopped: {e}")))??;
    }
    tracing::info!(
        domain,
        days_left = stored::days_until(issued.leaf.not_after, SystemTime::now()),
        path = %files.fullchain.display(),
        "new certificate stored"
    );
    Ok(files.result(issued.leaf, Obtained::Ordered))
}

/// When [`keep_renewed`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalSchedule {
    /// Between two checks after a success (twice a day by default).
    pub check_every: Duration,
    /// After a failed check (an hour by default: well within Let's
    /// Encrypt's limit of 5 failed validations an hour).
    pub retry_after_failure: Duration,
}

impl Default for RenewalSchedule {
    fn default() -> Self {
        Self {
            check_every: Duration::from_secs(12 * 3600),
            retry_after_failure: Duration::from_secs(3600),
        }
    }
}

/// Keeps the certificate renewed, forever: calls [`ensure_certificate`] now
/// and then on `schedule`, and calls `on_renewed` with each newly ordered
/// certificate (not with a stored one kept), so the relay reloads its TLS
/// configuration. Failures are logged and retried; this never returns.
/// Spawn it, or race it against shutdown; dropping it mid-order is safe
/// (nothing is stored until the certificate is complete).
pub async fn keep_renewed(
    settings: AcmeSettings,
    challenges: ChallengeResponses,
    schedule: RenewalSchedule,
    mut on_renewed: impl FnMut(&CertificateFiles) + Send,
) {
    loop {
        let retry = schedule.retry_after_failure.min(schedule.check_every);
        let wait = match ensure_certificate(&settings, &challenges).await {
            Ok(certificate) => match certificate.obtained {
                Obtained::Stored => schedule.check_every,
                Obtained::Ordered => {
                    on_renewed(&certificate);
                    schedule.check_every
                }
                // Logged by ensure_certificate.
                Obtained::RenewalFailed { .. } => retry,
            },
            Err(e) => {
                tracing::error!(
                    domain = settings.domain,
                    error = %e,
                    retry_in_s = retry.as_secs(),
                    "no certificate to serve: obtaining one failed"
                );
                retry
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// The files under `state_dir/<server>/`.
#[derive(Debug, Clone)]
struct Files {
    dir: PathBuf,
    account: PathBuf,
    fullchain: PathBuf,
    private_key: PathBuf,
}

impl Files {
    fn new(settings: &AcmeSettings) -> Result<Self, AcmeError> {
        let dir = settings
            .state_dir
            .join(server_dir_name(&settings.directory_url)?);
        Ok(Self {
            account: dir.join("account.json"),
            fullchain: dir.join("fullchain.pem"),
            private_key: dir.join("privkey.pem"),
            dir,
        })
    }

    fn result(&self, leaf: Leaf, obtained: Obtained) -> CertificateFiles {
        CertificateFiles {
            fullchain: self.fullchain.clone(),
            private_key: self.private_key.clone(),
            not_after: leaf.not_after,
            obtained,
        }
    }

    /// The stored certificate if it is for `domain` and fits its key, or why not.
    fn read_usable(&self, domain: &str) -> Result<Leaf, String> {
        let read = |path: &Path| {
            fs::read(path).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => "there is none yet".to_owned(),
                _ => format!("{}: {e}", path.display()),
            })
        };
        let chain = read(&self.fullchain)?;
        let key = read(&self.private_key)?;
        let key = String::from_utf8(key)
            .map_err(|_| format!("{} is not PEM", self.private_key.display()))?;
        stored::inspect(&chain, &key, domain)
    }

    /// Key first, then the chain: after a power cut in between, the old chain
    /// no longer fits the new key, [`Self::read_usable`] says so and the next
    /// call orders again.
    fn store_pair(&self, chain: &str, key_pem: &str) -> Result<(), StoreError> {
        self.make_dir()?;
        store::write_atomic(&self.private_key, key_pem.as_bytes())?;
        store::write_atomic(&self.fullchain, chain.as_bytes())
    }

    /// The directory, readable by its owner only (it holds private keys).
    fn make_dir(&self) -> Result<(), StoreError> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let io_error = |source| StoreError::Io {
            path: self.dir.clone(),
            source,
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(io_error)?;
        let mode = fs::metadata(&self.dir)
            .map_err(io_error)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700)).map_err(io_error)?;
        }
        Ok(())
    }
}

/// The account as kept on disk, with the server it belongs to.
#[derive(Serialize, Deserialize)]
struct StoredAccount {
    directory_url: String,
    credentials: AccountCredentials,
}

/// What a completed order gave.
struct Issued {
    chain: String,
    key_pem: String,
    leaf: Leaf,
}

async fn order_certificate(
    settings: &AcmeSettings,
    files: &Files,
    domain: &str,
    challenges: &ChallengeResponses,
) -> Result<Issued, AcmeError> {
    let order_error = |f: Failure| AcmeError::Order {
        domain: domain.to_owned(),
        detail: f.detail(),
    };
    let identifiers = [Identifier::Dns(domain.to_owned())];
    let new_order = NewOrder::new(&identifiers);

    let account = open_account(settings, files, false).await?;
    let mut order = match timed(account.new_order(&new_order)).await {
        Ok(order) => order,
        Err(f) if f.is_problem("accountDoesNotExist") => {
            tracing::warn!("the ACME server no longer knows the stored account: making a new one");
            let account = open_account(settings, files, true).await?;
            timed(account.new_order(&new_order))
                .await
                .map_err(order_error)?
        }
        Err(f) => return Err(order_error(f)),
    };
    tracing::info!(domain, order = order.url(), "certificate ordered");

    {
        let mut published = challenges.publish();
        answer_challenges(&mut order, domain, &mut published).await?;
        wait_until_validated(&mut order, domain).await?;
    }
    tracing::debug!(domain, "domain validated");

    let finalize_error = |detail: String| AcmeError::Finalize {
        domain: domain.to_owned(),
        detail,
    };
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| finalize_error(format!("cannot make a key: {e}")))?;
    let mut params = rcgen::CertificateParams::new(vec![domain.to_owned()])
        .map_err(|e| finalize_error(format!("cannot make the CSR: {e}")))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    let csr = params
        .serialize_request(&key)
        .map_err(|e| finalize_error(format!("cannot make the CSR: {e}")))?;
    timed(order.finalize_csr(csr.der()))
        .await
        .map_err(|f| finalize_error(f.detail()))?;

    let download_error = |detail: String| AcmeError::Download {
        domain: domain.to_owned(),
        detail,
    };
    let polling = RetryPolicy::new().timeout(VALIDATION_TIMEOUT);
    let chain = within(
        VALIDATION_TIMEOUT + REQUEST_TIMEOUT,
        order.poll_certificate(&polling),
    )
    .await
    .map_err(|f| download_error(f.detail()))?;
    let key_pem = key.serialize_pem();
    let leaf = stored::inspect(chain.as_bytes(), &key_pem, domain)
        .map_err(|reason| download_error(format!("the server sent an unusable chain: {reason}")))?;
    Ok(Issued {
        chain,
        key_pem,
        leaf,
    })
}

/// The stored account for this server, or (none stored, or `fresh`) a new one, stored.
async fn open_account(
    settings: &AcmeSettings,
    files: &Files,
    fresh: bool,
) -> Result<Account, AcmeError> {
    let account_error = |detail: String| AcmeError::Account {
        directory_url: settings.directory_url.clone(),
        detail,
    };
    // The directory is fetched first; a page that is not one fails to parse.
    let request_error = |f: Failure| match f {
        Failure::Acme(instant_acme::Error::Json(e)) => account_error(format!(
            "the answer is not an ACME directory; is the URL right? ({e})"
        )),
        f => account_error(f.detail()),
    };
    let builder = {
        let (root, url) = (settings.server_root.clone(), settings.directory_url.clone());
        tokio::task::spawn_blocking(move || account_builder(root.as_deref(), &url))
            .await
            .map_err(|e| account_error(format!("setting up HTTPS stopped: {e}")))??
    };

    if !fresh {
        let file = JsonFile::new(files.account.clone());
        let stored = tokio::task::spawn_blocking(move || file.read::<StoredAccount>())
            .await
            .map_err(|e| AcmeError::Storage(format!("reading stopped: {e}")))?;
        match stored {
            Ok(Some(stored)) if stored.directory_url == settings.directory_url => {
                return timed(builder.from_credentials(stored.credentials))
                    .await
                    .map_err(request_error);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "stored ACME account unreadable: making a new one")
            }
        }
    }

    let contact = settings
        .contact_email
        .as_ref()
        .map(|email| format!("mailto:{email}"));
    let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
    let new_account = NewAccount {
        contact: &contacts,
        terms_of_service_agreed: true,
        only_return_existing: false,
    };
    let (account, credentials) =
        timed(builder.create(&new_account, settings.directory_url.clone(), None))
            .await
            .map_err(request_error)?;

    let stored = StoredAccount {
        directory_url: settings.directory_url.clone(),
        credentials,
    };
    let files = files.clone();
    tokio::task::spawn_blocking(move || {
        files.make_dir()?;
        JsonFile::new(files.account.clone()).write(&stored)
    })
    .await
    .map_err(|e| AcmeError::Storage(format!("writing stopped: {e}")))??;
    tracing::info!(account = account.id(), "ACME account created");
    Ok(account)
}

/// An HTTPS client for the ACME server that trusts `root` alone, or the
/// system's roots. Reads files: call off the async threads.
fn account_builder(root: Option<&Path>, directory_url: &str) -> Result<AccountBuilder, AcmeError> {
    // instant-acme builds its rustls client on the process's default crypto
    // provider; this project uses ring throughout.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    match root {
        Some(path) => Account::builder_with_root(path).map_err(|e| {
            AcmeError::Settings(format!(
                "cannot trust {} for the ACME server: {}",
                path.display(),
                error_chain(&e)
            ))
        }),
        None => Account::builder().map_err(|e| AcmeError::Account {
            directory_url: directory_url.to_owned(),
            detail: format!(
                "no root certificates to trust it with (is ca-certificates installed?): {}",
                error_chain(&e)
            ),
        }),
    }
}

/// Publishes each pending authorization's HTTP-01 response and tells the
/// server it is ready.
async fn answer_challenges(
    order: &mut Order,
    domain: &str,
    published: &mut challenge::Published<'_>,
) -> Result<(), AcmeError> {
    let challenge_error = |detail: String| AcmeError::Challenge {
        domain: domain.to_owned(),
        detail,
    };
    let mut authorizations = order.authorizations();
    loop {
        let next = tokio::time::timeout(REQUEST_TIMEOUT, authorizations.next())
            .await
            .map_err(|_| challenge_error(Failure::TimedOut(REQUEST_TIMEOUT).detail()))?;
        let Some(authorization) = next else {
            return Ok(());
        };
        let mut authorization =
            authorization.map_err(|e| challenge_error(Failure::Acme(e).detail()))?;
        match authorization.status {
            AuthorizationStatus::Pending => {}
            AuthorizationStatus::Valid => continue,
            other => {
                return Err(challenge_error(format!(
                    "the authorization is {}",
                    format!("{other:?}").to_lowercase()
                )))
            }
        }
        let mut challenge = authorization
            .challenge(ChallengeType::Http01)
            .ok_or_else(|| challenge_error("the server offers no HTTP-01 challenge".into()))?;
        published.insert(
            challenge.token.clone(),
            challenge.key_authorization().as_str().to_owned(),
        );
        tracing::debug!(
            domain,
            token = challenge.token,
            "HTTP-01 response published"
        );
        timed(challenge.set_ready())
            .await
            .map_err(|f| challenge_error(f.detail()))?;
    }
}

/// Waits until the server has validated every authorization; if it refused,
/// the error carries the server's problem detail for each challenge.
async fn wait_until_validated(order: &mut Order, domain: &str) -> Result<(), AcmeError> {
    let challenge_error = |detail: String| AcmeError::Challenge {
        domain: domain.to_owned(),
        detail,
    };
    let polling = RetryPolicy::new().timeout(VALIDATION_TIMEOUT);
    let order_problem = match within(
        VALIDATION_TIMEOUT + REQUEST_TIMEOUT,
        order.poll_ready(&polling),
    )
    .await
    {
        Ok(OrderStatus::Ready) => return Ok(()),
        Ok(status) => format!("the order is {}", format!("{status:?}").to_lowercase()),
        Err(Failure::Acme(instant_acme::Error::Api(problem))) => problem_text(&problem),
        Err(Failure::Acme(instant_acme::Error::Timeout(_))) => {
            return Err(challenge_error(format!(
                "not validated within {} s",
                VALIDATION_TIMEOUT.as_secs()
            )))
        }
        Err(f) => return Err(challenge_error(f.detail())),
    };

    // The order is invalid: the reason is on the challenges.
    let mut reasons = Vec::new();
    let mut authorizations = order.authorizations();
    while let Ok(Some(Ok(mut authorization))) =
        tokio::time::timeout(REQUEST_TIMEOUT, authorizations.next()).await
    {
        if let Ok(state) = timed(authorization.refresh()).await {
            reasons.extend(
                state
                    .challenges
                    .iter()
                    .filter_map(|c| c.error.as_ref())
                    .map(problem_text),
            );
        }
    }
    Err(challenge_error(if reasons.is_empty() {
        order_problem
    } else {
        reasons.join("; ")
    }))
}

/// Why a request to the ACME server failed.
enum Failure {
    Acme(instant_acme::Error),
    TimedOut(Duration),
}

impl Failure {
    fn detail(&self) -> String {
        match self {
            Failure::Acme(instant_acme::Error::Api(problem)) => problem_text(problem),
            Failure::Acme(e) => error_chain(e),
            Failure::TimedOut(after) => format!("no answer within {} s", after.as_secs()),
        }
    }

    /// Whether the server answered with this ACME problem type (RFC 8555, 6.7).
    fn is_problem(&self, kind: &str) -> bool {
        matches!(self, Failure::Acme(instant_acme::Error::Api(p))
            if p.r#type.as_deref() == Some(&format!("urn:ietf:params:acme:error:{kind}")))
    }
}

async fn timed<T>(
    request: impl Future<Output = Result<T, instant_acme::Error>>,
) -> Result<T, Failure> {
    within(REQUEST_TIMEOUT, request).await
}

async fn within<T>(
    limit: Duration,
    request: impl Future<Output = Result<T, instant_acme::Error>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(limit, request).await {
        Ok(result) => result.map_err(Failure::Acme),
        Err(_) => Err(Failure::TimedOut(limit)),
    }
}

/// An RFC 7807 problem as one sentence: detail (type), then any subproblems.
fn problem_text(problem: &Problem) -> String {
    let mut text = problem
        .detail
        .clone()
        .unwrap_or_else(|| "no detail given".to_owned());
    if let Some(kind) = &problem.r#type {
        text.push_str(&format!(" ({kind})"));
    }
    for sub in &problem.subproblems {
        text.push_str(&format!("; {sub}"));
    }
    text
}

/// An error and its causes, "outer: inner: innermost", without repeats.
fn error_chain(e: &dyn StdError) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// The domain, lower-cased, if it is a DNS name HTTP-01 can validate.
fn checked_domain(domain: &str) -> Result<String, AcmeError> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let is_ip = domain.parse::<std::net::IpAddr>().is_ok();
    if domain.is_empty() || domain.len() > 253 || is_ip || !domain.split('.').all(label_ok) {
        return Err(AcmeError::Settings(format!(
            "{domain:?} is not a domain name HTTP-01 can validate \
             (letters, digits, hyphens and dots; no wildcard, no IP address)"
        )));
    }
    Ok(domain)
}

fn checked_contact(email: Option<&str>) -> Result<(), AcmeError> {
    match email {
        Some(email)
            if email.is_empty()
                || !email.contains('@')
                || email.contains(|c: char| c.is_whitespace() || c == ',' || c == ':') =>
        {
            Err(AcmeError::Settings(format!(
                "{email:?} is not an e-mail address"
            )))
        }
        _ => Ok(()),
    }
}

/// The state subdirectory for an ACME server: its host (and port), e.g.
/// `acme-v02.api.letsencrypt.org`.
fn server_dir_name(directory_url: &str) -> Result<String, AcmeError> {
    let invalid = || {
        AcmeError::Settings(format!(
            "the ACME directory {directory_url:?} is not an https:// URL"
        ))
    };
    let rest = directory_url.strip_prefix("https://").ok_or_else(invalid)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(invalid());
    }
    Ok(authority
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_http01_can_validate_are_accepted_and_lower_cased() {
        assert_eq!(
            checked_domain("Box-Relay.Example.org.").expect("valid"),
            "box-relay.example.org"
        );
        for bad in [
            "",
            "*.example.org",
            "192.0.2.1",
            "::1",
            "a..b",
            "-a.b",
            "a b.c",
            "a_b.c",
        ] {
            let err = checked_domain(bad).expect_err(bad);
            assert!(err.to_string().contains("not a domain name"), "{err}");
        }
    }

    #[test]
    fn contact_must_look_like_an_address() {
        assert!(checked_contact(None).is_ok());
        assert!(checked_contact(Some("family@example.org")).is_ok());
        for bad in ["", "family", "a@b, c@d", "mailto:a@b"] {
            assert!(checked_contact(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_acme_server_gets_its_own_directory() {
        assert_eq!(
            server_dir_name(LETS_ENCRYPT).expect("valid"),
            "acme-v02.api.letsencrypt.org"
        );
        assert_eq!(
            server_dir_name(LETS_ENCRYPT_STAGING).expect("valid"),
            "acme-staging-v02.api.letsencrypt.org"
        );
        assert_eq!(
            server_dir_name("https://127.0.0.1:14000/dir").expect("valid"),
            "127.0.0.1_14000"
        );
        for bad in [
            "http://example.org/dir",
            "https:///dir",
            "https://u@h/dir",
            "example.org",
        ] {
            assert!(server_dir_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_missing_server_root_is_named() {
        let err = account_builder(Some(Path::new("/nonexistent/root.pem")), LETS_ENCRYPT)
            .err()
            .expect("no such file");
        assert!(err.to_string().contains("/nonexistent/root.pem"), "{err}");
    }

    #[test]
    fn problems_read_as_sentences() {
        let problem: Problem = serde_json::from_str(
            r#"{"type":"urn:ietf:params:acme:error:unauthorized",
                "detail":"The key authorization file from the server did not match",
                "status":403}"#,
        )
        .expect("problem");
        assert_eq!(
            problem_text(&problem),
            "The key authorization file from the server did not match \
             (urn:ietf:params:acme:error:unauthorized)"
        );
        assert!(Failure::Acme(instant_acme::Error::Api(problem)).is_problem("unauthorized"));
    }
}
