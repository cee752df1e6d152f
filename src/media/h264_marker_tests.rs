use super::*;
use crate::media::codec::VideoCodec;
use crate::media::{encoder, make, run_to_end};
use std::sync::{Arc, Mutex};

/// An RTP packet: version 2, `marker`, payload type 96, then `payload`.
fn packet(marker: bool, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 96 | if marker { 0x80 } else { 0 }];
    p.extend([0, 1, 0, 0, 0, 9, 0, 0, 0, 7]);
    p.extend(payload);
    p
}

const SPS_UNIT: [u8; 4] = [0x67, 0x42, 0xe0, 0x1f];
const PPS_UNIT: [u8; 3] = [0x68, 0xce, 0x3c];
const IDR_UNIT: [u8; 3] = [0x65, 0x88, 0x84];

/// A STAP-A of `units`.
fn stap_a(units: &[&[u8]]) -> Vec<u8> {
    let mut p = vec![0x18];
    for unit in units {
        p.extend((unit.len() as u16).to_be_bytes());
        p.extend(*unit);
    }
    p
}

#[test]
fn parameter_sets_alone_never_end_a_picture() {
    assert!(marked_without_picture_end(&packet(true, &SPS_UNIT)));
    assert!(marked_without_picture_end(&packet(true, &PPS_UNIT)));
    assert!(marked_without_picture_end(&packet(
        true,
        &stap_a(&[&SPS_UNIT, &PPS_UNIT])
    )));
}

#[test]
fn a_packet_with_a_slice_keeps_its_marker() {
    assert!(!marked_without_picture_end(&packet(true, &IDR_UNIT)));
    assert!(!marked_without_picture_end(&packet(
        true,
        &stap_a(&[&SPS_UNIT, &PPS_UNIT, &IDR_UNIT])
    )));
    // FU-A (28), the end of a fragmented slice.
    assert!(!marked_without_picture_end(&packet(true, &[0x7c, 0x45, 1])));
    // Unmarked, there is nothing to clear.
    assert!(!marked_without_picture_end(&packet(false, &SPS_UNIT)));
}

#[test]
fn malformed_packets_are_left_alone() {
    // Shorter than an RTP header, another RTP version, an empty payload.
    assert!(!marked_without_picture_end(&[0x80, 0xe0, 0]));
    let mut v1 = packet(true, &SPS_UNIT);
    v1[0] = 0x40;
    assert!(!marked_without_picture_end(&v1));
    assert!(!marked_without_picture_end(&packet(true, &[])));
    // A STAP-A whose sizes overrun it, or hold nothing.
    assert!(!marked_without_picture_end(&packet(
        true,
        &[0x18, 0, 9, 0x67]
    )));
    assert!(!marked_without_picture_end(&packet(true, &[0x18])));
    // CSRCs or an extension that claim more than the packet holds.
    let mut csrcs = packet(true, &SPS_UNIT);
    csrcs[0] |= 0x0f;
    assert!(!marked_without_picture_end(&csrcs));
    let mut extension = packet(true, &SPS_UNIT);
    extension[0] |= 0x10;
    assert!(!marked_without_picture_end(&extension));
}

#[test]
fn the_payload_is_found_after_csrcs_and_an_extension_and_before_padding() {
    let mut p = vec![0xb1, 0xe0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 7];
    p.extend([1, 2, 3, 4]); // one CSRC
    p.extend([0xbe, 0xde, 0, 1, 5, 6, 7, 8]); // a one-word extension
    p.extend(SPS_UNIT);
    p.extend([0, 0, 3]); // three bytes of padding
    assert_eq!(payload(&p), Some(&SPS_UNIT[..]));
    assert!(marked_without_picture_end(&p));
}

/// The box's real H.264 chain: x264 at the call's size (a keyframe larger
/// than a packet), the shared encode's parser, then the caller's payloader
/// chain (`VideoCodec::payloader`). Each picture's
/// packets end with the only marked one, the keyframe's parameter sets
/// included.
#[test]
fn the_payloaders_packets_mark_each_pictures_last_packet_only() {
    gst::init().expect("gstreamer");
    let pipeline = gst::Pipeline::new();
    let src = make("videotestsrc").expect("videotestsrc");
    src.set_property("num-buffers", 10i32);
    let raw = make("capsfilter").expect("capsfilter");
    raw.set_property(
        "caps",
        gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .field("width", 640i32)
            .field("height", 360i32)
            .field("framerate", gst::Fraction::new(30, 1))
            .build(),
    );
    let kind = encoder::choose(&["x264enc".into()], 800, 30).expect("x264");
    let encode = kind.make(800, 30).expect("encoder");
    let encoded = make("capsfilter").expect("capsfilter");
    encoded.set_property("caps", encoder::output_caps());
    let parse = make("h264parse").expect("h264parse");
    parse.set_property("config-interval", -1i32);
    let sink = make("fakesink").expect("fakesink");
    let mut chain = vec![src, raw, encode, encoded, parse];
    chain.extend(VideoCodec::H264.payloader().expect("payloader"));
    chain.push(sink.clone());
    pipeline.add_many(&chain).expect("add");
    gst::Element::link_many(&chain).expect("link");

    let packets = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
    let seen = packets.clone();
    sink.static_pad("sink").expect("sink").add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
        move |pad, info| {
            let mut seen = seen.lock().expect("packets");
            let before = seen.len();
            let mut keep = |b: &gst::BufferRef| {
                seen.push(b.map_readable().expect("readable").to_vec());
            };
            match &info.data {
                Some(gst::PadProbeData::Buffer(b)) => keep(b),
                Some(gst::PadProbeData::BufferList(list)) => list.iter().for_each(keep),
                _ => {}
            }
            // A caller joining asks for a keyframe with its headers, as
            // `peer` does: the payloader then sends the SPS and PPS itself.
            if before < 20 && seen.len() >= 20 {
                let event = gst_video::UpstreamForceKeyUnitEvent::builder()
                    .all_headers(true)
                    .build();
                pad.push_event(event);
            }
            gst::PadProbeReturn::Ok
        },
    );
    let ended = run_to_end(&pipeline);
    let _ = pipeline.set_state(gst::State::Null);
    ended.expect("the pictures were sent");

    let packets = packets.lock().expect("packets");
    let timestamp = |p: &[u8]| u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
    let marked = |p: &[u8]| p[1] & 0x80 != 0;
    assert!(
        packets
            .iter()
            .any(|p| payload(p).is_some_and(only_parameter_sets)),
        "the asked keyframe's parameter sets went in a packet of their own"
    );
    let pictures: Vec<&[Vec<u8>]> = packets
        .chunk_by(|a, b| timestamp(a) == timestamp(b))
        .collect();
    assert_eq!(pictures.len(), 10, "one timestamp a picture");
    for (n, picture) in pictures.iter().enumerate() {
        let marks: Vec<bool> = picture.iter().map(|p| marked(p)).collect();
        let mut expected = vec![false; marks.len()];
        expected[marks.len() - 1] = true;
        assert_eq!(marks, expected, "picture {n}: the marker of each packet");
    }
}

#[test]
fn a_packet_in_two_memories_is_read_and_fixed() {
    gst::init().expect("gstreamer");
    // As a payloader makes it: the RTP header, then the payload appended.
    let whole = packet(true, &stap_a(&[&SPS_UNIT, &PPS_UNIT]));
    let mut buffer = gst::Buffer::from_slice(whole[..12].to_vec());
    buffer
        .make_mut()
        .append_memory(gst::Memory::from_slice(whole[12..].to_vec()));
    assert!(needs_fix(&buffer));
    fix_buffer(&mut buffer);
    let fixed = buffer.map_readable().expect("readable").to_vec();
    assert_eq!(fixed[1], 96, "marker cleared, payload type kept");
    assert_eq!(fixed[2..], whole[2..], "nothing else changed");
    // A marked packet longer than parameter sets can be is not read.
    let long = packet(true, &[&SPS_UNIT[..], &[0; 600]].concat());
    assert!(!needs_fix(&gst::Buffer::from_slice(long)));
}
