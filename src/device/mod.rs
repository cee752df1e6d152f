//! The device: the calls the box is in, and the one task that owns them.
//!
//! `state` is the pure state machine; `actor` runs it, turning caller and
//! media events into effects on the media engine and the callers' sockets;
//! `handle` is how the web server reaches the actor.
//! Neither knows HTTP; neither touches GStreamer except through `media`'s API.

mod actor;
mod branches;
mod call;
mod caller_event;
mod callers;
pub mod engine;
mod handle;
mod ice_tally;
mod recent;
#[cfg(test)]
mod recording;
mod roster;
mod sdp;
pub mod state;
mod tv_words;

pub use actor::{TvLanguage, PRESS_WAIT};
pub use handle::{Arrival, CallerLink, DeviceHandle, DeviceSettings, Status, ToCaller};
pub use state::{Call, LinkRef, Phase, SessionId, Summary};
