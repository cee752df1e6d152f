//! How a call is going, from webrtcbin's statistics: round-trip time, loss,
//! and the bitrates each way (from the byte counters between two readings).

use crate::sync::lock;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gst::prelude::*;

/// A call's health, as the admin sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallStats {
    /// Round-trip time the caller reports for what the box sends.
    pub rtt_ms: Option<f64>,
    /// Fraction of the box's packets the caller lost lately, 0–1.
    pub loss_sent: Option<f64>,
    /// Packets from the caller that never arrived, in all.
    pub packets_lost_received: i64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Since the previous reading; `None` on the first.
    pub kbps_sent: Option<f64>,
    pub kbps_received: Option<f64>,
}

/// The previous reading of one call, for bitrates.
pub(super) type LastReading = Arc<Mutex<Option<(Instant, u64, u64)>>>;

/// Asks `webrtc` for its statistics; `reply` gets them when they come.
pub(super) fn request(
    webrtc: &gst::Element,
    last: LastReading,
    reply: impl FnOnce(Option<CallStats>) + Send + 'static,
) {
    let promise = gst::Promise::with_change_func(move |result| {
        let stats = match result {
            Ok(Some(structure)) => Some(read(structure, &last)),
            _ => None,
        };
        reply(stats);
    });
    webrtc.emit_by_name::<()>("get-stats", &[&None::<gst::Pad>, &promise]);
}

/// Reads the structure `get-stats` answers: one field per statistic, each a
/// structure named by its type ("inbound-rtp", "remote-inbound-rtp", …).
fn read(all: &gst::StructureRef, last: &LastReading) -> CallStats {
    let mut stats = CallStats::default();
    let mut rtts = Vec::new();
    let mut losses = Vec::new();
    for (_, value) in all.iter() {
        let Ok(s) = value.get::<gst::Structure>() else {
            continue;
        };
        match s.name().as_str() {
            "remote-inbound-rtp" => {
                if let Ok(rtt) = s.get::<f64>("round-trip-time") {
                    rtts.push(rtt * 1000.0);
                }
                if let Ok(lost) = s.get::<f64>("fraction-lost") {
                    losses.push(lost);
                }
            }
            "outbound-rtp" => {
                stats.bytes_sent += s.get::<u64>("bytes-sent").unwrap_or(0);
            }
            "inbound-rtp" => {
                stats.bytes_received += s.get::<u64>("bytes-received").unwrap_or(0);
                stats.packets_lost_received += s.get::<i64>("packets-lost").unwrap_or(0);
            }
            _ => {}
        }
    }
    stats.rtt_ms = rtts.into_iter().reduce(f64::max);
    stats.loss_sent = losses.into_iter().reduce(f64::max);
    let now = Instant::now();
    let mut last = lock(last);
    if let Some((then, sent, received)) = *last {
        let secs = now.duration_since(then).as_secs_f64();
        if secs > 0.2 {
            let kbps =
                |now: u64, before: u64| now.saturating_sub(before) as f64 * 8.0 / 1000.0 / secs;
            stats.kbps_sent = Some(kbps(stats.bytes_sent, sent));
            stats.kbps_received = Some(kbps(stats.bytes_received, received));
        }
    }
    *last = Some((now, stats.bytes_sent, stats.bytes_received));
    stats
}
