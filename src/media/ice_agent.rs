//! How the box sets up each caller's ICE agent (libnice, inside webrtcbin).
//!
//! **Check pacing.** libnice sends one check per tick of its timer `Ta`
//! (20 ms by default), and webrtcbin's agent uses regular nomination: as the
//! offerer the box controls, so a pair takes three ticks before media may
//! flow — the triggered check, then the stop that picks the valid pair,
//! then the check that nominates it. On a home network that is about 60 ms
//! of the caller's wait for the first picture, spent idle
//! (`bench/first-frame`: ICE connected → DTLS done). RFC 8445 (section 14)
//! lets an agent pace at 5 ms or more. A box has a handful of candidates
//! (host, server-reflexive, relayed), so at 5 ms its checks still leave well
//! under a few dozen packets a second on the uplink, and the three ticks
//! take 15 ms.
//!
//! **No UPnP.** libnice would ask the home router, by UPnP IGD, to open a
//! port for every call (an SSDP search on the LAN, then a mapping), and its
//! gathering would not end before that answer or a 200 ms timeout. The box
//! opens nothing on the family's router: callers reach it through the
//! addresses STUN finds and through the family's own TURN relay.
//!
//! webrtcbin does not expose its `NiceAgent`, but each `nicesrc` it adds
//! carries it (`agent`). Both settings may be made once the agent exists:
//! the agent reads the pacing each time it schedules checks, and UPnP when
//! it starts gathering, which comes later (the offer's local description).

use gst::prelude::*;

/// `Ta` in ms: RFC 8445's floor for an agent's pacing.
pub(super) const PACING_MS: u32 = 5;

/// Sets up the ICE agent of every `webrtcbin` added to `bin`: checks paced
/// at [`PACING_MS`], no UPnP.
pub(super) fn tune_agents(bin: &gst::Bin) {
    bin.connect_deep_element_added(|_, _, element| {
        let is_nicesrc = element
            .factory()
            .is_some_and(|factory| factory.name() == "nicesrc");
        if !is_nicesrc || element.find_property("agent").is_none() {
            return;
        }
        let Some(agent) = element.property::<Option<gst::glib::Object>>("agent") else {
            return;
        };
        if agent.find_property("stun-pacing-timer").is_some() {
            agent.set_property("stun-pacing-timer", PACING_MS);
        }
        if agent.find_property("upnp").is_some() {
            agent.set_property("upnp", false);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real webrtcbin: its transport's agent, made for an offer, is
    /// paced and asks the router for nothing.
    #[test]
    fn a_callers_agent_checks_every_five_ms_without_upnp() {
        gst::init().expect("gstreamer");
        let bin = gst::Bin::new();
        tune_agents(&bin);
        let webrtc = gst::ElementFactory::make("webrtcbin")
            .build()
            .expect("webrtcbin");
        webrtc.set_property_from_str("bundle-policy", "max-bundle");
        bin.add(&webrtc).expect("added");
        let caps = super::super::peer::opus_caps();
        webrtc.emit_by_name::<gst_webrtc::WebRTCRTPTransceiver>(
            "add-transceiver",
            &[&gst_webrtc::WebRTCRTPTransceiverDirection::Sendrecv, &caps],
        );
        bin.set_state(gst::State::Ready).expect("ready");
        let (sender, made) = std::sync::mpsc::channel();
        let promise = gst::Promise::with_change_func(move |_| {
            let _ = sender.send(());
        });
        webrtc.emit_by_name::<()>("create-offer", &[&None::<gst::Structure>, &promise]);
        // A minute: the offer waits for the transport's DTLS certificate,
        // an RSA key that takes seconds on an emulated arm64 (CI's qemu)
        // while other tests make theirs.
        made.recv_timeout(std::time::Duration::from_secs(60))
            .expect("an offer");

        let agents: Vec<(u32, bool)> = bin
            .iterate_recurse()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.factory().is_some_and(|f| f.name() == "nicesrc"))
            .map(|e| e.property::<gst::glib::Object>("agent"))
            .map(|agent| {
                let pacing = agent.property::<u32>("stun-pacing-timer");
                (pacing, agent.property::<bool>("upnp"))
            })
            .collect();
        bin.set_state(gst::State::Null).expect("stopped");
        assert!(!agents.is_empty(), "webrtcbin made no transport");
        assert!(
            agents.iter().all(|&agent| agent == (PACING_MS, false)),
            "(pacing ms, upnp) of each agent: {agents:?}"
        );
    }
}
