//! Tests of [`Credentials`]: set-up, verification, change and every refusal.

use std::fs;

use super::*;

/// Cheap parameters so the tests stay fast in debug builds; verification
/// reads the parameters from the stored hash, so nothing else changes.
fn cheap(dir: &Path) -> Credentials {
    let params = Params::new(Params::MIN_M_COST, 1, 1, None).expect("params");
    Credentials::with_params(dir, params)
}

fn code() -> SetupCode {
    SetupCode::generate().expect("random")
}

const GOOD: &str = "correct horse";
const OTHER: &str = "battery staple";

#[test]
fn fresh_box_is_not_set_up_and_verifies_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = cheap(dir.path());
    assert!(!creds.is_set_up().expect("read"));
    assert!(!creds.verify(GOOD));
    assert!(!creds.verify(""));
}

#[test]
fn set_up_with_the_right_code_stores_an_argon2id_hash_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = cheap(dir.path());
    let code = code();
    creds
        .set_up(&code.to_string(), &code, GOOD)
        .expect("set up");
    assert!(creds.is_set_up().expect("read"));
    assert!(code.is_used());
    assert!(creds.verify(GOOD));
    assert!(!creds.verify(OTHER));
    assert!(!creds.verify(""));
    let on_disk = fs::read_to_string(dir.path().join("admin.json")).expect("file");
    assert!(on_disk.contains("$argon2id$v=19$"), "{on_disk}");
    assert!(!on_disk.contains(GOOD), "the password reached the disk");
}

#[test]
fn production_parameters_are_argon2id_19mib_t2_p1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = Credentials::new(dir.path());
    let phc = creds.hash(GOOD).expect("hash");
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(creds.matches(GOOD, &phc));
    assert!(!creds.matches(OTHER, &phc));
}

#[test]
fn wrong_code_is_refused_and_the_right_one_still_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = cheap(dir.path());
    let code = code();
    let wrong = if code.to_string() == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let err = creds.set_up(wrong, &code, GOOD).expect_err("wrong code");
    assert!(matches!(err, AdminError::WrongSetupCode), "{err:?}");
    assert_eq!(err.to_string(), "That set-up code is not right.");
    assert!(!creds.is_set_up().expect("read"));
    assert!(!code.is_used());
    creds
        .set_up(&code.to_string(), &code, GOOD)
        .expect("right code");
}

#[test]
fn weak_password_is_refused_without_using_the_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = cheap(dir.path());
    let code = code();
    let err = creds
        .set_up(&code.to_string(), &code, "short")
        .expect_err("weak");
    assert!(matches!(err, AdminError::PasswordTooShort { min: 10 }));
    assert_eq!(
        err.to_string(),
        "The password must be at least 10 characters."
    );
    // Nine characters (counted as characters, not bytes) is still too short.
    let err = creds
        .set_up(&code.to_string(), &code, "пароль123")
        .expect_err("nine");
    assert!(matches!(err, AdminError::PasswordTooShort { .. }));
    let err = creds
        .set_up(
            &code.to_string(),
            &code,
            &"x".repeat(MAX_PASSWORD_CHARS + 1),
        )
        .expect_err("too long");
    assert!(matches!(err, AdminError::PasswordTooLong { .. }));
    assert!(!code.is_used());
    assert!(!creds.is_set_up().expect("read"));
    creds
        .set_up(&code.to_string(), &code, "пароль1234")
        .expect("ten characters");
}

#[test]
fn a_used_code_and_a_second_set_up_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = cheap(dir.path());
    let code = code();
    creds
        .set_up(&code.to_string(), &code, GOOD)
        .expect("set up");
    let err = creds
        .set_up(&code.to_string(), &code, OTHER)
        .expect_err("again");
    assert!(matches!(err, AdminError::AlreadySetUp), "{err:?}");
    assert_eq!(err.to_string(), "The box is already set up.");
    // A new code (after a restart) does not reopen set-up either.
    let fresh = SetupCode::generate().expect("random");
    let err = creds
        .set_up(&fresh.to_string(), &fresh, OTHER)
        .expect_err("already");
    assert!(matches!(err, AdminError::AlreadySetUp));
    assert!(creds.verify(GOOD) && !creds.verify(OTHER));
}

#[test]
fn a_used_code_is_refused_for_another_box() {
    let code = code();
    assert!(code.consume());
    let dir = tempfile::tempdir().expect("tempdir");
    let err = cheap(dir.path())
        .set_up(&code.to_string(), &code, GOOD)
        .expect_err("used");
    assert!(matches!(err, AdminError::WrongSetupCode));
}

#[test]
fn change_password_needs_the_old_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = cheap(dir.path());
    let err = creds.change_password(GOOD, OTHER).expect_err("not set up");
    assert!(matches!(err, AdminError::NotSetUp));
    let code = code();
    creds
        .set_up(&code.to_string(), &code, GOOD)
        .expect("set up");

    let err = creds.change_password(OTHER, OTHER).expect_err("wrong old");
    assert!(matches!(err, AdminError::WrongPassword));
    assert_eq!(err.to_string(), "Wrong password.");
    let err = creds.change_password(GOOD, "tiny").expect_err("weak new");
    assert!(matches!(err, AdminError::PasswordTooShort { .. }));
    assert!(creds.verify(GOOD));

    creds.change_password(GOOD, OTHER).expect("change");
    assert!(creds.verify(OTHER));
    assert!(!creds.verify(GOOD));
    // A second instance (another process) sees the change.
    assert!(cheap(dir.path()).verify(OTHER));
}

#[test]
fn damaged_file_is_an_error_not_a_fresh_box() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("admin.json"), b"{ half").expect("write");
    let creds = cheap(dir.path());
    let err = creds.is_set_up().expect_err("damaged");
    assert!(matches!(err, AdminError::Storage(_)), "{err:?}");
    assert!(err
        .to_string()
        .starts_with("The box could not read or save"));
    let code = code();
    assert!(creds.set_up(&code.to_string(), &code, GOOD).is_err());
    assert!(!code.is_used());
    assert!(!creds.verify(GOOD));
}

#[test]
fn a_hash_with_other_parameters_still_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let phc = cheap(dir.path()).hash(GOOD).expect("hash");
    let file = JsonFile::new(dir.path().join("admin.json"));
    file.write(&AdminFile {
        password_phc: Some(phc),
    })
    .expect("write");
    // The production instance reads the cost from the PHC string.
    assert!(Credentials::new(dir.path()).verify(GOOD));
}
