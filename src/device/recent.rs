//! Calls the box had a moment ago, so that their pages come back unannounced.
//!
//! A call is remembered while it runs and for a while after it ended without
//! a hang-up (its page was away longer than the grace period, or the box
//! stopped). A page that returns with such a call's session within that
//! window takes it up again at once: no announcement on the TV, no one-time
//! link spent. The list is kept in `recent-calls.json` in the state dir, so
//! a box that restarted — or lost its power — mid-call knows its calls.
//!
//! Only the SHA-256 of a session id is kept (the session is what a page
//! presents to come back), with the link's id: nothing about a person.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::state::SessionId;
use crate::store::JsonFile;

/// One remembered call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    link_id: String,
    /// Unix seconds until which the call may be taken up; `None` while it runs.
    until: Option<u64>,
}

/// The remembered calls, written through to the state dir off the caller's thread.
pub struct RecentCalls {
    entries: HashMap<String, Entry>,
    window_secs: u64,
    /// Snapshots for the writer thread; `None` in memory only.
    writer: Option<mpsc::Sender<HashMap<String, Entry>>>,
}

impl RecentCalls {
    /// A list kept only in memory (tests of the actor).
    pub fn in_memory(window_secs: u64) -> Self {
        Self {
            entries: HashMap::new(),
            window_secs,
            writer: None,
        }
    }

    /// The list kept in `state_dir`. Calls that were running when the box
    /// stopped count as ended `now`; those whose window has passed are
    /// forgotten. A file that cannot be read starts an empty list.
    pub fn open(state_dir: &Path, window_secs: u64, now: u64) -> Self {
        let file = JsonFile::new(state_dir.join("recent-calls.json"));
        let mut entries: HashMap<String, Entry> = match file.read() {
            Ok(entries) => entries.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the recent calls; starting afresh");
                HashMap::new()
            }
        };
        for entry in entries.values_mut() {
            entry.until.get_or_insert(now + window_secs);
        }
        entries.retain(|_, e| e.until.is_some_and(|until| until > now));
        let (tx, rx) = mpsc::channel::<HashMap<String, Entry>>();
        let spawned = std::thread::Builder::new()
            .name("recent-calls".into())
            .spawn(move || {
                while let Ok(mut latest) = rx.recv() {
                    // Only the newest snapshot matters.
                    while let Ok(newer) = rx.try_recv() {
                        latest = newer;
                    }
                    if let Err(e) = file.write(&latest) {
                        tracing::warn!(error = %e, "cannot write the recent calls");
                    }
                }
            });
        let mut recent = Self {
            entries,
            window_secs,
            writer: spawned.ok().map(|_| tx),
        };
        recent.save();
        recent
    }

    /// `session` (through `link_id`) is running.
    pub fn began(&mut self, session: &SessionId, link_id: &str) {
        self.entries.insert(
            key(session),
            Entry {
                link_id: link_id.to_owned(),
                until: None,
            },
        );
        self.save();
    }

    /// `session` is over. `may_return`: it ended without a hang-up, and its
    /// page may take it up again for the window.
    pub fn ended(&mut self, session: &SessionId, may_return: bool, now: u64) {
        let key = key(session);
        if may_return {
            if let Some(entry) = self.entries.get_mut(&key) {
                entry.until = Some(now + self.window_secs);
            }
        } else {
            self.entries.remove(&key);
        }
        self.entries
            .retain(|_, e| e.until.is_none_or(|until| until > now));
        self.save();
    }

    /// Whether `session`, through `link_id`, is a call that ended a moment
    /// ago and may come back now.
    pub fn may_return(&self, session: &SessionId, link_id: &str, now: u64) -> bool {
        self.entries
            .get(&key(session))
            .is_some_and(|e| e.link_id == link_id && e.until.is_some_and(|until| until > now))
    }

    fn save(&mut self) {
        if let Some(writer) = &self.writer {
            if writer.send(self.entries.clone()).is_err() {
                self.writer = None;
            }
        }
    }
}

fn key(session: &SessionId) -> String {
    Sha256::digest(session.as_str().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: &str) -> SessionId {
        SessionId::new(id)
    }

    #[test]
    fn a_call_ended_without_hanging_up_may_return_within_the_window() {
        let mut recent = RecentCalls::in_memory(300);
        recent.began(&s("a"), "L1");
        assert!(
            !recent.may_return(&s("a"), "L1", 100),
            "running, not returning"
        );
        recent.ended(&s("a"), true, 100);
        assert!(recent.may_return(&s("a"), "L1", 399));
        assert!(
            !recent.may_return(&s("a"), "L2", 200),
            "only through its own link"
        );
        assert!(
            !recent.may_return(&s("a"), "L1", 400),
            "not after the window"
        );
        assert!(!recent.may_return(&s("b"), "L1", 200));
    }

    #[test]
    fn a_hung_up_call_does_not_return() {
        let mut recent = RecentCalls::in_memory(300);
        recent.began(&s("a"), "L1");
        recent.ended(&s("a"), false, 100);
        assert!(!recent.may_return(&s("a"), "L1", 101));
    }

    #[test]
    fn calls_running_when_the_box_stopped_may_return_after_it_restarts() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let mut recent = RecentCalls::open(dir.path(), 300, 1000);
            recent.began(&s("a"), "L1");
            recent.began(&s("b"), "L1");
            recent.ended(&s("b"), false, 1001);
        }
        // The writer thread writes the newest snapshot; wait for it.
        let file = dir.path().join("recent-calls.json");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if text.contains("L1") && text.matches("linkId").count() == 1 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never written: {text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!std::fs::read_to_string(&file)
            .expect("read")
            .contains("\"a\""));
        let recent = RecentCalls::open(dir.path(), 300, 2000);
        assert!(recent.may_return(&s("a"), "L1", 2100));
        assert!(!recent.may_return(&s("b"), "L1", 2100), "it was hung up");
        assert!(
            !recent.may_return(&s("a"), "L1", 2300),
            "the window runs from the restart"
        );
    }
}
