//! Each caller's bandwidth estimate: Google congestion control (`rtpgccbwe`,
//! from gst-plugins-rs, linked into the binary) on the caller's webrtcbin.
//!
//! The box offers transport-wide congestion control (TWCC) on its streams: each
//! payloader numbers every packet in a header extension, the browser reports
//! when each arrived (`rtcp-fb transport-cc`), and `rtpgccbwe`, webrtcbin's
//! auxiliary sender in front of the transport, turns the reports into an
//! estimate (delay-based and loss-based) and paces what leaves at it. Its
//! `estimated-bitrate` is what `adapt_run` reads.
//!
//! ```text
//! rtph264pay, rtpopuspay ─ caps extmap-1=TWCC, rtcp-fb-transport-cc ─ webrtcbin ─ rtpbin ─ rtpgccbwe ─ DTLS/ICE
//! ```

use std::sync::Once;

use gst::prelude::*;

/// The header extension browsers report transport-wide feedback for.
pub(super) const TWCC_URI: &str =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

/// The estimator's factory, registered by [`register`].
pub(super) const ESTIMATOR: &str = "rtpgccbwe";

/// The least an estimate may say (bit/s): below audio's needs, so the
/// controller can see a link that cannot carry even the voice.
const MIN_ESTIMATE_BPS: u32 = 30_000;
/// The most (bit/s): above any picture quality the box sends.
const MAX_ESTIMATE_BPS: u32 = 8_000_000;
/// Where a new caller's estimate starts: the top, so that the call's first
/// keyframe leaves at once. The estimator paces what leaves at its estimate,
/// holding at most 30 ms of it: from GCC's own 2 Mbit/s, a 15 KB keyframe
/// left in 5 ms steps over up to 30 ms, the first picture's wait
/// (`bench/first-frame`). The encoder's first target is the configured
/// quality either way (below both), and a link that cannot carry it is seen
/// in its first feedback: the delay-based controller then drops the
/// estimate to what arrived, not by steps from the start.
const START_ESTIMATE_BPS: u32 = MAX_ESTIMATE_BPS;

/// Registers the plugin's elements once per process (`rtpgccbwe` above all).
/// Not at start-up: the engine registers them when a call may come (off
/// the call's path, `MediaEngine::prepare_for_calls`), and each use here
/// makes sure of it first.
pub(super) fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let started = std::time::Instant::now();
        if let Err(e) = gstrsrtp::plugin_register_static() {
            tracing::warn!(error = %e, "the congestion controller could not be registered; video keeps its configured bitrate");
        }
        tracing::debug!(
            us = started.elapsed().as_micros() as u64,
            "congestion controller registered"
        );
    });
}

/// Gives a caller's webrtcbin an estimator as its auxiliary sender. Without
/// the estimator (not registered), the branch works as before, at the
/// configured bitrate.
pub(super) fn attach(webrtc: &gst::Element) {
    register();
    if gst::ElementFactory::find(ESTIMATOR).is_none() {
        return;
    }
    webrtc.connect("request-aux-sender", false, |_| {
        let estimator = gst::ElementFactory::make(ESTIMATOR)
            .property("min-bitrate", MIN_ESTIMATE_BPS)
            .property("max-bitrate", MAX_ESTIMATE_BPS)
            .property("estimated-bitrate", START_ESTIMATE_BPS)
            .build();
        match estimator {
            Ok(e) => Some(e.to_value()),
            Err(e) => {
                tracing::warn!(error = %e, "no congestion controller for this caller");
                None
            }
        }
    });
}

/// `caps` (a stream's RTP caps, or the codec preferences the offer is made
/// from) with TWCC offered: its payloader then numbers every packet. Every
/// stream is numbered, audio too, so the estimate covers all the box sends.
/// Unchanged when there is no estimator.
pub(super) fn numbered(mut caps: gst::Caps) -> gst::Caps {
    register();
    if gst::ElementFactory::find(ESTIMATOR).is_none() {
        return caps;
    }
    for s in caps.make_mut().iter_mut() {
        s.set("extmap-1", TWCC_URI);
        s.set("rtcp-fb-transport-cc", true);
    }
    caps
}

/// The estimate of every caller in `pipeline` that has an estimator (bit/s).
pub(super) fn estimates(pipeline: &gst::Pipeline) -> Vec<u32> {
    pipeline
        .iterate_recurse()
        .into_iter()
        .flatten()
        .filter(|e| e.factory().is_some_and(|f| f.name().as_str() == ESTIMATOR))
        .map(|e| e.property::<u32>("estimated-bitrate"))
        .collect()
}
