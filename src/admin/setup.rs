//! The one-time first set-up code.
//!
//! Owns [`SetupCode`]: 8 digits from the OS CSPRNG, made at start-up while no
//! admin password exists and shown on the TV and in the log. It lives only in
//! memory (a restart makes a new one), is compared in constant time and stops
//! working once used.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use subtle::ConstantTimeEq;

use super::{random_bytes, AdminError};

const DIGITS: usize = 8;
const MODULUS: u32 = 100_000_000;
/// The largest multiple of `MODULUS` that fits a `u32`: values at or above it
/// are drawn again so every code is equally likely.
const LIMIT: u32 = (u32::MAX / MODULUS) * MODULUS;
/// Longer attempts are refused before any work.
const MAX_ATTEMPT_LEN: usize = 64;

/// The first set-up code. `Display` shows the digits (for the TV and the log);
/// `Debug` does not.
pub struct SetupCode {
    digits: [u8; DIGITS],
    used: AtomicBool,
}

impl SetupCode {
    /// A new uniformly random code of 8 digits.
    pub fn generate() -> Result<Self, AdminError> {
        loop {
            let value = u32::from_le_bytes(random_bytes::<4>()?);
            if value < LIMIT {
                return Ok(Self::from_value(value % MODULUS));
            }
        }
    }

    fn from_value(value: u32) -> Self {
        let mut digits = [0u8; DIGITS];
        for (i, d) in format!("{value:08}").bytes().take(DIGITS).enumerate() {
            digits[i] = d;
        }
        Self {
            digits,
            used: AtomicBool::new(false),
        }
    }

    /// Whether `attempt` is this code and the code is still unused. Spaces and
    /// dashes a person may type ("1234 5678") are ignored; the digits are
    /// compared in constant time. Does not use the code up.
    pub fn matches(&self, attempt: &str) -> bool {
        if self.is_used() || attempt.len() > MAX_ATTEMPT_LEN {
            return false;
        }
        let typed: Vec<u8> = attempt
            .bytes()
            .filter(|b| !b.is_ascii_whitespace() && *b != b'-')
            .collect();
        bool::from(typed.as_slice().ct_eq(&self.digits))
    }

    /// Uses the code up; true if this call was the one that did.
    pub fn consume(&self) -> bool {
        !self.used.swap(true, Ordering::AcqRel)
    }

    pub fn is_used(&self) -> bool {
        self.used.load(Ordering::Acquire)
    }
}

impl fmt::Display for SetupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.digits {
            write!(f, "{}", char::from(d))?;
        }
        Ok(())
    }
}

impl fmt::Debug for SetupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetupCode")
            .field("digits", &"…")
            .field("used", &self.is_used())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_eight_digits_and_differ() {
        let codes: Vec<String> = (0..20)
            .map(|_| SetupCode::generate().expect("random").to_string())
            .collect();
        for code in &codes {
            assert_eq!(code.len(), 8, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert!(unique.len() > 1, "20 codes all equal: {codes:?}");
    }

    #[test]
    fn leading_zeros_are_kept() {
        let code = SetupCode::from_value(42);
        assert_eq!(code.to_string(), "00000042");
        assert!(code.matches("00000042"));
        assert!(!code.matches("42"));
    }

    #[test]
    fn right_code_matches_with_spaces_or_dashes() {
        let code = SetupCode::from_value(12_345_678);
        assert!(code.matches("12345678"));
        assert!(code.matches(" 1234 5678\n"));
        assert!(code.matches("1234-5678"));
    }

    #[test]
    fn wrong_codes_are_refused() {
        let code = SetupCode::from_value(12_345_678);
        for attempt in [
            "",
            "12345679",
            "1234567",
            "123456789",
            "abcdefgh",
            "１２３４５６７８",
        ] {
            assert!(!code.matches(attempt), "{attempt:?}");
        }
        assert!(!code.matches(&"1".repeat(10_000)));
        assert!(!code.is_used(), "a wrong attempt does not use the code up");
    }

    #[test]
    fn a_code_works_once() {
        let code = SetupCode::from_value(87_654_321);
        assert!(code.matches("87654321"));
        assert!(code.consume(), "the first use");
        assert!(code.is_used());
        assert!(!code.matches("87654321"), "a used code matches nothing");
        assert!(!code.consume(), "second use");
    }

    #[test]
    fn debug_hides_the_digits() {
        let code = SetupCode::from_value(13_572_468);
        let debug = format!("{code:?}");
        assert!(!debug.contains("13572468"), "{debug}");
    }
}
