//! The box's hardware: cameras (V4L2), microphones and speakers (ALSA), and
//! the network interfaces ICE can use.
//!
//! Owns discovery only; it decides nothing. Each enumeration reads from a
//! root it is given (a fixture directory under test), through the kernel's
//! own lists. `app` turns what is found and
//! what the configuration asks for into the media engine's settings.

mod audio;
mod camera;
mod camera_modes;
mod mixer;
mod net;

pub use audio::{capture_devices, has_playback_device, playback_devices, AudioDevice};
pub use camera::{camera_modes, cameras, Camera};
pub use camera_modes::{Mode, PixelKind};
pub use mixer::{set_volume, MixerError};
pub use net::loopback_only;
