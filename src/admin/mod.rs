//! The family admin's security core: who may administer the box, and how.
//!
//! Owns the first set-up code, the admin password (argon2id, in
//! `<state_dir>/admin.json`), logged-in sessions, the login back-off, the
//! source-address allow-list and the Host and Origin checks. Plain Rust types only:
//! `web` adapts them to HTTP (cookies, status codes, headers).
//!
//! - [`setup`]: [`SetupCode`], the one-time code shown on the TV.
//! - [`password`]: [`Credentials`], the password hash on disk.
//! - [`sessions`]: [`Sessions`], logged-in admins in memory, and
//!   [`cookie_value`], their cookie found in `Cookie` headers.
//! - [`throttle`]: [`LoginThrottle`], failed logins per source.
//! - [`sources`]: [`AllowList`], which source addresses may ask at all.
//! - [`host`]: [`host_is_known`], which `Host` names the box answers to.
//! - [`origin`]: [`same_origin`], the check on mutating requests.

pub mod host;
pub mod origin;
pub mod password;
pub mod sessions;
pub mod setup;
pub mod sources;
pub mod throttle;

pub use host::host_is_known;
pub use origin::same_origin;
pub use password::{Credentials, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
pub use sessions::{cookie_value, SessionToken, Sessions, ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
pub use setup::SetupCode;
pub use sources::{AllowList, AllowListError};
pub use throttle::LoginThrottle;

use crate::store::StoreError;

/// Why an admin action was refused. Each message is a sentence the admin page
/// can show as it is.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("That set-up code is not right.")]
    WrongSetupCode,
    #[error("The box is already set up.")]
    AlreadySetUp,
    #[error("The box is not set up yet.")]
    NotSetUp,
    #[error("The password must be at least {min} characters.")]
    PasswordTooShort { min: usize },
    #[error("The password must be at most {max} characters.")]
    PasswordTooLong { max: usize },
    #[error("Wrong password.")]
    WrongPassword,
    #[error("The box could not read or save the admin password ({0}).")]
    Storage(#[from] StoreError),
    #[error("The box could not make a random secret ({0}).")]
    Random(String),
    #[error("The box could not hash the password ({0}).")]
    Hashing(String),
}

/// A random value from the operating system's CSPRNG.
fn random_bytes<const N: usize>() -> Result<[u8; N], AdminError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AdminError::Random(e.to_string()))?;
    Ok(bytes)
}
