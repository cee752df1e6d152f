//! What an offer says of the box's video: both codecs in the one video
//! m-line (H.264 first, VP8 the fallback) and H.264's `fmtp` parameters.
//! The offer is made from the box's codec preferences, before any picture
//! is encoded: what the encoder writes in its SPS is tested on the stream
//! itself (`media::encodes`' tests).

/// The payload types of the offer's video m-line, in order.
pub fn video_formats(sdp: &str) -> Vec<String> {
    let line = sdp
        .lines()
        .find_map(|l| l.strip_prefix("m=video "))
        .unwrap_or_else(|| panic!("no video m-line in the offer:\n{sdp}"));
    line.split_whitespace().skip(2).map(str::to_owned).collect()
}

/// The payload type the offer maps to `codec` (`a=rtpmap:<pt> <codec>/90000`).
pub fn payload_type(sdp: &str, codec: &str) -> Option<String> {
    sdp.lines().find_map(|l| {
        let (pt, name) = l.strip_prefix("a=rtpmap:")?.split_once(' ')?;
        name.starts_with(&format!("{codec}/"))
            .then(|| pt.to_owned())
    })
}

/// The `a=fmtp` parameters of the offer's H.264 payload type.
pub fn fmtp(sdp: &str) -> Vec<(String, String)> {
    let pt = payload_type(sdp, "H264")
        .unwrap_or_else(|| panic!("no H264 payload type in the offer:\n{sdp}"));
    let line = sdp
        .lines()
        .find_map(|l| l.strip_prefix(&format!("a=fmtp:{pt} ")))
        .unwrap_or_else(|| panic!("no fmtp for H264 (pt {pt}):\n{sdp}"));
    line.split(';')
        .filter_map(|p| p.trim().split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// One fmtp parameter of the offer's H.264.
pub fn param(sdp: &str, name: &str) -> Option<String> {
    fmtp(sdp)
        .into_iter()
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// Asserts what every offer must say: H.264 constrained baseline level 3.1
/// (`42e01f`, packetization mode 1) and VP8, both in the video m-line,
/// H.264 first.
pub fn assert_h264_3_1_and_vp8(sdp: &str) {
    assert_eq!(
        param(sdp, "profile-level-id").as_deref(),
        Some("42e01f"),
        "profile-level-id in the offer:\n{sdp}"
    );
    assert_eq!(
        param(sdp, "packetization-mode").as_deref(),
        Some("1"),
        "{sdp}"
    );
    let (h264, vp8) = (payload_type(sdp, "H264"), payload_type(sdp, "VP8"));
    let expected: Vec<String> = [h264, vp8]
        .into_iter()
        .map(|pt| pt.unwrap_or_else(|| panic!("H264 and VP8 in the offer:\n{sdp}")))
        .collect();
    assert_eq!(
        video_formats(sdp),
        expected,
        "the video m-line lists H.264 then VP8:\n{sdp}"
    );
}
