//! HomeCall: a box on the TV that answers a secret link by itself.
//!
//! The modules, in start-up order; ARCHITECTURE.md draws the boundaries.
//! - [`config`]: the TOML file, validated.
//! - [`system`]: logging, systemd readiness, signals.
//! - [`hw`]: cameras, microphones, speakers, network interfaces found.
//! - [`media`]: GStreamer, the only module that knows it.
//! - [`device`]: the state machine of calls and the task that owns it.
//! - [`links`], [`store`]: invite links and crash-safe state files.
//! - [`admin`]: set-up code, admin password, sessions, login back-off, allowed sources.
//! - [`web`]: HTTP, the only module that knows it.
//! - [`protocol`]: the signalling wire types; [`turn`]: TURN credentials;
//!   [`netcheck`]: the admin's STUN/TURN network check.
//! - [`app`]: wires them together for `homecall run`.

pub mod admin;
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
pub mod system;
pub mod tls;
pub mod tunnel;
pub mod turn;
pub mod web;
