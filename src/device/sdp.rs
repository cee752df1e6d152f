//! The box's offer as it goes to a caller: what the state machine writes
//! into it. Pure text, no parser beyond the lines it touches.

use crate::protocol::IceCandidate;

/// `offer` with `candidates` written in as `a=candidate` lines, each at the
/// end of the media section it belongs to: for a try built ahead of the
/// press, whose candidates were all found while the person read the page.
/// The browser then has them when it applies the offer, and checks them as
/// soon as it has answered, not after one `addIceCandidate` each (a
/// blocking call on the page's main thread, 1–5 ms apiece on a phone). No
/// `a=end-of-candidates`: a candidate found later still trickles. One that
/// names no media section of the offer is left out. The lines written end
/// as the offer's own do (CRLF, as SDP says and webrtcbin writes, unless
/// the offer uses bare LF throughout).
pub fn with_candidates(offer: &str, candidates: &[IceCandidate]) -> String {
    if candidates.is_empty() {
        return offer.to_owned();
    }
    let eol = if offer.contains('\n') && !offer.contains("\r\n") {
        "\n"
    } else {
        "\r\n"
    };
    let mut out = String::with_capacity(offer.len() + candidates.len() * 96);
    let mut section: Option<u32> = None;
    let write_candidates = |out: &mut String, section: Option<u32>| {
        let Some(section) = section else { return };
        for c in candidates.iter().filter(|c| c.sdp_m_line_index == section) {
            out.push_str("a=");
            out.push_str(&c.candidate);
            out.push_str(eol);
        }
    };
    for line in offer.split_inclusive('\n') {
        if line.starts_with("m=") {
            write_candidates(&mut out, section);
            section = Some(section.map_or(0, |s| s + 1));
        }
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str(eol);
        }
    }
    write_candidates(&mut out, section);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(mline: u32, text: &str) -> IceCandidate {
        IceCandidate {
            candidate: text.into(),
            sdp_m_line_index: mline,
        }
    }

    const OFFER: &str =
        "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE video0 audio1\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:video0\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:audio1\r\n";

    #[test]
    fn each_candidate_ends_its_own_media_section() {
        let sdp = with_candidates(
            OFFER,
            &[
                candidate(0, "candidate:1 1 UDP 2015363327 127.0.0.1 46261 typ host"),
                candidate(1, "candidate:2 1 UDP 2015363327 127.0.0.1 46262 typ host"),
                candidate(
                    0,
                    "candidate:3 1 TCP 1015021823 127.0.0.1 9 typ host tcptype active",
                ),
            ],
        );
        assert_eq!(
            sdp,
            "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE video0 audio1\r\n\
             m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:video0\r\n\
             a=candidate:1 1 UDP 2015363327 127.0.0.1 46261 typ host\r\n\
             a=candidate:3 1 TCP 1015021823 127.0.0.1 9 typ host tcptype active\r\n\
             m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:audio1\r\n\
             a=candidate:2 1 UDP 2015363327 127.0.0.1 46262 typ host\r\n"
        );
    }

    #[test]
    fn no_candidates_leave_the_offer_as_it_is_and_a_stray_one_is_left_out() {
        assert_eq!(with_candidates(OFFER, &[]), OFFER);
        assert_eq!(
            with_candidates(
                OFFER,
                &[candidate(2, "candidate:9 1 UDP 1 127.0.0.1 9 typ host")]
            ),
            OFFER
        );
    }

    #[test]
    fn an_offer_with_bare_line_feeds_gets_its_candidates_with_bare_line_feeds() {
        let offer = OFFER.replace("\r\n", "\n");
        let sdp = with_candidates(
            &offer,
            &[candidate(
                1,
                "candidate:2 1 UDP 2015363327 127.0.0.1 46262 typ host",
            )],
        );
        assert_eq!(
            sdp,
            format!("{offer}a=candidate:2 1 UDP 2015363327 127.0.0.1 46262 typ host\n")
        );
        assert!(!sdp.contains('\r'), "one kind of line end: {sdp:?}");
    }

    #[test]
    fn an_offer_whose_last_line_has_no_line_end_gets_one_before_a_candidate() {
        let sdp = with_candidates(
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0",
            &[candidate(0, "candidate:1 1 UDP 1 127.0.0.1 9 typ host")],
        );
        assert_eq!(
            sdp,
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidate:1 1 UDP 1 127.0.0.1 9 typ host\r\n"
        );
    }
}
