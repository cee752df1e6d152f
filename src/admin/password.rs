//! The admin password.
//!
//! Owns [`Credentials`]: the argon2id hash (a PHC string) in
//! `<state_dir>/admin.json`, written crash-safely through `store`, re-read on
//! every check so a change by another process counts at once. The password
//! itself never reaches the disk or the log. Hashing and verifying take tens
//! of milliseconds on purpose: the web layer calls them off the async threads
//! (`spawn_blocking`).

use std::path::Path;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use super::{random_bytes, AdminError, SetupCode};
use crate::store::JsonFile;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted, in characters.
pub const MAX_PASSWORD_CHARS: usize = 1024;
const FILE_NAME: &str = "admin.json";
const SALT_BYTES: usize = 16;

/// Argon2id cost for a Raspberry Pi: 19 MiB, 2 passes, 1 lane (OWASP's
/// recommended minimum). About 50 ms per hash on an x86 desktop in an
/// optimised build, a few times that on a Pi; ten times more in an
/// unoptimised (debug) build of this crate.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// What `admin.json` holds.
#[derive(Debug, Default, Serialize, Deserialize)]
struct AdminFile {
    /// The argon2id PHC string, `None` until first set-up.
    #[serde(default)]
    password_phc: Option<String>,
}

/// The admin password, as stored under the state directory.
#[derive(Debug, Clone)]
pub struct Credentials {
    file: JsonFile,
    params: Params,
}

impl Credentials {
    /// The credentials kept in `<state_dir>/admin.json`.
    pub fn new(state_dir: &Path) -> Self {
        let params = Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or(Params::DEFAULT);
        Self::with_params(state_dir, params)
    }

    fn with_params(state_dir: &Path, params: Params) -> Self {
        Self {
            file: JsonFile::new(state_dir.join(FILE_NAME)),
            params,
        }
    }

    /// Whether an admin password exists. A damaged file is an error, never
    /// "not set up", so it cannot reopen first set-up.
    pub fn is_set_up(&self) -> Result<bool, AdminError> {
        Ok(self.stored()?.is_some())
    }

    /// First set-up: checks `code_attempt` against `code` and saves
    /// `new_password`. The code is used up only once the password is saved,
    /// so a weak password or a full disk does not burn it.
    pub fn set_up(
        &self,
        code_attempt: &str,
        code: &SetupCode,
        new_password: &str,
    ) -> Result<(), AdminError> {
        if self.is_set_up()? {
            return Err(AdminError::AlreadySetUp);
        }
        check_strength(new_password)?;
        if !code.matches(code_attempt) {
            return Err(AdminError::WrongSetupCode);
        }
        let phc = self.hash(new_password)?;
        // Under the file's lock: of two set-ups at once only the first wins.
        self.file.update(|doc: &mut AdminFile| {
            if doc.password_phc.is_some() {
                return Err(AdminError::AlreadySetUp);
            }
            doc.password_phc = Some(phc);
            Ok(())
        })??;
        code.consume();
        Ok(())
    }

    /// Whether `password` is the admin password. False when not set up or when
    /// the file cannot be read (logged).
    pub fn verify(&self, password: &str) -> bool {
        match self.stored() {
            Ok(Some(phc)) => self.matches(password, &phc),
            Ok(None) => false,
            Err(e) => {
                tracing::warn!("admin password unreadable: {e}");
                false
            }
        }
    }

    /// Replaces the password after checking the old one. The caller ends every
    /// session afterwards ([`super::Sessions::end_all`]).
    pub fn change_password(&self, old: &str, new: &str) -> Result<(), AdminError> {
        let current = self.stored()?.ok_or(AdminError::NotSetUp)?;
        check_strength(new)?;
        if !self.matches(old, &current) {
            return Err(AdminError::WrongPassword);
        }
        let phc = self.hash(new)?;
        // If the password changed meanwhile, `old` was checked against a stale
        // hash: refuse rather than overwrite.
        self.file.update(|doc: &mut AdminFile| {
            if doc.password_phc.as_deref() != Some(current.as_str()) {
                return Err(AdminError::WrongPassword);
            }
            doc.password_phc = Some(phc);
            Ok(())
        })??;
        Ok(())
    }

    fn stored(&self) -> Result<Option<String>, AdminError> {
        Ok(self
            .file
            .read::<AdminFile>()?
            .and_then(|doc| doc.password_phc))
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash(&self, password: &str) -> Result<String, AdminError> {
        let salt = random_bytes::<SALT_BYTES>()?;
        let hash: PasswordHash = self
            .argon2()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map_err(|e| AdminError::Hashing(e.to_string()))?;
        Ok(hash.to_string())
    }

    /// Verifies with the parameters recorded in `phc` (so raising the cost
    /// later keeps old hashes working).
    fn matches(&self, password: &str, phc: &str) -> bool {
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return false;
        }
        self.argon2()
            .verify_password(password.as_bytes(), phc)
            .is_ok()
    }
}

/// Refuses passwords too short to resist guessing, or absurdly long.
fn check_strength(password: &str) -> Result<(), AdminError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AdminError::PasswordTooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AdminError::PasswordTooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "password_tests.rs"]
mod tests;
