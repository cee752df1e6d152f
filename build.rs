//! Link options for the `homecall` binary; nothing else is built here.
//!
//! Relative relocations packed (`-z pack-relative-relocs`, DT_RELR): the
//! binary is position-independent, and its ~26,000 pointers into itself
//! (vtables, string tables) were each a 24-byte RELA entry, 630 KB that the
//! dynamic loader reads at every start and that stays resident while the
//! box waits. Packed, they take 7 KB. Needs glibc ≥ 2.36 at run time (the
//! binary then asks for `GLIBC_ABI_DT_RELR`) and binutils ≥ 2.38 or lld to
//! link: Debian 12 and the Yocto layer's release have both. Given to the
//! final link only (`rustc-link-arg-bins`), so no dependency is rebuilt and
//! a `RUSTFLAGS` set by a build system does not drop it.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
