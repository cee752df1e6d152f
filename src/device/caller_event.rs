//! What a message from an admitted caller means to the device state machine.

use super::state::{Event, SessionId};
use crate::protocol::ClientMessage;

/// The state-machine event for a message from an admitted caller.
pub(super) fn caller_event(session: SessionId, message: ClientMessage) -> Option<Event> {
    Some(match message {
        ClientMessage::Answer { sdp } => Event::AnswerReceived { session, sdp },
        ClientMessage::Ice(candidate) => Event::RemoteCandidate { session, candidate },
        ClientMessage::HangUp => Event::CallerHungUp { session },
        ClientMessage::Leaving => Event::CallerLeaving { session },
        ClientMessage::CannotCall => Event::CallerCannotCall { session },
        ClientMessage::Ready => Event::CallerReady { session },
        ClientMessage::Sending { camera, microphone } => Event::CallerSending {
            session,
            camera,
            microphone,
        },
        // Passed on by the actor before it comes here.
        ClientMessage::ToPeer { .. } => return None,
        ClientMessage::Hello { .. } => {
            tracing::debug!(session = %session, "second hello ignored");
            return None;
        }
    })
}
