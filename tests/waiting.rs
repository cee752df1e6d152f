//! What the real binary holds while it waits: the DTLS certificate made at
//! start, and what only a call needs loaded once a relative opens a link
//! (or a call page opens its socket), not before (`bench/cpu` gives the
//! resident memory each way). Checked by webrtcbin's plugin and libnice,
//! which every build of the box has (the H.264 decoder, loaded with them,
//! is gst-libav: not in the aarch64 test sysroot).

mod support;

use std::time::Duration;

use support::TestBox;

/// webrtcbin's plugin (not libgstwebrtc-1.0 nor webrtcdsp) and libnice.
const CALL_LIBRARIES: [&str; 2] = ["libgstwebrtc.so", "libnice"];

#[test]
fn what_a_call_needs_loads_when_a_links_page_is_opened() {
    // GStreamer's plugin registry brought up to date here first: a box
    // that had to scan the plugins itself (the aarch64 run scans in
    // process, GST_REGISTRY_FORK=no) would have loaded them all.
    gst::init().expect("GStreamer");
    let mut b = TestBox::start("");
    // The start-up warm-up (the certificate) has begun once the DTLS plugin is mapped.
    b.wait_until(Duration::from_secs(60), "the DTLS certificate", |b| {
        b.has_loaded("libgstdtls")
    });
    std::thread::sleep(Duration::from_millis(500));
    for library in CALL_LIBRARIES {
        assert!(!b.has_loaded(library), "{library} loaded while waiting");
    }
    let url = b.create_link("Anna");
    let (code, _) = b
        .get(&url[url.find("/r/").expect("link path")..])
        .expect("answers");
    assert_eq!(code, 200);
    // A deadline, not a timing: a minute for qemu's emulated loads.
    b.wait_until(Duration::from_secs(60), "a call's libraries", |b| {
        CALL_LIBRARIES.iter().all(|l| b.has_loaded(l))
    });
    // A page that is no link's loads nothing: checked on a fresh box.
    let fresh = TestBox::start("");
    let (code, _) = fresh.get("/r/not-a-link").expect("answers");
    assert_eq!(code, 404);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !fresh.has_loaded("libnice"),
        "an invalid link loaded libnice"
    );
}
