//! Who is in a group call, as the browsers in it see each other.
//!
//! With a participant limit above 2, the browsers in a call connect to each
//! other directly (a mesh) and to the box; the box tells each of them who
//! else is in (`participants`) and passes their signalling on unread
//! (`toPeer` → `fromPeer`). A browser is named to the others by a
//! participant id of its own — random, never its session, which would let
//! another browser take its call over.

use std::collections::HashMap;

use super::state::SessionId;
use crate::protocol::{Participant, ServerMessage};

#[derive(Default)]
pub(super) struct Roster {
    /// Each call's participant id.
    ids: HashMap<SessionId, String>,
    /// The last `participants` each call was sent.
    sent: HashMap<SessionId, ServerMessage>,
}

impl Roster {
    /// The `participants` message each member (session, label) must be sent
    /// now: those whose view changed since the last one.
    pub fn changes(&mut self, members: &[(SessionId, String)]) -> Vec<(SessionId, ServerMessage)> {
        let ids: Vec<(String, String)> = members
            .iter()
            .map(|(session, label)| (self.id_of(session), label.clone()))
            .collect();
        let mut out = Vec::new();
        for ((session, _), (you, _)) in members.iter().zip(&ids) {
            let mut others: Vec<Participant> = ids
                .iter()
                .filter(|(id, _)| id != you)
                .map(|(id, label)| Participant {
                    id: id.clone(),
                    label: label.clone(),
                })
                .collect();
            others.sort_by(|a, b| a.id.cmp(&b.id));
            let message = ServerMessage::Participants {
                you: you.clone(),
                others,
            };
            if self.sent.get(session) != Some(&message) {
                self.sent.insert(session.clone(), message.clone());
                out.push((session.clone(), message));
            }
        }
        let live: Vec<&SessionId> = members.iter().map(|(s, _)| s).collect();
        self.sent.retain(|s, _| live.contains(&s));
        out
    }

    /// The call whose participant id is `id`.
    pub fn session_of(&self, id: &str) -> Option<&SessionId> {
        self.ids.iter().find(|(_, v)| *v == id).map(|(s, _)| s)
    }

    /// `session`'s participant id, if it has one.
    pub fn id(&self, session: &SessionId) -> Option<&str> {
        self.ids.get(session).map(String::as_str)
    }

    /// `session` has a new socket: it is sent the roster again.
    pub fn resend(&mut self, session: &SessionId) {
        self.sent.remove(session);
    }

    /// `session` is over.
    pub fn forget(&mut self, session: &SessionId) {
        self.ids.remove(session);
        self.sent.remove(session);
    }

    fn id_of(&mut self, session: &SessionId) -> String {
        self.ids
            .entry(session.clone())
            .or_insert_with(|| {
                let mut bytes = [0u8; 8];
                // Only unguessable enough not to collide; a failing source
                // falls back to the session's position, still unique.
                if getrandom::fill(&mut bytes).is_err() {
                    bytes = (session.as_str().len() as u64).to_be_bytes();
                }
                bytes.iter().map(|b| format!("{b:02x}")).collect()
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, label: &str) -> (SessionId, String) {
        (SessionId::new(id), label.to_owned())
    }

    fn others(message: &ServerMessage) -> Vec<String> {
        match message {
            ServerMessage::Participants { others, .. } => {
                others.iter().map(|p| p.label.clone()).collect()
            }
            _ => panic!("not participants: {message:?}"),
        }
    }

    #[test]
    fn each_member_hears_of_the_others_once_per_change() {
        let mut roster = Roster::default();
        let sent = roster.changes(&[member("a", "Anna")]);
        assert_eq!(sent.len(), 1);
        assert!(others(&sent[0].1).is_empty());
        assert!(
            roster.changes(&[member("a", "Anna")]).is_empty(),
            "no change, nothing sent"
        );
        let sent = roster.changes(&[member("a", "Anna"), member("b", "Ben")]);
        assert_eq!(sent.len(), 2);
        for (session, message) in &sent {
            let expected = if session.as_str() == "a" {
                "Ben"
            } else {
                "Anna"
            };
            assert_eq!(others(message), vec![expected.to_owned()]);
        }
        roster.resend(&SessionId::new("b"));
        let sent = roster.changes(&[member("a", "Anna"), member("b", "Ben")]);
        assert_eq!(sent.len(), 1, "only the one with a new socket");
    }

    #[test]
    fn participant_ids_are_not_sessions_and_lead_back_to_them() {
        let mut roster = Roster::default();
        roster.changes(&[member("a", "Anna"), member("b", "Ben")]);
        let id = roster.id(&SessionId::new("b")).expect("an id").to_owned();
        assert_ne!(id, "b");
        assert_eq!(roster.session_of(&id), Some(&SessionId::new("b")));
        roster.forget(&SessionId::new("b"));
        assert_eq!(roster.session_of(&id), None);
    }
}
