//! The media engine's name for each call's current media try.
//!
//! A call may have several media tries in its life (rebuilt after a reload
//! or a failure); each try's branch gets a name of its own, so the late
//! events of a branch being torn down (a candidate, a failure) are not taken
//! for the new one's. Names never repeat while the box runs: a call the box
//! restores (the page came back after the grace period) counts its tries
//! from 1 again, under the same session.

use std::collections::HashMap;

use super::state::SessionId;

#[derive(Default)]
pub(super) struct Branches {
    name_of: HashMap<SessionId, String>,
    call_of: HashMap<String, SessionId>,
    /// Branches started so far: the last part of each name.
    started: u64,
}

impl Branches {
    /// The name of try `try_number` of `call`, now its current one:
    /// `<call>-<try>-<branches started before>`.
    pub fn start(&mut self, call: &SessionId, try_number: u32) -> String {
        let name = format!("{call}-{try_number}-{}", self.started);
        self.started += 1;
        self.stop(call);
        self.name_of.insert(call.clone(), name.clone());
        self.call_of.insert(name.clone(), call.clone());
        name
    }

    /// The current branch of `call`, forgotten (`None` if it has none).
    pub fn stop(&mut self, call: &SessionId) -> Option<String> {
        let name = self.name_of.remove(call)?;
        self.call_of.remove(&name);
        Some(name)
    }

    /// The current branch of `call`.
    pub fn name(&self, call: &SessionId) -> Option<&str> {
        self.name_of.get(call).map(String::as_str)
    }

    /// The call whose current branch is `name` (`None`: a branch gone since).
    pub fn call(&self, name: &str) -> Option<&SessionId> {
        self.call_of.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_down_branch_speaks_for_no_call() {
        let mut branches = Branches::default();
        let call = SessionId::new("c");
        let first = branches.start(&call, 1);
        let second = branches.start(&call, 2);
        assert_ne!(first, second);
        assert_eq!(branches.call(&first), None);
        assert_eq!(branches.call(&second), Some(&call));
        assert_eq!(branches.stop(&call), Some(second.clone()));
        assert_eq!(branches.call(&second), None);
        assert_eq!(branches.name(&call), None);
    }

    #[test]
    fn a_restored_call_counting_its_tries_again_gets_new_names() {
        let mut branches = Branches::default();
        let call = SessionId::new("c");
        let before = branches.start(&call, 1);
        branches.stop(&call);
        let restored = branches.start(&call, 1);
        assert_ne!(before, restored);
        assert_eq!(branches.call(&before), None, "the old branch's late events");
        assert_eq!(branches.call(&restored), Some(&call));
    }
}
