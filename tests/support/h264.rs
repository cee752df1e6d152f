//! What an offer says of the box's H.264: its `fmtp` parameters, and the
//! encoder's own SPS, carried in `sprop-parameter-sets` (h264parse takes it
//! from the encoded stream; the box rewrites nothing in it): profile,
//! level, picture size.

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
    let nal = sps_nal(sdp);
    Sps {
        profile_idc: nal[1],
        constraint_set1: nal[2] & 0x40 != 0,
        level_idc: nal[3],
    }
}

/// The picture size the encoder's SPS declares (after cropping), for the
/// Baseline profile (no chroma_format_idc, frame_mbs_only as written).
pub fn picture_size(sdp: &str) -> (u32, u32) {
    let nal = sps_nal(sdp);
    assert_eq!(nal[1], 66, "only Baseline SPSs are read here: {nal:02x?}");
    // Emulation prevention: 00 00 03 → 00 00.
    let mut rbsp = Vec::with_capacity(nal.len());
    for &byte in &nal[4..] {
        if byte == 3 && rbsp.ends_with(&[0, 0]) {
            continue;
        }
        rbsp.push(byte);
    }
    let mut bits = Bits { data: &rbsp, at: 0 };
    bits.ue(); // seq_parameter_set_id
    bits.ue(); // log2_max_frame_num_minus4
    match bits.ue() {
        0 => {
            bits.ue(); // log2_max_pic_order_cnt_lsb_minus4
        }
        1 => {
            bits.bit(); // delta_pic_order_always_zero_flag
            bits.se(); // offset_for_non_ref_pic
            bits.se(); // offset_for_top_to_bottom_field
            for _ in 0..bits.ue() {
                bits.se();
            }
        }
        _ => {}
    }
    bits.ue(); // max_num_ref_frames
    bits.bit(); // gaps_in_frame_num_value_allowed_flag
    let width_mbs = bits.ue() + 1;
    let height_units = bits.ue() + 1;
    let frame_mbs_only = bits.bit();
    if frame_mbs_only == 0 {
        bits.bit(); // mb_adaptive_frame_field_flag
    }
    bits.bit(); // direct_8x8_inference_flag
    let (mut left, mut right, mut top, mut bottom) = (0, 0, 0, 0);
    if bits.bit() == 1 {
        (left, right, top, bottom) = (bits.ue(), bits.ue(), bits.ue(), bits.ue());
    }
    // 4:2:0: crop units are 2 pixels across and 2 (4 for fields) down.
    let unit_y = 2 * (2 - frame_mbs_only);
    (
        width_mbs * 16 - 2 * (left + right),
        height_units * 16 * (2 - frame_mbs_only) - unit_y * (top + bottom),
    )
}

struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> u32 {
        let byte = *self.data.get(self.at / 8).expect("the SPS ended early");
        let bit = (byte >> (7 - self.at % 8)) & 1;
        self.at += 1;
        u32::from(bit)
    }

    /// Exp-Golomb, unsigned.
    fn ue(&mut self) -> u32 {
        let mut zeros = 0;
        while self.bit() == 0 {
            zeros += 1;
            assert!(zeros < 32, "not an Exp-Golomb code");
        }
        let mut value = 1u32;
        for _ in 0..zeros {
            value = (value << 1) | self.bit();
        }
        value - 1
    }

    /// Exp-Golomb, signed.
    fn se(&mut self) -> i64 {
        let k = i64::from(self.ue());
        if k % 2 == 1 {
            (k + 1) / 2
        } else {
            -k / 2
        }
    }
}

fn sps_nal(sdp: &str) -> Vec<u8> {
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
    nal
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
