//! Which socket speaks for which call, and what waits for an away caller.
//!
//! A call outlives its sockets: a new call takes its first socket's id as
//! its session, and a page coming back joins the call on a socket of its
//! own. Only the socket a call has now speaks for it: the last words of a
//! socket it replaced (a late close, a stray message) are ignored. While a
//! call has no socket, what the box has to tell its caller is queued, up to a
//! limit, and goes out when the page comes back.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::handle::ToCaller;
use super::state::SessionId;
use crate::protocol::ServerMessage;

/// Every open socket, and the call each one speaks for.
#[derive(Default)]
pub(super) struct Callers {
    /// Every open socket, admitted or not yet.
    outboxes: HashMap<SessionId, mpsc::Sender<ToCaller>>,
    /// The call each admitted socket speaks for.
    call_of: HashMap<SessionId, SessionId>,
    /// The socket each call has now.
    socket_of: HashMap<SessionId, SessionId>,
    /// What waits for calls whose caller is away.
    pending: HashMap<SessionId, Vec<ServerMessage>>,
}

/// What became of a message for a caller.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Delivery {
    Sent,
    /// The caller is away (or its socket closing): it waits for its return.
    Queued,
    /// The caller's socket is not reading (a dead or hostile page): the
    /// socket is dropped, so it closes and its `Gone` follows.
    Dropped,
    /// No socket, and nothing waits: the message is lost (log it).
    Lost,
}

impl Callers {
    /// A new socket, not yet admitted.
    pub fn opened(&mut self, socket: SessionId, outbox: mpsc::Sender<ToCaller>) {
        self.outboxes.insert(socket, outbox);
    }

    /// `socket` speaks for `call` from now on; the socket it had before, if
    /// any, is returned (to be told it was taken over and closed).
    pub fn join(&mut self, socket: &SessionId, call: &SessionId) -> Option<mpsc::Sender<ToCaller>> {
        let replaced = self
            .socket_of
            .insert(call.clone(), socket.clone())
            .filter(|old| old != socket);
        self.call_of.insert(socket.clone(), call.clone());
        let old = replaced?;
        self.call_of.remove(&old);
        self.outboxes.remove(&old)
    }

    /// The call `socket` speaks for, if it still does.
    pub fn call_of(&self, socket: &SessionId) -> Option<&SessionId> {
        self.call_of.get(socket)
    }

    /// `socket` closed. Returns the call it spoke for, if it still did (its
    /// caller is now away).
    pub fn closed(&mut self, socket: &SessionId) -> Option<SessionId> {
        self.outboxes.remove(socket);
        let call = self.call_of.remove(socket)?;
        if self.socket_of.get(&call) == Some(socket) {
            self.socket_of.remove(&call);
            Some(call)
        } else {
            None
        }
    }

    /// Sends `message` to the socket named `to` — a call's session (to its
    /// socket, or queued while it is away) or a socket not yet admitted.
    pub fn tell(&mut self, to: &SessionId, message: ServerMessage, call_exists: bool) -> Delivery {
        let socket = self.socket_of.get(to).unwrap_or(to).clone();
        match self.outboxes.get(&socket) {
            Some(outbox) => match outbox.try_send(ToCaller::Message(message)) {
                Ok(()) => Delivery::Sent,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.outboxes.remove(&socket);
                    Delivery::Dropped
                }
                // The socket is closing already; its `Gone` follows and
                // the caller is away: keep the message for its return.
                Err(mpsc::error::TrySendError::Closed(ToCaller::Message(message))) => {
                    self.queue(to, message, call_exists)
                }
                Err(mpsc::error::TrySendError::Closed(_)) => Delivery::Lost,
            },
            None => self.queue(to, message, call_exists),
        }
    }

    fn queue(&mut self, call: &SessionId, message: ServerMessage, call_exists: bool) -> Delivery {
        if !call_exists {
            return Delivery::Lost;
        }
        let queue = self.pending.entry(call.clone()).or_default();
        if queue.len() >= super::actor::PENDING_LIMIT {
            return Delivery::Lost;
        }
        queue.push(message);
        Delivery::Queued
    }

    /// Tells `call`'s socket that the call is placed (see `ToCaller::Placed`).
    pub fn placed(&mut self, call: &SessionId) {
        let socket = self.socket_of.get(call).unwrap_or(call);
        if let Some(outbox) = self.outboxes.get(socket) {
            let _ = outbox.try_send(ToCaller::Placed);
        }
    }

    /// What waited for `call` while its caller was away (emptied).
    pub fn take_pending(&mut self, call: &SessionId) -> Vec<ServerMessage> {
        self.pending.remove(call).unwrap_or_default()
    }

    /// Forgets what waits for `call` (its media try is gone, or the call).
    pub fn drop_pending(&mut self, call: &SessionId) {
        self.pending.remove(call);
    }

    /// Closes the socket named `to` (a call's or a socket not yet admitted)
    /// after what was sent before; the call no longer has a socket.
    pub fn close(&mut self, to: &SessionId) {
        let socket = self.socket_of.remove(to).unwrap_or_else(|| to.clone());
        self.call_of.remove(&socket);
        if let Some(outbox) = self.outboxes.remove(&socket) {
            let _ = outbox.try_send(ToCaller::Close);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: &str) -> SessionId {
        SessionId::new(id)
    }

    fn offer() -> ServerMessage {
        ServerMessage::Offer {
            sdp: "v=0".into(),
            media_try: 1,
        }
    }

    #[test]
    fn a_call_speaks_through_its_latest_socket_only() {
        let mut callers = Callers::default();
        let (first, mut first_rx) = mpsc::channel(4);
        let (second, mut second_rx) = mpsc::channel(4);
        callers.opened(s("p1"), first);
        assert!(callers.join(&s("p1"), &s("call")).is_none());
        callers.opened(s("p2"), second);
        let replaced = callers.join(&s("p2"), &s("call"));
        assert!(
            replaced.is_some(),
            "the first socket is handed back to be closed"
        );
        assert_eq!(callers.call_of(&s("p1")), None);
        assert_eq!(callers.call_of(&s("p2")), Some(&s("call")));
        assert_eq!(callers.tell(&s("call"), offer(), true), Delivery::Sent);
        assert_eq!(second_rx.try_recv().ok(), Some(ToCaller::Message(offer())));
        assert!(first_rx.try_recv().is_err());
        // The replaced socket's late close leaves the call its new socket.
        assert_eq!(callers.closed(&s("p1")), None);
        assert_eq!(callers.closed(&s("p2")), Some(s("call")));
    }

    #[test]
    fn messages_for_an_away_caller_wait_for_its_return() {
        let mut callers = Callers::default();
        let (tx, _rx) = mpsc::channel(4);
        callers.opened(s("p1"), tx);
        callers.join(&s("p1"), &s("call"));
        callers.closed(&s("p1"));
        assert_eq!(callers.tell(&s("call"), offer(), true), Delivery::Queued);
        assert_eq!(callers.tell(&s("gone"), offer(), false), Delivery::Lost);
        assert_eq!(callers.take_pending(&s("call")), vec![offer()]);
        assert!(callers.take_pending(&s("call")).is_empty());
    }

    #[test]
    fn a_caller_not_reading_is_dropped() {
        let mut callers = Callers::default();
        let (tx, _rx) = mpsc::channel(1);
        callers.opened(s("p1"), tx);
        callers.join(&s("p1"), &s("call"));
        assert_eq!(callers.tell(&s("call"), offer(), true), Delivery::Sent);
        assert_eq!(callers.tell(&s("call"), offer(), true), Delivery::Dropped);
    }
}
