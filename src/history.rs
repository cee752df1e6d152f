//! The last calls, technical facts only: when, how long, through which link,
//! and what the box received. Kept crash-safely in `<state_dir>/calls.json`
//! for the admin's diagnostics; no content, no addresses, no tokens.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::store::{JsonFile, StoreError};

/// How many calls are kept.
pub const KEPT: usize = 20;

/// One finished call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// Unix seconds.
    pub started: u64,
    pub duration_secs: u64,
    /// The link's label ("Anna").
    pub label: String,
    /// Why it ended, in a word ("hungUp", "linkRevoked", …).
    pub ended: String,
    /// What the box decoded from the caller.
    pub video_frames: u64,
    pub width: u32,
    pub height: u32,
    pub audio_buffers: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Calls {
    calls: Vec<CallRecord>,
}

/// The record of past calls.
#[derive(Debug, Clone)]
pub struct CallHistory {
    file: JsonFile,
}

impl CallHistory {
    pub fn open(state_dir: &Path) -> Self {
        Self {
            file: JsonFile::new(state_dir.join("calls.json")),
        }
    }

    /// Adds a finished call, keeping the last [`KEPT`].
    pub fn add(&self, record: CallRecord) -> Result<(), StoreError> {
        self.file.update(|c: &mut Calls| {
            c.calls.push(record);
            let excess = c.calls.len().saturating_sub(KEPT);
            c.calls.drain(..excess);
        })
    }

    /// The kept calls, newest first.
    pub fn recent(&self) -> Result<Vec<CallRecord>, StoreError> {
        let mut calls = self.file.read::<Calls>()?.unwrap_or_default().calls;
        calls.reverse();
        Ok(calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u64) -> CallRecord {
        CallRecord {
            started: n,
            duration_secs: 60,
            label: "Anna".into(),
            ended: "hungUp".into(),
            video_frames: 1800,
            width: 640,
            height: 360,
            audio_buffers: 3000,
        }
    }

    #[test]
    fn keeps_the_last_calls_newest_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let history = CallHistory::open(dir.path());
        assert!(history.recent().expect("empty").is_empty());
        for n in 0..(KEPT as u64 + 5) {
            history.add(record(n)).expect("add");
        }
        let recent = history.recent().expect("read");
        assert_eq!(recent.len(), KEPT);
        assert_eq!(recent[0].started, KEPT as u64 + 4);
        assert_eq!(recent[KEPT - 1].started, 5);
    }
}
