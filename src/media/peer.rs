//! One remote caller's WebRTC branch.
//!
//! Owns a `gst::Bin` per caller: payloaders fed from the shared capture tees,
//! the caller's `webrtcbin`, and the decoding of what the caller sends. The
//! box offers the video codecs it can send (`media::codec`: H.264
//! constrained-baseline and VP8, one m-line) and Opus; the video joins the
//! encode of the codec the caller's answer chose. webrtcbin's callbacks hold
//! only weak references and forward into the engine's event channel.
//!
//! ```text
//!  (after the answer) codec's tee ─► queue ─ payloader (codec::payloader) ─ H264|VP8 RTP caps ─┐
//!  tee "audio" ─► queue ─ rtpopuspay pt=111 ─ OPUS RTP caps (useinbandfec=1) ──────────────────┴─ webrtcbin ─► (remote pads → media::remote)
//! ```

use crate::sync::lock;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use gst::prelude::*;
use gst_webrtc::{
    WebRTCICEConnectionState, WebRTCPeerConnectionState, WebRTCSDPType, WebRTCSessionDescription,
};

use super::codec::{self, VideoCodec, PROFILE_LEVEL_ID};
use super::{
    adapt_gcc, ice_agent, make, pad_of, remote, stats, EventSink, MediaError, MediaEvent,
    RemoteStats,
};

pub(super) const AUDIO_PT: u32 = 111;

/// A caller's branch, linked to the capture tees.
pub(super) struct Peer {
    pub bin: gst::Bin,
    webrtc: gst::Element,
    tee_pads: Vec<(gst::Element, gst::Pad)>,
    /// The video's entry (queue, ghost pad "video") and its way into webrtcbin.
    video_in: (gst::Element, gst::Element),
    /// What the caller's answer chose, once the video is linked to its encode.
    video_codec: Option<VideoCodec>,
    last_stats: stats::LastReading,
    session: String,
    events: EventSink,
    /// What this caller's media decoded to.
    decoded: Arc<Mutex<RemoteStats>>,
    /// Closed before the teardown: no decoding element is added meanwhile.
    building: remote::Building,
}

/// How the branch reaches the network.
pub(super) struct NetSettings<'a> {
    /// `turn://user:pass@host:port`, already percent-encoded.
    pub turn_url: Option<&'a str>,
    /// Only relayed candidates (`[turn] relay_only`).
    pub relay_only: bool,
    /// Addresses libnice must use besides those it finds (loopback in a namespace).
    pub extra_local_ips: &'a [IpAddr],
}

impl Peer {
    /// Builds the branch for `session` into `pipeline`, links it to the audio
    /// tee, starts it and asks for the offer, which arrives as [`MediaEvent::Offer`],
    /// and the video joins its codec's encode after the answer ([`Self::send_video`]).
    pub fn start(
        pipeline: &gst::Pipeline,
        session: &str,
        audio_tee: &gst::Element,
        net: &NetSettings<'_>,
        events: &EventSink,
        outputs: &remote::Outputs,
    ) -> Result<Self, MediaError> {
        let bin = gst::Bin::with_name(&format!("peer-{session}"));
        ice_agent::tune_agents(&bin);
        let webrtc = make("webrtcbin")?;
        webrtc.set_property_from_str("bundle-policy", "max-bundle");
        // The receive jitter buffer (webrtcbin's default is 200 ms): what the
        // caller says reaches the TV this much later, and a conversation
        // feels laggy from ~150 ms mouth to ear. On a home LAN or a good
        // uplink, jitter is a few ms and Wi-Fi bursts stay within tens: 50 ms
        // holds them and reorders, while the audio hides a late packet by
        // Opus concealment (and in-band FEC) rather than by waiting. The box
        // asks no retransmission (no NACK/RTX offered); if it did, 50 ms still
        // leaves one LAN round trip for it. ARCHITECTURE.md, "Latency".
        webrtc.set_property("latency", 50u32);
        if let Some(url) = net.turn_url {
            webrtc.set_property("turn-server", url);
        }
        if net.relay_only {
            // Relayed candidates only: callers never see the box's addresses.
            webrtc.set_property_from_str("ice-transport-policy", "relay");
        }
        bin.add(&webrtc)?;
        adapt_gcc::attach(&webrtc);

        let video_queue = entry_queue()?;
        let video_filter = make("capsfilter")?;
        video_filter.set_property("caps", adapt_gcc::numbered(codec::sendable_caps()));
        bin.add_many([&video_queue, &video_filter])?;
        video_filter.link(&webrtc)?;
        declare_profile_level_id(&pad_of(&video_filter, "src")?);
        // The offer comes from these preferences, not from a stream: both
        // codecs, H.264's profile declared, whichever encode runs already.
        // The video's payloader is linked once the answer says which.
        pad_of(&video_filter, "src")?
            .peer()
            .ok_or(MediaError::Pipeline("capsfilter not linked".into()))?
            .property::<gst_webrtc::WebRTCRTPTransceiver>("transceiver")
            .set_property(
                "codec-preferences",
                adapt_gcc::numbered(codec::offer_caps()),
            );
        ghost(&bin, &video_queue, "video")?;

        let audio_caps = opus_caps();
        let apay = make("rtpopuspay")?;
        apay.set_property("pt", AUDIO_PT);
        let audio_queue = entry_queue()?;
        let audio_filter = make("capsfilter")?;
        let audio_caps = adapt_gcc::numbered(audio_caps);
        audio_filter.set_property("caps", &audio_caps);
        let chain = [&audio_queue, &apay, &audio_filter];
        bin.add_many(chain)?;
        gst::Element::link_many(chain)?;
        audio_filter.link(&webrtc)?;
        // The audio is offered from preferences too, so the offer need not
        // wait for the microphone's first encoded frame.
        pad_of(&audio_filter, "src")?
            .peer()
            .ok_or(MediaError::Pipeline("capsfilter not linked".into()))?
            .property::<gst_webrtc::WebRTCRTPTransceiver>("transceiver")
            .set_property("codec-preferences", audio_caps);
        let entries = vec![(audio_tee.clone(), ghost(&bin, &audio_queue, "audio")?)];
        connect_signals(&webrtc, session, events, outputs, &bin);
        pipeline.add(&bin)?;
        let mut peer = Self {
            bin,
            webrtc,
            tee_pads: Vec::new(),
            video_in: (video_queue, video_filter),
            video_codec: None,
            last_stats: Default::default(),
            session: session.to_owned(),
            events: events.clone(),
            decoded: outputs.stats.clone(),
            building: outputs.building.clone(),
        };
        match peer.join(entries, net.extra_local_ips) {
            Ok(()) => {
                // Playing, the branch can offer: both m-lines come from
                // codec preferences, none waits for media. An offer made
                // before the branch plays would leave its DTLS transport
                // unstarted; "on-negotiation-needed" is not waited for
                // either (GStreamer 1.22 sometimes never emits it while a
                // bin is starting).
                create_offer(&peer.webrtc, session.to_owned(), events.clone());
                Ok(peer)
            }
            Err(e) => {
                // Leave nothing half-started in the shared pipeline.
                peer.stop();
                Err(e)
            }
        }
    }

    /// Starts the branch and links it to the audio tee.
    fn join(
        &mut self,
        entries: Vec<(gst::Element, gst::GhostPad)>,
        extra_local_ips: &[IpAddr],
    ) -> Result<(), MediaError> {
        // libnice ignores loopback when it looks for addresses; add what we were given.
        if !extra_local_ips.is_empty() {
            let agent = self.webrtc.property::<gst::glib::Object>("ice-agent");
            for ip in extra_local_ips {
                agent.emit_by_name::<bool>("add-local-ip-address", &[&ip.to_string()]);
            }
        }
        self.bin.sync_state_with_parent()?;
        // Only a playing branch may join the tees: a tee that pushes into a
        // pad still starting gets "flushing" back and stops its source.
        for (tee, ghost) in entries {
            let tee_pad = tee
                .request_pad_simple("src_%u")
                .ok_or(MediaError::Pipeline("tee gave no pad".into()))?;
            self.tee_pads.push((tee, tee_pad.clone()));
            tee_pad.link(&ghost)?;
        }
        Ok(())
    }

    /// Sends the caller `codec`'s encode (its `tee`), as the answer chose.
    pub fn send_video(&mut self, codec: VideoCodec, tee: &gst::Element) -> Result<(), MediaError> {
        let (queue, filter) = self.video_in.clone();
        // webrtcbin answers caps queries from the codec preferences: with
        // `42e01f` in them it would refuse the encoder's own `42c01f`
        // (rtph264pay: "failed to set sps/pps", then not-negotiated) before
        // `declare_profile_level_id` rewrites it. The offer is made: from
        // here on, any offered codec's RTP may go in.
        pad_of(&filter, "src")?
            .peer()
            .ok_or(MediaError::Pipeline("capsfilter not linked".into()))?
            .property::<gst_webrtc::WebRTCRTPTransceiver>("transceiver")
            .set_property(
                "codec-preferences",
                adapt_gcc::numbered(codec::sendable_caps()),
            );
        let payloader = codec.payloader()?;
        self.bin.add_many(&payloader)?;
        let chain: Vec<&gst::Element> = std::iter::once(&queue)
            .chain(&payloader)
            .chain([&filter])
            .collect();
        gst::Element::link_many(&chain)?;
        for e in payloader.iter().rev() {
            e.sync_state_with_parent()?;
        }
        let ghost = self
            .bin
            .static_pad("video")
            .ok_or(MediaError::Pipeline("no video entry".into()))?;
        let tee_pad = tee
            .request_pad_simple("src_%u")
            .ok_or(MediaError::Pipeline("tee gave no pad".into()))?;
        self.tee_pads.push((tee.clone(), tee_pad.clone()));
        tee_pad.link(&ghost)?;
        self.video_codec = Some(codec);
        // An H.264 payloader starts at an SPS, a VP8 caller at a keyframe:
        // ask for one now rather than at the encoder's next (up to 2 s away).
        self.request_keyframe();
        Ok(())
    }

    /// The codec this caller is sent, once the answer chose it.
    pub fn video_codec(&self) -> Option<VideoCodec> {
        self.video_codec
    }

    pub fn set_answer(&self, sdp: &str) -> Result<(), MediaError> {
        let message =
            gst_sdp::SDPMessage::parse_buffer(sdp.as_bytes()).map_err(|_| MediaError::BadSdp)?;
        // An answer has the offer's media sections, as GStreamer reads them
        // (the device counted `m=` lines, which a crafted answer can make
        // differ): anything else is the caller's fault, not a failed call.
        let offered = self
            .webrtc
            .property::<Option<WebRTCSessionDescription>>("local-description")
            .map(|offer| offer.sdp().medias_len());
        if offered != Some(message.medias_len()) {
            return Err(MediaError::BadSdp);
        }
        let answer = WebRTCSessionDescription::new(WebRTCSDPType::Answer, message);
        // webrtcbin may still refuse it (no common codec, a bad fingerprint):
        // then the call has failed, and the device must hear so.
        let (session, events) = (self.session.clone(), self.events.clone());
        let promise = gst::Promise::with_change_func(move |reply| {
            let refused = match reply {
                Ok(Some(reply)) => reply.has_field("error"),
                Ok(None) => false,
                Err(_) => true,
            };
            if refused {
                tracing::warn!(session = %session, "webrtcbin refused the caller's answer");
                events.send(MediaEvent::AnswerRefused { session });
            }
        });
        self.webrtc
            .emit_by_name::<()>("set-remote-description", &[&answer, &Some(promise)]);
        Ok(())
    }

    pub fn add_candidate(&self, mline: u32, candidate: &str) {
        if !candidate.is_empty() {
            self.webrtc
                .emit_by_name::<()>("add-ice-candidate", &[&mline, &candidate]);
        }
    }

    /// What this caller's media has decoded to so far.
    pub fn decoded(&self) -> RemoteStats {
        lock(&self.decoded).clone()
    }

    /// Reads the call's statistics; `reply` gets them from a GStreamer thread.
    pub fn stats(&self, reply: impl FnOnce(Option<stats::CallStats>) + Send + 'static) {
        stats::request(&self.webrtc, self.last_stats.clone(), reply);
    }

    /// Asks the shared encoder for a keyframe, so a new caller sees a picture at once.
    pub fn request_keyframe(&self) {
        request_keyframe(&self.bin);
    }

    /// Unlinks the branch from the tees and the TV, stops it and removes it.
    pub fn stop(self) {
        self.building.close();
        for (tee, pad) in &self.tee_pads {
            if let Some(peer) = pad.peer() {
                let _ = pad.unlink(&peer);
            }
            tee.release_request_pad(pad);
        }
        remote::detach(&self.bin);
        super::reaper::retire(&[self.bin.clone().upcast()]);
    }
}

/// Asks the shared encoder for a keyframe for the branch `bin`.
fn request_keyframe(bin: &gst::Bin) {
    let event = gst_video::UpstreamForceKeyUnitEvent::builder()
        .all_headers(true)
        .build();
    if let Some(pad) = bin.static_pad("video") {
        // An upstream event leaves through a sink pad with push, not send.
        pad.push_event(event);
    }
}

/// The audio as the box offers and sends it: Opus, payload type 111.
pub(super) fn opus_caps() -> gst::Caps {
    gst::Caps::builder("application/x-rtp")
        .field("media", "audio")
        .field("encoding-name", "OPUS")
        .field("payload", AUDIO_PT as i32)
        .field("clock-rate", 48_000i32)
        // `a=rtpmap:111 OPUS/48000/2`, as RFC 7587 writes it: without
        // the channels, Chrome finds no codec and rejects the m-line.
        .field("encoding-params", "2")
        // Offered as `a=fmtp:111 useinbandfec=1`: the browser then
        // sends in-band FEC, which the box decodes (media::remote).
        .field("useinbandfec", "1")
        .build()
}

/// Writes `profile-level-id=42e01f` into the video caps webrtcbin offers
/// from, when the stream is constrained baseline level 3.1.
///
/// rtph264pay copies the id from the stream's SPS, and encoders mark
/// constrained baseline differently (x264 and OpenH264 set
/// constraint_set0+1: `42c01f`; browsers offer `42e01f`, with set2 as
/// well). RFC 6184 reads both as Constrained Baseline 3.1; the box declares
/// the form browsers use themselves, so every offer says the same. A stream
/// of any other profile or level is offered as it is, for the tests to see.
fn declare_profile_level_id(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, |_, info| {
        let Some(gst::PadProbeData::Event(event)) = &mut info.data else {
            return gst::PadProbeReturn::Ok;
        };
        let gst::EventView::Caps(caps_event) = event.view() else {
            return gst::PadProbeReturn::Ok;
        };
        let mut caps = caps_event.caps_owned();
        let mut changed = false;
        for s in caps.make_mut().iter_mut() {
            let stream_id = s.get::<&str>("profile-level-id").ok();
            if stream_id.is_some_and(is_constrained_baseline_3_1) {
                s.set("profile-level-id", PROFILE_LEVEL_ID);
                changed = true;
            }
        }
        if changed {
            *event = gst::event::Caps::new(&caps);
        }
        gst::PadProbeReturn::Ok
    });
}

/// `profile-level-id` (RFC 6184: profile_idc, constraint flags, level_idc in
/// hex) names Baseline with constraint_set1 (Constrained Baseline) at 3.1.
fn is_constrained_baseline_3_1(id: &str) -> bool {
    let Ok(value) = u32::from_str_radix(id, 16) else {
        return false;
    };
    let (profile, flags, level) = (value >> 16, (value >> 8) & 0xff, value & 0xff);
    id.len() == 6 && profile == 0x42 && flags & 0x40 != 0 && level == 0x1f
}

/// A leaky queue at a branch's entry: a caller who falls behind loses
/// pictures, never holds up the shared tee.
fn entry_queue() -> Result<gst::Element, MediaError> {
    let queue = make("queue")?;
    queue.set_property_from_str("leaky", "downstream");
    queue.set_property("max-size-time", 200_000_000u64);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-buffers", 0u32);
    Ok(queue)
}

/// The bin's entry pad `name`, leading to `queue`.
fn ghost(bin: &gst::Bin, queue: &gst::Element, name: &str) -> Result<gst::GhostPad, MediaError> {
    let ghost = gst::GhostPad::builder_with_target(&pad_of(queue, "sink")?)?
        .name(name)
        .build();
    answer_serialized_queries(&ghost);
    bin.add_pad(&ghost)?;
    Ok(ghost)
}

/// Answers serialized queries (ALLOCATION above all) at the branch's entry
/// instead of letting them queue behind data. Until a caller's DTLS is up,
/// webrtcbin holds its data back, so such a query would wait there forever
/// and, travelling through the shared tee, stall every other caller too.
fn answer_serialized_queries(pad: &gst::GhostPad) {
    pad.add_probe(gst::PadProbeType::QUERY_DOWNSTREAM, |_, info| {
        match info.query() {
            Some(query) if query.is_serialized() => gst::PadProbeReturn::Handled,
            _ => gst::PadProbeReturn::Ok,
        }
    });
}

fn connect_signals(
    webrtc: &gst::Element,
    session: &str,
    events: &EventSink,
    outputs: &remote::Outputs,
    bin: &gst::Bin,
) {
    let (s, ev) = (session.to_owned(), events.clone());
    webrtc.connect("on-ice-candidate", false, move |args| {
        let mline = args[1].get::<u32>().ok()?;
        let candidate = args[2].get::<String>().ok()?;
        ev.send(MediaEvent::Candidate {
            session: s.clone(),
            mline,
            candidate,
        });
        None
    });

    let (s, ev) = (session.to_owned(), events.clone());
    webrtc.connect_notify(Some("connection-state"), move |w, _| {
        let state = w.property::<WebRTCPeerConnectionState>("connection-state");
        tracing::debug!(session = %s, ?state, "peer connection state");
        match state {
            WebRTCPeerConnectionState::Connected => {
                ev.send(MediaEvent::Connected { session: s.clone() })
            }
            WebRTCPeerConnectionState::Failed => ev.send(MediaEvent::Failed { session: s.clone() }),
            _ => {}
        }
    });

    // A keyframe as soon as ICE connects: it waits in the branch's queue
    // while DTLS shakes hands and is the first picture to go out, instead of
    // one asked for after the connection is up (a frame and a round trip
    // through the device later). The device asks again once connected.
    let bin_weak = bin.downgrade();
    webrtc.connect_notify(Some("ice-connection-state"), move |w, _| {
        let state = w.property::<WebRTCICEConnectionState>("ice-connection-state");
        if state == WebRTCICEConnectionState::Connected {
            if let Some(bin) = bin_weak.upgrade() {
                request_keyframe(&bin);
            }
        }
    });

    let (bin_weak, out) = (bin.downgrade(), outputs.clone());
    webrtc.connect_pad_added(move |_, pad| {
        if pad.direction() != gst::PadDirection::Src {
            return;
        }
        if let Some(bin) = bin_weak.upgrade() {
            if let Err(e) = remote::decode(&bin, pad, &out) {
                tracing::error!(error = %e, "cannot decode the caller's media");
            }
        }
    });
}

fn create_offer(webrtc: &gst::Element, session: String, events: EventSink) {
    let weak = webrtc.downgrade();
    let promise = gst::Promise::with_change_func(move |reply| {
        let Some(webrtc) = weak.upgrade() else { return };
        let offer = match reply {
            Ok(Some(reply)) => reply
                .value("offer")
                .ok()
                .and_then(|v| v.get::<WebRTCSessionDescription>().ok()),
            _ => None,
        };
        let Some(offer) = offer else {
            tracing::error!(session = %session, "webrtcbin made no offer");
            events.send(MediaEvent::Failed { session });
            return;
        };
        let Ok(sdp) = offer.sdp().as_text() else {
            events.send(MediaEvent::Failed { session });
            return;
        };
        // The offer leaves only once it is the local description: webrtcbin
        // sets it on its own task, and a quick browser's answer, checked
        // against it (`set_answer`), must never find it missing.
        let set = gst::Promise::with_change_func(move |_| {
            events.send(MediaEvent::Offer { session, sdp });
        });
        webrtc.emit_by_name::<()>("set-local-description", &[&offer, &Some(set)]);
    });
    webrtc.emit_by_name::<()>("create-offer", &[&None::<gst::Structure>, &promise]);
}

#[cfg(test)]
#[path = "peer_tests.rs"]
mod tests;
