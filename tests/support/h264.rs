//! What an offer says of the box's H.264: its `fmtp` parameters, and the
//! encoder's own SPS, carried in `sprop-parameter-sets` (h264parse takes it
//! from the encoded stream; the box rewrites nothing in it).

use base64::Engine;

/// The `a=fmtp` parameters of the offer's H.264 payload type.
pub fn fmtp(sdp: &str) -> Vec<(String, String)> {
    let pt = sdp
        .lines()
        .find_map(|l| {
            let (pt, codec) = l.strip_prefix("a=rtpmap:")?.split_once(' ')?;
            codec.starts_with("H264/").then(|| pt.to_owned())
        })
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

/// The first bytes of a sequence parameter set (H.264 7.3.2.1.1).
#[derive(Debug, PartialEq, Eq)]
pub struct Sps {
    pub profile_idc: u8,
    pub constraint_set1: bool,
    pub level_idc: u8,
}

/// The SPS in the offer's `sprop-parameter-sets`.
pub fn sps(sdp: &str) -> Sps {
    let sets = param(sdp, "sprop-parameter-sets")
        .unwrap_or_else(|| panic!("no sprop-parameter-sets in the offer:\n{sdp}"));
    let nal = sets
        .split(',')
        .map(|set| {
            base64::engine::general_purpose::STANDARD
                .decode(set)
                .unwrap_or_else(|e| panic!("sprop-parameter-sets {set:?}: {e}"))
        })
        .find(|nal| nal.first().is_some_and(|h| h & 0x1f == 7))
        .unwrap_or_else(|| panic!("no SPS (NAL type 7) in {sets:?}"));
    assert!(nal.len() >= 4, "SPS too short: {nal:02x?}");
    Sps {
        profile_idc: nal[1],
        constraint_set1: nal[2] & 0x40 != 0,
        level_idc: nal[3],
    }
}

/// Asserts what every offer must say: constrained baseline, level 3.1, in
/// the declared id and in the stream's own SPS.
pub fn assert_constrained_baseline_3_1(sdp: &str) {
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
    assert_eq!(
        sps(sdp),
        Sps {
            profile_idc: 66,
            constraint_set1: true,
            level_idc: 31
        },
        "the encoder's SPS:\n{sdp}"
    );
}
