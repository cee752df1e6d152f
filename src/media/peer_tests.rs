use super::*;

/// The offer a real webrtcbin makes from the audio preferences alone, before
/// any audio has flowed (the box offers at once): Chrome rejects an Opus
/// m-line without its two channels, and the call then fails its ICE checks.
#[test]
fn opus_is_offered_with_two_channels_and_fec_before_any_audio_flows() {
    gst::init().expect("gstreamer");
    let webrtc = make("webrtcbin").expect("webrtcbin");
    webrtc.emit_by_name::<gst_webrtc::WebRTCRTPTransceiver>(
        "add-transceiver",
        &[
            &gst_webrtc::WebRTCRTPTransceiverDirection::Sendrecv,
            &adapt_gcc::numbered(opus_caps()),
        ],
    );
    webrtc.set_state(gst::State::Ready).expect("ready");
    let (sender, offered) = std::sync::mpsc::channel();
    let promise = gst::Promise::with_change_func(move |reply| {
        let sdp = reply
            .ok()
            .flatten()
            .and_then(|r| r.value("offer").ok())
            .and_then(|v| v.get::<WebRTCSessionDescription>().ok())
            .and_then(|offer| offer.sdp().as_text().ok());
        let _ = sender.send(sdp);
    });
    webrtc.emit_by_name::<()>("create-offer", &[&None::<gst::Structure>, &promise]);
    // A minute: the offer waits for the transport's DTLS certificate, an RSA
    // key that takes seconds on an emulated arm64 (CI's qemu).
    let sdp = offered
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("an answer from webrtcbin")
        .expect("an offer");
    webrtc.set_state(gst::State::Null).expect("stopped");
    let lines: Vec<&str> = sdp.lines().collect();
    assert!(lines.contains(&"a=rtpmap:111 OPUS/48000/2"), "{sdp}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("a=fmtp:111 ") && l.contains("useinbandfec=1")),
        "{sdp}"
    );
}
