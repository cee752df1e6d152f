//! The box's picture, encoded once per codec and shared by every caller
//! who chose that codec.
//!
//! Owns the raw picture's tee and the encodes hanging off it: H.264 from
//! the start of the capture (most callers take it), VP8 built when its
//! first caller arrives and taken down after its last leaves. Each encode
//! has a leaky queue of its own, so a slow one never holds up the other.
//!
//! ```text
//! (selected picture) ─ tee "raw" ─┬─ queue(leaky) ─ videorate ─ H.264 enc ─ constrained-baseline 3.1 ─ h264parse ─ tee ─► H.264 callers
//!                                 └─ queue(leaky) ─ videorate ─ vp8enc (realtime) ─ tee ─► VP8 callers (while any)
//! ```
//!
//! Bandwidth adaptation (`adapt_run`) sets each encoder's bitrate and each
//! `videorate`'s highest frame rate.

use gst::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};

use super::codec::VideoCodec;
use super::encoder::{output_caps, EncoderKind};
use super::{adapt_run, make, MediaError};

/// How each encode is set up (the capture's bitrate and frame rate).
#[derive(Debug, Clone, Copy)]
pub(super) struct EncodeSettings {
    pub encoder: EncoderKind,
    pub bitrate_kbps: u32,
    pub framerate: u32,
}

/// One encode: its elements from the raw tee's pad to its own tee.
struct Encode {
    codec: VideoCodec,
    elements: Vec<gst::Element>,
    tee: gst::Element,
    raw_pad: gst::Pad,
}

/// The running encodes of the capture branch.
pub(super) struct VideoEncodes {
    raw_tee: gst::Element,
    settings: EncodeSettings,
    h264: Encode,
    vp8: Option<Encode>,
    /// Callers sending VP8 (the VP8 encode lives while this is above 0).
    vp8_callers: usize,
}

/// A taken-down encode's elements, to be stopped off the caller's thread.
pub(super) struct Retired(Encode);

impl VideoEncodes {
    /// The raw tee, not yet in a pipeline: the capture links its picture into it.
    pub fn raw_tee() -> Result<gst::Element, MediaError> {
        let tee = make("tee")?;
        tee.set_property("allow-not-linked", true);
        Ok(tee)
    }

    /// Starts the H.264 encode on `raw_tee` (already in `pipeline` and linked).
    pub fn start(
        pipeline: &gst::Pipeline,
        raw_tee: gst::Element,
        settings: EncodeSettings,
    ) -> Result<Self, MediaError> {
        let h264 = Encode::start(pipeline, &raw_tee, VideoCodec::H264, settings)?;
        Ok(Self {
            raw_tee,
            settings,
            h264,
            vp8: None,
            vp8_callers: 0,
        })
    }

    /// The tee of `codec`'s encode, built if none runs; the caller who
    /// takes it must give it back with [`Self::release`].
    pub fn acquire(
        &mut self,
        pipeline: &gst::Pipeline,
        codec: VideoCodec,
    ) -> Result<gst::Element, MediaError> {
        match codec {
            VideoCodec::H264 => Ok(self.h264.tee.clone()),
            VideoCodec::Vp8 => {
                let tee = match &self.vp8 {
                    Some(encode) => encode.tee.clone(),
                    None => {
                        let encode = Encode::start(pipeline, &self.raw_tee, codec, self.settings)?;
                        let tee = encode.tee.clone();
                        self.vp8 = Some(encode);
                        tee
                    }
                };
                self.vp8_callers += 1;
                Ok(tee)
            }
        }
    }

    /// A caller of `codec` has gone: what to take down, if it was the last.
    #[must_use]
    pub fn release(&mut self, codec: VideoCodec) -> Option<Retired> {
        match codec {
            VideoCodec::H264 => None,
            VideoCodec::Vp8 => {
                self.vp8_callers = self.vp8_callers.saturating_sub(1);
                if self.vp8_callers == 0 {
                    self.vp8.take().map(Retired)
                } else {
                    None
                }
            }
        }
    }

    /// How many encodes run now (one per codec in use).
    pub fn running(&self) -> usize {
        1 + usize::from(self.vp8.is_some())
    }

    /// Every element of every encode, for the capture's teardown.
    pub fn into_elements(self) -> Vec<gst::Element> {
        let mut all = self.h264.elements;
        if let Some(vp8) = self.vp8 {
            all.extend(vp8.elements);
        }
        all
    }
}

impl Retired {
    /// Unlinks the encode from the raw picture, stops it and removes it.
    pub fn stop(self) {
        let Encode {
            codec,
            elements,
            raw_pad,
            ..
        } = self.0;
        if let Some(tee) = raw_pad.parent_element() {
            if let Some(peer) = raw_pad.peer() {
                let _ = raw_pad.unlink(&peer);
            }
            tee.release_request_pad(&raw_pad);
        }
        super::reaper::retire(&elements);
        tracing::info!(codec = codec.name(), "video encode stopped");
    }
}

impl Encode {
    fn start(
        pipeline: &gst::Pipeline,
        raw_tee: &gst::Element,
        codec: VideoCodec,
        s: EncodeSettings,
    ) -> Result<Self, MediaError> {
        let queue = make("queue")?;
        queue.set_property("max-size-buffers", 2u32);
        queue.set_property("max-size-bytes", 0u32);
        queue.set_property("max-size-time", 0u64);
        queue.set_property_from_str("leaky", "downstream");
        let tee = make("tee")?;
        tee.set_property("allow-not-linked", true);
        // Bandwidth adaptation lowers the frame rate here (`adapt_run`).
        let rate = make("videorate")?;
        // Named uniquely: a stopped encode may still be leaving the pipeline.
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        rate.set_property(
            "name",
            format!("{}-{}-{n}", adapt_run::RATE_NAME, codec.name()),
        );
        rate.set_property("drop-only", true);
        let mut elements = vec![queue, rate];
        match codec {
            VideoCodec::H264 => {
                let parse = make("h264parse")?;
                parse.set_property("config-interval", -1i32);
                let caps = make("capsfilter")?;
                caps.set_property("caps", output_caps());
                elements.extend([s.encoder.make(s.bitrate_kbps, s.framerate)?, caps, parse]);
            }
            VideoCodec::Vp8 => elements.push(vp8_encoder(s)?),
        }
        elements.push(tee.clone());
        pipeline.add_many(&elements)?;
        let linked = (|| {
            gst::Element::link_many(&elements)?;
            // Downstream first, then join the running picture.
            for e in elements.iter().rev() {
                e.sync_state_with_parent()?;
            }
            let raw_pad = raw_tee
                .request_pad_simple("src_%u")
                .ok_or(MediaError::Pipeline(
                    "the raw picture's tee gave no pad".into(),
                ))?;
            let sink = super::pad_of(&elements[0], "sink")?;
            if let Err(e) = raw_pad.link(&sink) {
                raw_tee.release_request_pad(&raw_pad);
                return Err(e.into());
            }
            Ok(raw_pad)
        })();
        match linked {
            Ok(raw_pad) => {
                tracing::info!(codec = codec.name(), "video encode started");
                Ok(Self {
                    codec,
                    elements,
                    tee,
                    raw_pad,
                })
            }
            Err(e) => {
                super::reaper::retire(&elements);
                Err(e)
            }
        }
    }
}

/// vp8enc for calls: real time, no frames held back, a keyframe at least
/// every two seconds, packets a lost one does not spoil, the capture's bitrate.
fn vp8_encoder(s: EncodeSettings) -> Result<gst::Element, MediaError> {
    gst::ElementFactory::make("vp8enc")
        .property("deadline", 1i64)
        // 16 is libvpx's fastest; 8 keeps 720p30 on two slow cores.
        .property("cpu-used", 8i32)
        .property("lag-in-frames", 0i32)
        .property("keyframe-max-dist", (s.framerate * 2) as i32)
        .property("target-bitrate", (s.bitrate_kbps * 1000) as i32)
        .property_from_str("end-usage", "cbr")
        .property_from_str("error-resilient", "default")
        .property("threads", 2i32)
        .build()
        .map_err(|_| MediaError::MissingElement("vp8enc"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// The first bytes of an H.264 sequence parameter set (7.3.2.1.1).
    #[derive(Debug, PartialEq, Eq)]
    struct Sps {
        profile_idc: u8,
        constraint_set1: bool,
        level_idc: u8,
    }

    /// The SPS in a byte-stream access unit (start codes, then NAL units).
    fn sps_of(stream: &[u8]) -> Option<Sps> {
        let mut at = 0;
        while at + 3 <= stream.len() {
            if stream[at..at + 3] == [0, 0, 1] {
                let nal = &stream[at + 3..];
                if nal.len() >= 4 && nal[0] & 0x1f == 7 {
                    return Some(Sps {
                        profile_idc: nal[1],
                        constraint_set1: nal[2] & 0x40 != 0,
                        level_idc: nal[3],
                    });
                }
                at += 3;
            } else {
                at += 1;
            }
        }
        None
    }

    #[test]
    fn the_sps_reader_reads_a_known_sps() {
        // x264's SPS for 320x240 constrained baseline 3.1 (42 c0 1f …).
        let au = [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x05, 0x07, 0xec];
        let expected = Sps {
            profile_idc: 66,
            constraint_set1: true,
            level_idc: 31,
        };
        assert_eq!(sps_of(&au), Some(expected));
        assert_eq!(
            sps_of(&[0, 0, 1, 0x65, 0x88, 0x84, 0x00]),
            None,
            "a slice, no SPS"
        );
    }

    /// A live test picture into a raw tee, and the encodes on it, playing.
    fn running_encodes() -> (gst::Pipeline, VideoEncodes) {
        gst::init().expect("gstreamer");
        let pipeline = gst::Pipeline::new();
        let src = make("videotestsrc").expect("videotestsrc");
        src.set_property("is-live", true);
        let raw = make("capsfilter").expect("capsfilter");
        raw.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "I420")
                .field("width", 320i32)
                .field("height", 240i32)
                .field("framerate", gst::Fraction::new(30, 1))
                .build(),
        );
        let tee = VideoEncodes::raw_tee().expect("tee");
        pipeline.add_many([&src, &raw, &tee]).expect("add");
        gst::Element::link_many([&src, &raw, &tee]).expect("link");
        let kind = super::super::encoder::choose(&["x264enc".into()], 800, 30).expect("x264");
        let settings = EncodeSettings {
            encoder: kind,
            bitrate_kbps: 800,
            framerate: 30,
        };
        let encodes = VideoEncodes::start(&pipeline, tee, settings).expect("encodes");
        pipeline.set_state(gst::State::Playing).expect("playing");
        (pipeline, encodes)
    }

    /// The first buffer (and its caps) leaving `tee`.
    fn first_output(tee: &gst::Element) -> (Vec<u8>, gst::Caps) {
        let (tx, rx) = mpsc::sync_channel(1);
        let pad = tee.static_pad("sink").expect("sink");
        pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
            if let (Some(buffer), Some(caps)) = (info.buffer(), pad.current_caps()) {
                let bytes = buffer
                    .map_readable()
                    .map(|m| m.to_vec())
                    .unwrap_or_default();
                let _ = tx.try_send((bytes, caps));
            }
            gst::PadProbeReturn::Remove
        });
        rx.recv_timeout(Duration::from_secs(5))
            .expect("a buffer within 5 s")
    }

    #[test]
    fn the_h264_encode_writes_constrained_baseline_level_3_1_in_its_sps() {
        let (pipeline, mut encodes) = running_encodes();
        let tee = encodes.acquire(&pipeline, VideoCodec::H264).expect("h264");
        let (au, caps) = first_output(&tee);
        let _ = pipeline.set_state(gst::State::Null);
        assert_eq!(
            sps_of(&au),
            Some(Sps {
                profile_idc: 66,
                constraint_set1: true,
                level_idc: 31
            }),
            "the first access unit ({caps}): {:02x?}",
            &au[..au.len().min(32)]
        );
    }

    #[test]
    fn vp8_is_encoded_once_while_its_callers_last() {
        let (pipeline, mut encodes) = running_encodes();
        let before = pipeline.iterate_recurse().into_iter().count();
        assert_eq!(encodes.running(), 1, "H.264 only");
        let first = encodes.acquire(&pipeline, VideoCodec::Vp8).expect("vp8");
        let second = encodes.acquire(&pipeline, VideoCodec::Vp8).expect("vp8");
        assert_eq!(first, second, "one encode for both callers");
        assert_eq!(encodes.running(), 2);
        let (frame, caps) = first_output(&first);
        assert_eq!(
            caps.structure(0).map(|s| s.name().as_str()),
            Some("video/x-vp8")
        );
        // A VP8 key frame: bit 0 of the frame tag clear, then the start code.
        assert_eq!((frame[0] & 1, &frame[3..6]), (0, &[0x9d, 0x01, 0x2a][..]));

        assert!(encodes.release(VideoCodec::H264).is_none(), "H.264 stays");
        assert!(
            encodes.release(VideoCodec::Vp8).is_none(),
            "a VP8 caller is left"
        );
        let retired = encodes
            .release(VideoCodec::Vp8)
            .expect("the last VP8 caller went");
        retired.stop();
        assert_eq!(encodes.running(), 1);
        assert_eq!(
            pipeline.iterate_recurse().into_iter().count(),
            before,
            "nothing left behind"
        );
        // And a new VP8 caller gets a new encode.
        let again = encodes
            .acquire(&pipeline, VideoCodec::Vp8)
            .expect("vp8 again");
        let (_, caps) = first_output(&again);
        assert_eq!(
            caps.structure(0).map(|s| s.name().as_str()),
            Some("video/x-vp8")
        );
        let _ = pipeline.set_state(gst::State::Null);
    }
}
