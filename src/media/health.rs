//! How the box's camera and microphone are doing, for the status pages.
//!
//! Owns [`CaptureHealth`]: written by the capture's supervisors (`fallback`),
//! read by anyone holding a clone. Plain data, no GStreamer types.

use crate::sync::lock;
use std::sync::{Arc, Mutex};

/// Which of the box's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Camera,
    Microphone,
}

impl Input {
    pub fn noun(self) -> &'static str {
        match self {
            Input::Camera => "camera",
            Input::Microphone => "microphone",
        }
    }
}

/// What one input sends, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputHealth {
    /// Configured as a test pattern or tone, on purpose.
    Test,
    /// None was found at start-up: the placeholder is sent.
    NotFound,
    /// A device is chosen; no call is running, so it is not open.
    Idle { device: String },
    /// The device is being opened (the placeholder is sent meanwhile).
    Starting { device: String },
    /// The device's picture or sound goes to callers.
    Working { device: String },
    /// The device node is not there (unplugged): the placeholder is sent,
    /// and the box looks for it again every few seconds.
    Missing { device: String },
    /// The device failed: the placeholder is sent, and the box tries it
    /// again every few seconds.
    Failed { device: String, reason: String },
}

impl InputHealth {
    /// One short English sentence for the logs and `/api/status`.
    pub fn sentence(&self, input: Input) -> String {
        let noun = input.noun();
        let stand_in = match input {
            Input::Camera => "a still picture",
            Input::Microphone => "silence",
        };
        match self {
            InputHealth::Test => format!("{noun}: a test source, as configured"),
            InputHealth::NotFound => format!("no {noun} found: callers get {stand_in}"),
            InputHealth::Idle { device } => format!("{noun} {device}: used during calls"),
            InputHealth::Starting { device } => format!("{noun} {device}: starting"),
            InputHealth::Working { device } => format!("{noun} {device}: working"),
            InputHealth::Missing { device } => {
                format!("{noun} {device} is not there (unplugged?): callers get {stand_in}")
            }
            InputHealth::Failed { device, reason } => format!(
                "{noun} {device} failed: {}; callers get {stand_in}",
                reason.trim_end_matches('.')
            ),
        }
    }

    /// Whether callers get the placeholder instead of a device.
    pub fn is_placeholder(&self) -> bool {
        matches!(
            self,
            InputHealth::NotFound
                | InputHealth::Starting { .. }
                | InputHealth::Missing { .. }
                | InputHealth::Failed { .. }
        )
    }
}

/// The camera's and the microphone's health, shared.
#[derive(Debug, Clone)]
pub struct CaptureHealth(Arc<Mutex<[InputHealth; 2]>>);

impl CaptureHealth {
    pub fn new(camera: InputHealth, microphone: InputHealth) -> Self {
        Self(Arc::new(Mutex::new([camera, microphone])))
    }

    pub fn get(&self, input: Input) -> InputHealth {
        self.lock()[input as usize].clone()
    }

    /// Records `health` for `input`; logs when it changed.
    pub(super) fn set(&self, input: Input, health: InputHealth) {
        let mut all = self.lock();
        let slot = &mut all[input as usize];
        if *slot != health {
            match &health {
                InputHealth::Failed { .. } | InputHealth::Missing { .. } => {
                    tracing::warn!(status = %health.sentence(input), "capture")
                }
                _ => tracing::info!(status = %health.sentence(input), "capture"),
            }
            *slot = health;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, [InputHealth; 2]> {
        lock(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_say_why() {
        let failed = InputHealth::Failed {
            device: "/dev/video0".into(),
            reason: "Cannot identify device '/dev/video0'.".into(),
        };
        assert_eq!(
            failed.sentence(Input::Camera),
            "camera /dev/video0 failed: Cannot identify device '/dev/video0'; callers get a still picture"
        );
        assert_eq!(
            InputHealth::NotFound.sentence(Input::Microphone),
            "no microphone found: callers get silence"
        );
        let health = CaptureHealth::new(InputHealth::NotFound, InputHealth::Test);
        health.set(Input::Microphone, failed.clone());
        assert_eq!(health.get(Input::Microphone), failed);
        assert_eq!(health.get(Input::Camera), InputHealth::NotFound);
    }
}
