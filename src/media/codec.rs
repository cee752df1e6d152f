//! The video codecs the box offers, and which one a caller chose.
//!
//! Owns each codec's names (RTP encoding name, payload type), the caps the
//! box offers it with, its payloader, and reading a caller's answer for the
//! codec it took. Every offer carries both codecs in one video m-line,
//! H.264 first (constrained baseline level 3.1: phones decode it in
//! hardware), VP8 as the fallback for a browser without H.264 (Debian's
//! Firefox ESR, whose OpenH264 is downloaded at run time). The answer's
//! order is the caller's preference (RFC 3264 §6.1): the box sends the
//! first of its codecs the answer lists.

use gst::prelude::*;

use super::{make, MediaError};

/// A video codec the box can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    H264,
    Vp8,
}

/// `profile-level-id` the box declares for its H.264: constrained baseline,
/// level 3.1, in the form browsers use (see `peer::declare_profile_level_id`).
pub(super) const PROFILE_LEVEL_ID: &str = "42e01f";

impl VideoCodec {
    /// In the order they are offered: the box's preference.
    pub const OFFERED: [VideoCodec; 2] = [VideoCodec::H264, VideoCodec::Vp8];

    /// The RTP encoding name (`a=rtpmap:<pt> <name>/90000`).
    pub fn encoding_name(self) -> &'static str {
        match self {
            Self::H264 => "H264",
            Self::Vp8 => "VP8",
        }
    }

    /// The payload type the box offers it as.
    pub fn payload_type(self) -> u32 {
        match self {
            Self::H264 => 96,
            Self::Vp8 => 97,
        }
    }

    /// A short name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::H264 => "h264",
            Self::Vp8 => "vp8",
        }
    }

    /// The RTP caps the payloader's output must match (what reaches webrtcbin).
    fn rtp_caps(self) -> gst::Structure {
        let s = gst::Structure::builder("application/x-rtp")
            .field("media", "video")
            .field("encoding-name", self.encoding_name())
            .field("payload", self.payload_type() as i32)
            .field("clock-rate", 90_000i32);
        match self {
            Self::H264 => s.field("packetization-mode", "1").build(),
            Self::Vp8 => s.build(),
        }
    }

    /// The payloader chain, from this codec's shared encode to RTP.
    pub(super) fn payloader(self) -> Result<Vec<gst::Element>, MediaError> {
        match self {
            Self::H264 => {
                // The shared tee carries byte-stream H.264; converted to avc
                // here, caps reach the payloader only with the stream's SPS.
                let parse = make("h264parse")?;
                let avc = make("capsfilter")?;
                avc.set_property(
                    "caps",
                    gst::Caps::builder("video/x-h264")
                        .field("stream-format", "avc")
                        .field("alignment", "au")
                        .build(),
                );
                let pay = make("rtph264pay")?;
                pay.set_property("pt", self.payload_type());
                pay.set_property("config-interval", -1i32);
                pay.set_property_from_str("aggregate-mode", "zero-latency");
                super::h264_marker::fix_markers(&super::pad_of(&pay, "src")?);
                Ok(vec![parse, avc, pay])
            }
            Self::Vp8 => {
                let pay = make("rtpvp8pay")?;
                pay.set_property("pt", self.payload_type());
                // Browsers use the picture id to spot lost frames.
                pay.set_property_from_str("picture-id-mode", "15-bit");
                Ok(vec![pay])
            }
        }
    }
}

/// What any offered codec's payloader may send into webrtcbin's video pad.
pub(super) fn sendable_caps() -> gst::Caps {
    VideoCodec::OFFERED
        .into_iter()
        .map(VideoCodec::rtp_caps)
        .collect()
}

/// The video transceiver's `codec-preferences`: every offered codec, in
/// order, with H.264's `profile-level-id` declared. webrtcbin makes the
/// offer from these, whether or not the encoder already runs.
pub(super) fn offer_caps() -> gst::Caps {
    VideoCodec::OFFERED
        .into_iter()
        .map(|codec| {
            let mut s = codec.rtp_caps();
            if codec == VideoCodec::H264 {
                s.set("profile-level-id", PROFILE_LEVEL_ID);
            }
            s
        })
        .collect()
}

/// The codec the box sends to the caller who answered `sdp`: the first of
/// the offered codecs that the answer's video m-line lists, by payload type
/// and name. `None` when the answer rejects video (port 0) or names none.
pub fn chosen_in_answer(sdp: &str) -> Option<VideoCodec> {
    let section = video_section(sdp)?;
    let mut m_line = section.first()?.split_whitespace();
    let port = m_line.nth(1)?;
    if port == "0" {
        return None;
    }
    // m=video <port> <proto> <fmt>...
    let formats: Vec<&str> = m_line.skip(1).collect();
    formats.iter().find_map(|pt| {
        let name = section.iter().find_map(|line| {
            let (map_pt, codec) = line.strip_prefix("a=rtpmap:")?.split_once(' ')?;
            (map_pt == *pt).then(|| codec.split('/').next().unwrap_or(""))
        })?;
        VideoCodec::OFFERED.into_iter().find(|c| {
            c.encoding_name().eq_ignore_ascii_case(name) && pt.parse() == Ok(c.payload_type())
        })
    })
}

/// The lines of the first `m=video` section, its m-line first.
fn video_section(sdp: &str) -> Option<Vec<&str>> {
    let mut lines = sdp.lines().map(|l| l.trim_end_matches('\r'));
    let first = lines.find(|l| l.starts_with("m=video "))?;
    Some(
        std::iter::once(first)
            .chain(lines.take_while(|l| !l.starts_with("m=")))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chromium 1xx's answer to the box's offer (trimmed: ICE and DTLS lines).
    const CHROME_ANSWER: &str = "v=0\r\n\
o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n\
s=-\r\n\
t=0 0\r\n\
a=group:BUNDLE video0 audio1\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n\
c=IN IP4 0.0.0.0\r\n\
a=mid:video0\r\n\
a=sendrecv\r\n\
a=rtcp-mux\r\n\
a=rtpmap:96 H264/90000\r\n\
a=rtcp-fb:96 nack\r\n\
a=rtcp-fb:96 nack pli\r\n\
a=rtcp-fb:96 ccm fir\r\n\
a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n\
a=rtpmap:97 VP8/90000\r\n\
a=rtcp-fb:97 nack\r\n\
a=rtcp-fb:97 nack pli\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n\
c=IN IP4 0.0.0.0\r\n\
a=mid:audio1\r\n\
a=rtpmap:111 OPUS/48000/2\r\n";

    /// Firefox ESR without OpenH264: VP8 only (trimmed).
    const FIREFOX_ANSWER: &str = "v=0\r\n\
o=mozilla...THIS_IS_SDPARTA-128.0 8052913785741291347 0 IN IP4 0.0.0.0\r\n\
s=-\r\n\
t=0 0\r\n\
a=fingerprint:sha-256 00:11\r\n\
a=group:BUNDLE video0 audio1\r\n\
a=ice-options:trickle\r\n\
a=msid-semantic:WMS *\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 97\r\n\
c=IN IP4 0.0.0.0\r\n\
a=sendrecv\r\n\
a=fmtp:97 max-fs=12288;max-fr=60\r\n\
a=mid:video0\r\n\
a=rtcp-fb:97 nack\r\n\
a=rtcp-fb:97 nack pli\r\n\
a=rtcp-fb:97 ccm fir\r\n\
a=rtcp-mux\r\n\
a=rtpmap:97 VP8/90000\r\n\
a=setup:active\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n\
c=IN IP4 0.0.0.0\r\n\
a=sendrecv\r\n\
a=mid:audio1\r\n\
a=rtpmap:111 opus/48000/2\r\n";

    #[test]
    fn chrome_takes_h264_first() {
        assert_eq!(chosen_in_answer(CHROME_ANSWER), Some(VideoCodec::H264));
    }

    #[test]
    fn firefox_without_openh264_takes_vp8() {
        assert_eq!(chosen_in_answer(FIREFOX_ANSWER), Some(VideoCodec::Vp8));
    }

    #[test]
    fn the_answers_order_is_the_callers_preference() {
        let vp8_first = CHROME_ANSWER.replace(
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
            "m=video 9 UDP/TLS/RTP/SAVPF 97 96",
        );
        assert_eq!(chosen_in_answer(&vp8_first), Some(VideoCodec::Vp8));
    }

    #[test]
    fn rejected_or_unknown_video_sends_none() {
        let rejected = FIREFOX_ANSWER.replace("m=video 9 ", "m=video 0 ");
        assert_eq!(chosen_in_answer(&rejected), None);
        let other_pt = FIREFOX_ANSWER
            .replace("SAVPF 97\r\n", "SAVPF 120\r\n")
            .replace("rtpmap:97", "rtpmap:120");
        assert_eq!(
            chosen_in_answer(&other_pt),
            None,
            "a type the box never offered"
        );
        let no_video = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";
        assert_eq!(chosen_in_answer(no_video), None);
        // An rtpmap of the audio section does not count for video.
        let audio_vp8 =
            "m=video 9 RTP/SAVPF 97\r\nm=audio 9 RTP/SAVPF 97\r\na=rtpmap:97 VP8/90000\r\n";
        assert_eq!(chosen_in_answer(audio_vp8), None);
    }

    #[test]
    fn bare_newlines_are_read_too() {
        let lf = FIREFOX_ANSWER.replace("\r\n", "\n");
        assert_eq!(chosen_in_answer(&lf), Some(VideoCodec::Vp8));
    }

    #[test]
    fn the_offer_lists_both_codecs_h264_first_with_its_profile() {
        gst::init().expect("gstreamer");
        let caps = offer_caps();
        let names: Vec<_> = caps
            .iter()
            .map(|s| {
                (
                    s.get::<&str>("encoding-name").expect("name").to_owned(),
                    s.get::<i32>("payload").expect("pt"),
                )
            })
            .collect();
        assert_eq!(names, [("H264".into(), 96), ("VP8".into(), 97)]);
        let h264 = caps.structure(0).expect("h264");
        assert_eq!(h264.get::<&str>("profile-level-id"), Ok(PROFILE_LEVEL_ID));
        assert_eq!(h264.get::<&str>("packetization-mode"), Ok("1"));
        // What payloaders send fits what is offered.
        assert!(sendable_caps().can_intersect(&caps));
    }
}
