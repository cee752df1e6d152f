//! The relay: the same binary on the family's small VPS, passing signalling
//! between relatives' browsers and boxes that keep an outbound tunnel to it.
//!
//! Owns what the relay knows, with no HTTP (that is `web::relay`):
//! - [`boxes`]: the boxes paired with this relay — an id and the SHA-256 of
//!   each box's key, nothing else (no links, no names, no calls);
//! - [`pairing`]: the pairing code the relay prints and the box's admin pastes;
//! - [`directory`]: which tunnel holds which box, behind one narrow trait so
//!   several relay instances can later share it through a broker;
//! - [`config`]: `relay.toml`, validated.
//!
//! The relay never decides who may call: the box checks every link itself.
//! Media never passes the relay: it goes peer to peer or through coturn.

pub mod boxes;
pub mod config;
pub mod directory;
pub mod pairing;

pub use boxes::{BoxBook, BoxId};
pub use config::RelayConfig;
pub use directory::{LocalDirectory, TunnelDirectory};
pub use pairing::{PairingCode, PairingError, PairingStore};
