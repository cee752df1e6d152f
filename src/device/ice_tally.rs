//! What a caller has sent of ICE candidates for one media try, against the
//! limits: only m-lines the box offered, a bounded number per m-line and per
//! call, each of bounded length. A page never meets these limits; a caller
//! that does is expelled by the state machine before anything reaches
//! webrtcbin.

use crate::limits::CandidateLimits;
use crate::protocol::IceCandidate;

/// The m-lines the box offered and the candidates the caller sent for each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IceTally {
    /// Candidates received per m-line of the box's offer (empty before it).
    per_mline: Vec<u32>,
}

impl IceTally {
    /// A fresh tally for the box's offer `sdp`.
    pub fn for_offer(sdp: &str) -> Self {
        Self {
            per_mline: vec![0; mline_count(sdp)],
        }
    }

    /// Whether the box has offered in this try.
    pub fn offered(&self) -> bool {
        !self.per_mline.is_empty()
    }

    /// Whether answer `sdp` has exactly the offer's m-lines (RFC 8829, 5.3.1).
    pub fn matches(&self, sdp: &str) -> bool {
        mline_count(sdp) == self.per_mline.len()
    }

    /// Counts `candidate`, or says why it must not reach the media engine:
    /// the box offered no such m-line, the line is too long, or the caller
    /// sent more than a browser ever gathers.
    pub fn take(
        &mut self,
        candidate: &IceCandidate,
        limits: &CandidateLimits,
    ) -> Result<(), &'static str> {
        let total: u32 = self.per_mline.iter().sum();
        let Some(n) = self.per_mline.get_mut(candidate.sdp_m_line_index as usize) else {
            return Err("candidate for an m-line the box did not offer");
        };
        if candidate.candidate.len() > limits.bytes {
            Err("candidate too long")
        } else if *n >= limits.per_mline {
            Err("too many candidates for one m-line")
        } else if total >= limits.per_call {
            Err("too many candidates for one call")
        } else {
            *n += 1;
            Ok(())
        }
    }
}

/// How many media sections (`m=` lines) a session description has.
fn mline_count(sdp: &str) -> usize {
    sdp.lines().filter(|l| l.starts_with("m=")).count()
}
