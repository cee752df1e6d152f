//! The RTP marker bit of the H.264 packets the box sends, which RFC 6184
//! (section 5.1) sets on the last packet of a picture only: cleared where
//! GStreamer's payloader sets it on a packet that ends no picture.
//!
//! `rtph264pay` (GStreamer 1.22, `aggregate-mode=zero-latency`,
//! `config-interval=-1`) sends the SPS and PPS it inserts before an asked
//! keyframe (the one a caller joining asks for: all headers) as a packet of
//! their own with the marker bit set, then the keyframe's slices under the
//! same timestamp. A receiver that ends a picture at the marker sees a
//! "picture" with no slice, then slices with no start: Chrome copes, a
//! stricter depacketizer may drop or delay the keyframe a call starts with.
//! The fix is here rather than in the payloader: the marker is cleared on a
//! packet that carries only parameter sets (an SPS, a PPS, or a STAP-A of
//! them), which can never end a picture. The bit is only ever cleared.

use gst::prelude::*;

/// NAL unit types (RFC 6184, section 5.4; H.264 table 7-1).
const SPS: u8 = 7;
const PPS: u8 = 8;
const STAP_A: u8 = 24;

/// Clears the marker bit of parameter-set packets leaving `pad` (an
/// `rtph264pay`'s source), in buffers and in buffer lists.
pub(super) fn fix_markers(pad: &gst::Pad) {
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
        |_, info| {
            match &mut info.data {
                Some(gst::PadProbeData::Buffer(buffer)) => fix_buffer(buffer),
                Some(gst::PadProbeData::BufferList(list)) if list.iter().any(needs_fix) => {
                    list.make_mut().foreach_mut(|mut buffer, _| {
                        fix_buffer(&mut buffer);
                        std::ops::ControlFlow::Continue(Some(buffer))
                    });
                }
                _ => {}
            }
            gst::PadProbeReturn::Ok
        },
    );
}

/// The longest packet read whole: parameter sets take tens of bytes, a
/// packet longer than this carries more than them.
const PARAMETER_SETS_AT_MOST: usize = 512;

/// Whether `buffer` is a marked packet of parameter sets only. Read by
/// copying, never by mapping: a payloader's packet is a header and a
/// payload in two memories, which a map would merge (an allocation and a
/// copy of every packet); only a short marked one is copied whole.
fn needs_fix(buffer: &gst::BufferRef) -> bool {
    let mut head = [0u8; 2];
    if buffer.copy_to_slice(0, &mut head).is_err() || head[1] & 0x80 == 0 {
        return false;
    }
    let size = buffer.size();
    if size > PARAMETER_SETS_AT_MOST {
        return false;
    }
    let mut packet = [0u8; PARAMETER_SETS_AT_MOST];
    buffer.copy_to_slice(0, &mut packet[..size]).is_ok()
        && marked_without_picture_end(&packet[..size])
}

fn fix_buffer(buffer: &mut gst::Buffer) {
    if !needs_fix(buffer) {
        return;
    }
    if let Ok(mut map) = buffer.make_mut().map_writable() {
        map[1] &= 0x7f;
    }
}

/// Whether `packet` (an RTP packet) has its marker bit set while its
/// payload holds only parameter sets.
fn marked_without_picture_end(packet: &[u8]) -> bool {
    if packet.len() < 12 || packet[0] >> 6 != 2 || packet[1] & 0x80 == 0 {
        return false;
    }
    payload(packet).is_some_and(only_parameter_sets)
}

/// The payload of an RTP packet: after the CSRCs and any header extension,
/// without padding.
fn payload(packet: &[u8]) -> Option<&[u8]> {
    let csrcs = usize::from(packet[0] & 0x0f);
    let mut start = 12 + 4 * csrcs;
    if packet[0] & 0x10 != 0 {
        let words = packet.get(start + 2..start + 4)?;
        start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
    }
    let mut end = packet.len();
    if packet[0] & 0x20 != 0 {
        end = end.checked_sub(usize::from(*packet.last()?))?;
    }
    packet.get(start..end)
}

/// Whether an H.264 RTP payload carries an SPS, a PPS, or a STAP-A of
/// nothing else.
fn only_parameter_sets(payload: &[u8]) -> bool {
    let Some(&header) = payload.first() else {
        return false;
    };
    match header & 0x1f {
        SPS | PPS => true,
        STAP_A => {
            let mut rest = &payload[1..];
            let mut any = false;
            while let [high, low, units @ ..] = rest {
                let size = usize::from(u16::from_be_bytes([*high, *low]));
                let Some(unit) = units.get(..size) else {
                    return false;
                };
                if !matches!(unit.first().map(|h| h & 0x1f), Some(SPS | PPS)) {
                    return false;
                }
                any = true;
                rest = &units[size..];
            }
            any && rest.is_empty()
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "h264_marker_tests.rs"]
mod tests;
