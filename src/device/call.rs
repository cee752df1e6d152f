//! One call as the device state machine (`device::state`) keeps it: where
//! it stands, the link it came through, what its caller sends, and the media
//! try built ahead of its press.

use super::ice_tally::IceTally;
use super::state::SessionId;
use crate::protocol::{Camera, IceCandidate};

/// Where one call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Admitted, but the person has not pressed Call yet (the page is asking
    /// for the camera): nothing is announced, no place is taken.
    Asking,
    /// Placed; the TV announces the caller before the box answers.
    Ringing,
    /// Answered; offer, answer and ICE under way.
    Connecting,
    /// Media flows.
    InCall,
}

impl Phase {
    /// Whether the call has a media branch (and needs the camera).
    pub(super) fn has_media(self) -> bool {
        matches!(self, Phase::Connecting | Phase::InCall)
    }

    /// Whether the call takes one of the box's places (and shows on the TV).
    pub fn placed(self) -> bool {
        !matches!(self, Phase::Asking)
    }
}

/// The link a call came through: its id and the label the TV shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub id: String,
    pub label: String,
    /// Good for one call.
    pub one_time: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub session: SessionId,
    pub phase: Phase,
    pub link: LinkRef,
    /// What the caller has sent of ICE candidates, against the limits.
    pub ice: IceTally,
    /// The caller's socket is open. An away call keeps its media and its
    /// place until its page comes back or the grace period ends.
    pub present: bool,
    /// The page said it is leaving (closed or reloading): a shorter grace.
    pub leaving: bool,
    /// Counts the times the caller went away; names the grace timer of the
    /// latest, so an older timer ends nothing.
    pub absences: u32,
    /// Counts the media branches built for this call (one built ahead of
    /// the press counts, so a page's first offer may be try 2); names the
    /// connect deadline of the latest, and is the `mediaTry` its offer
    /// carries and the page's answer and candidates name back.
    pub tries: u32,
    /// Media tries in a row that failed (never connected).
    pub failures: u32,
    /// How long the TV announces the call once it is placed (0: at once).
    pub countdown: u32,
    /// What the caller's page says it sends.
    pub camera: Camera,
    pub microphone: bool,
    /// The camera and encoder were started for this call while its person
    /// had not pressed Call yet, so that the call's first picture does not
    /// wait for them; [`Event::PressOverdue`] lets them go again.
    pub warm: bool,
    /// A media try built while the person had not pressed Call yet, whose
    /// offer waits for the answer (see [`Prepared`]).
    pub prepared: Option<Prepared>,
}

/// A media try started for a page still asking, so that its offer is made
/// while the person reads the page: the offer and the box's candidates wait
/// here and go out the moment the call is answered, the candidates written
/// into the offer (`sdp::with_candidates`; after it, if it was still being
/// made). The caller can answer nothing
/// it has not been sent, and no media flows before its answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prepared {
    pub offer: Option<String>,
    pub candidates: Vec<IceCandidate>,
}

impl Call {
    /// Whether this call needs the camera and encoder running.
    pub(super) fn keeps_capture(&self) -> bool {
        self.phase.has_media() || self.warm
    }

    /// Whether this call has a media branch to tear down.
    pub(super) fn has_branch(&self) -> bool {
        self.phase.has_media() || self.prepared.is_some()
    }

    /// A call just admitted: its caller present, no media try yet.
    pub fn new(session: SessionId, phase: Phase, link: LinkRef) -> Self {
        Self {
            session,
            phase,
            link,
            ice: IceTally::default(),
            present: true,
            leaving: false,
            absences: 0,
            tries: 0,
            failures: 0,
            countdown: 0,
            camera: Camera::On,
            microphone: true,
            warm: false,
            prepared: None,
        }
    }
}
