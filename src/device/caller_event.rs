//! What a message from an admitted caller means to the device state machine.

use super::state::{Event, SessionId};
use crate::protocol::{ClientMessage, IceCandidate};

/// The state-machine event for a message from an admitted caller.
pub(super) fn caller_event(session: SessionId, message: ClientMessage) -> Option<Event> {
    Some(match message {
        ClientMessage::Answer { sdp, media_try } => Event::AnswerReceived {
            session,
            sdp,
            media_try,
        },
        ClientMessage::Ice {
            candidate,
            sdp_m_line_index,
            media_try,
        } => Event::RemoteCandidate {
            session,
            candidate: IceCandidate {
                candidate,
                sdp_m_line_index,
            },
            media_try,
        },
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
