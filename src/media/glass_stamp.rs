//! The capture time, drawn into the box's picture for `bench/glass` only.
//!
//! With `HOMECALL_GLASS_STAMP=1` in its environment, the box writes the wall
//! clock (ms since the Unix epoch, its low [`BITS`] bits) into every raw
//! frame just before the encoder, as a row of large black and white squares
//! along the top edge: a white square first, then one square per bit (most
//! significant first, white = 1), then a black square. The benchmark's page
//! reads them back from the frame it shows (`bench/glass.mjs`, same machine,
//! same clock) and so measures glass to glass. Without the variable nothing
//! is attached: the product's picture is untouched.
//!
//! ```text
//!  ┌──┬──┬──┬─ … ─┬──┬──┐
//!  │██│b23  …   b0 │  │   one SQUARE×SQUARE block each, luma 235 or 16, chroma grey
//!  └──┴──┴──┴─ … ─┴──┴──┘
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use gst::prelude::*;
use gst_video::prelude::*;

/// The environment variable that turns the stamp on.
pub const ENV: &str = "HOMECALL_GLASS_STAMP";
/// Bits of the millisecond clock drawn (2^24 ms: about four and a half hours).
pub const BITS: u32 = 24;
/// A square's side in pixels: large enough to survive a call's compression.
pub const SQUARE: usize = 20;

/// Whether the stamp was asked for.
pub fn wanted() -> bool {
    std::env::var_os(ENV).is_some_and(|v| v == "1")
}

/// Stamps every I420 frame that passes `pad` (a sink pad before the encoder).
pub fn attach(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::BUFFER, |pad, info| {
        let Some(caps) = pad.current_caps() else {
            return gst::PadProbeReturn::Ok;
        };
        let Ok(video) = gst_video::VideoInfo::from_caps(&caps) else {
            return gst::PadProbeReturn::Ok;
        };
        if let Some(gst::PadProbeData::Buffer(buffer)) = &mut info.data {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            stamp(buffer.make_mut(), &video, now);
        }
        gst::PadProbeReturn::Ok
    });
}

/// Draws `ms` into the frame in `buffer`; a frame too small or not I420 is left as it is.
fn stamp(buffer: &mut gst::BufferRef, video: &gst_video::VideoInfo, ms: u64) {
    let squares = BITS as usize + 2;
    if video.format() != gst_video::VideoFormat::I420
        || (video.width() as usize) < squares * SQUARE
        || (video.height() as usize) < SQUARE
    {
        return;
    }
    let Ok(mut frame) = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, video) else {
        return;
    };
    let lumas: Vec<u8> = std::iter::once(235)
        .chain(
            (0..BITS)
                .rev()
                .map(|bit| if ms >> bit & 1 == 1 { 235 } else { 16 }),
        )
        .chain(std::iter::once(16))
        .collect();
    for plane in 0..3u32 {
        let scale = if plane == 0 { 1 } else { 2 };
        let stride = frame.plane_stride()[plane as usize] as usize;
        let Ok(data) = frame.plane_data_mut(plane) else {
            return;
        };
        for row in 0..SQUARE / scale {
            for (i, luma) in lumas.iter().enumerate() {
                let start = row * stride + i * SQUARE / scale;
                let value = if plane == 0 { *luma } else { 128 };
                data[start..start + SQUARE / scale].fill(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_reads_back_from_the_frame() {
        gst::init().expect("gstreamer");
        let video = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, 640, 360)
            .build()
            .expect("video info");
        let mut buffer = gst::Buffer::with_size(video.size()).expect("buffer");
        let ms = 1_764_340_000_123u64;
        stamp(buffer.get_mut().expect("writable"), &video, ms);
        let map = buffer.map_readable().expect("readable");
        let stride = video.stride()[0] as usize;
        let luma_at = |square: usize| map[(SQUARE / 2) * stride + square * SQUARE + SQUARE / 2];
        assert_eq!(luma_at(0), 235, "the white mark");
        assert_eq!(luma_at(BITS as usize + 1), 16, "the black mark");
        let read = (1..=BITS as usize).fold(0u64, |v, i| v << 1 | u64::from(luma_at(i) > 128));
        assert_eq!(read, ms & ((1 << BITS) - 1));
        // The chroma under the squares is grey.
        let u = video.offset()[1];
        assert_eq!(map[u], 128);
    }
}
