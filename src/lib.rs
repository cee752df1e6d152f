//! HomeCall: a box on the TV that answers a secret link by itself.
//!
//! The modules, in start-up order; ARCHITECTURE.md draws the boundaries.
//! - [`config`]: the TOML file, validated; [`limits`]: the limits on every
//!   door; [`source`]: how a source address is counted by them.
//! - [`system`]: logging, systemd readiness, signals.
//! - [`hw`]: cameras, microphones, speakers, network interfaces found.
//! - [`media`]: GStreamer, the only module that knows it.
//! - [`device`]: the state machine of calls and the task that owns it.
//! - [`links`], [`store`]: invite links and crash-safe state files.
//! - [`admin`]: set-up code, admin password, sessions, login back-off, allowed sources.
//! - [`tls`]: the box's certificate (configured, or self-signed and kept).
//! - [`web`]: HTTP, the only module that knows it.
//! - [`protocol`]: the signalling wire types; [`turn`]: TURN credentials;
//!   [`netcheck`]: the admin's STUN/TURN network check.
//! - [`app`]: wires them together for `homecall run`.
//!
//! The relay (`homecall relay`, on the family's server):
//! - [`relay`]: paired boxes, pairing codes, which tunnel holds which box;
//!   [`tunnel`]: the box–relay tunnel's wire types; [`acme`]: the relay's
//!   certificate over ACME.
//! - [`relay_app`]: wires them together for `homecall relay`.

pub mod acme;
pub mod admin;
pub mod answering;
pub mod app;
pub mod clock;
pub mod config;
pub mod device;
pub mod history;
pub mod hw;
pub mod limits;
pub mod links;
pub mod media;
pub mod netcheck;
pub mod protocol;
pub mod relay;
pub mod relay_app;
pub mod settings;
pub mod source;
pub mod store;
pub mod sync;
pub mod system;
pub mod tls;
pub mod tunnel;
pub mod turn;
pub mod web;
