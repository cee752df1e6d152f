SUMMARY = "HomeCall: a video-call box on the TV that answers a secret link"
DESCRIPTION = "A daemon that waits for a relative to open a secret link and answers the call by itself: WebRTC through GStreamer, the camera and microphone, the TV and its speaker, and a small web server for the call page."
# Placeholders until the project has a public address: replace both.
HOMEPAGE = "https://homecall.example.org/"
BUGTRACKER = "https://homecall.example.org/issues"
SECTION = "multimedia"
LICENSE = "MIT | Apache-2.0"
# The repository has no licence files yet: checksum the line of Cargo.toml
# that states the licence ('license = "MIT OR Apache-2.0"').
LIC_FILES_CHKSUM = "file://Cargo.toml;beginline=8;endline=8;md5=86b31c7756a1a7962f28b62856ed4f05"

# gstreamer-rs links libgstreamer, -base (video, audio, sdp) and -bad (webrtc);
# alsa-sys links alsa-lib; bindgen (v4l2-sys-mit: the V4L2 headers) loads
# libclang at build time.
DEPENDS = "alsa-lib \
           clang-native \
           gstreamer1.0 \
           gstreamer1.0-plugins-bad \
           gstreamer1.0-plugins-base \
           "

PV = "0.1.0+git"

# The application comes from the repository this layer lives in (see
# HOMECALL_REPO_DIR in conf/layer.conf), at the commit homecall-crates.inc pins
# together with the crates of that commit's Cargo.lock (scripts/
# gen-yocto-crates.sh writes both). To build from a hosted copy instead, set
# HOMECALL_GIT_URI in local.conf, e.g.
#   HOMECALL_GIT_URI = "git://git.example.org/homecall.git;protocol=https;branch=main"
HOMECALL_GIT_URI ??= "git://${HOMECALL_REPO_DIR};protocol=file;branch=main"
SRC_URI = "${HOMECALL_GIT_URI}"

# SRCREV and every crate, fetched in do_fetch: cargo then builds --frozen,
# with no network.
require ${BPN}-crates.inc

inherit cargo cargo-update-recipe-crates pkgconfig systemd useradd features_check

# H.264 codecs. The box tries v4l2h264enc (the Pi 4's hardware encoder, in
# video4linux2, always installed) first, then x264enc, then openh264enc, and
# needs one decoder: avdec_h264 (libav) or openh264dec. x264, libav and
# openh264 all carry LICENSE_FLAGS = "commercial": see the layer's README.
PACKAGECONFIG ??= "x264 libav"
PACKAGECONFIG[x264] = ",,,gstreamer1.0-plugins-ugly-x264"
PACKAGECONFIG[libav] = ",,,gstreamer1.0-libav"
PACKAGECONFIG[openh264] = ",,,gstreamer1.0-plugins-bad-openh264"

# The daemon is a Type=notify unit with a watchdog: systemd must be init.
REQUIRED_DISTRO_FEATURES = "systemd"

# bindgen loads libclang from clang-native and parses the target's kernel
# headers (linux/videodev2.h) in the target sysroot.
export LIBCLANG_PATH = "${STAGING_LIBDIR_NATIVE}"
export BINDGEN_EXTRA_CLANG_ARGS = "--sysroot=${STAGING_DIR_TARGET}"

do_install:append() {
    # The unit, the service user and the default configuration come from the
    # repository (systemd/, config/), as in the Debian package.
    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${S}/systemd/homecall.service ${D}${systemd_system_unitdir}/homecall.service
    install -d ${D}${nonarch_libdir}/sysusers.d
    install -m 0644 ${S}/systemd/homecall.sysusers ${D}${nonarch_libdir}/sysusers.d/homecall.conf
    # It may hold the TURN secret: root and the homecall group only.
    install -d ${D}${sysconfdir}/homecall
    install -m 0640 -o root -g homecall ${S}/config/homecall.toml ${D}${sysconfdir}/homecall/homecall.toml
}

SYSTEMD_SERVICE:${PN} = "homecall.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

# The user of systemd/homecall.sysusers, made when the image is built so that
# the unit's User= works on the first boot. render is made when missing
# (minimal images lack it; a unit naming a missing group fails 216/GROUP).
USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "--system render"
USERADD_PARAM:${PN} = "--system --home-dir ${localstatedir}/lib/homecall --no-create-home --shell ${base_sbindir}/nologin --user-group --groups video,audio,render homecall"

FILES:${PN} += "${nonarch_libdir}/sysusers.d/homecall.conf"
CONFFILES:${PN} = "${sysconfdir}/homecall/homecall.toml"

# The GStreamer elements the box makes (src/media), by plugin package:
#   gstreamer1.0   tee queue capsfilter fakesink
#   -base          decodebin (playback), videoconvert and videoscale
#                  (videoconvertscale), videorate, audioconvert, audioresample,
#                  videotestsrc, audiotestsrc, opusenc/opusdec (opus),
#                  alsasrc/alsasink (alsa), textoverlay (pango), compositor,
#                  audiomixer
#   -good          rtph264pay/depay, rtpvp8pay/depay and rtpopuspay/depay
#                  (rtp), rtpbin (rtpmanager), v4l2src, v4l2h264enc and
#                  v4l2jpegdec (video4linux2), vp8enc/vp8dec (vpx), jpegdec
#                  (jpeg), autovideosink/autoaudiosink (autodetect)
#   -bad           webrtcbin (webrtc), dtlssrtpenc/dec (dtls), srtpenc/dec
#                  (srtp), h264parse (videoparsersbad), kmssink (kms),
#                  webrtcdsp/webrtcechoprobe (webrtcdsp, switched on in
#                  recipes-multimedia/gstreamer's bbappend)
#   libnice        nicesrc/nicesink
#   (linked in)    rtpgccbwe, from gst-plugins-rs's rtp crate
#   libcamera      libcamerasrc, for a Pi camera module (recommended)
RDEPENDS:${PN} = "gstreamer1.0 \
                  gstreamer1.0-plugins-bad-dtls \
                  gstreamer1.0-plugins-bad-kms \
                  gstreamer1.0-plugins-bad-srtp \
                  gstreamer1.0-plugins-bad-videoparsersbad \
                  gstreamer1.0-plugins-bad-webrtc \
                  gstreamer1.0-plugins-bad-webrtcdsp \
                  gstreamer1.0-plugins-base-alsa \
                  gstreamer1.0-plugins-base-audioconvert \
                  gstreamer1.0-plugins-base-audiomixer \
                  gstreamer1.0-plugins-base-audioresample \
                  gstreamer1.0-plugins-base-audiotestsrc \
                  gstreamer1.0-plugins-base-compositor \
                  gstreamer1.0-plugins-base-opus \
                  gstreamer1.0-plugins-base-pango \
                  gstreamer1.0-plugins-base-playback \
                  gstreamer1.0-plugins-base-typefindfunctions \
                  gstreamer1.0-plugins-base-videoconvertscale \
                  gstreamer1.0-plugins-base-videorate \
                  gstreamer1.0-plugins-base-videotestsrc \
                  gstreamer1.0-plugins-good-autodetect \
                  gstreamer1.0-plugins-good-jpeg \
                  gstreamer1.0-plugins-good-rtp \
                  gstreamer1.0-plugins-good-rtpmanager \
                  gstreamer1.0-plugins-good-video4linux2 \
                  gstreamer1.0-plugins-good-vpx \
                  libnice \
                  "
# USB webcams (UVC) and their microphones where the kernel has them as
# modules; libcamerasrc for a Pi camera module; a font for the text on the
# TV (textoverlay).
RRECOMMENDS:${PN} = "kernel-module-snd-usb-audio \
                     libcamera-gst \
                     kernel-module-uvcvideo \
                     ttf-dejavu-sans \
                     "

# Not in the NVD under any name: nothing for cve-check to match.
CVE_PRODUCT = ""

# A daemon for the target board only: no native or nativesdk variant.
BBCLASSEXTEND = ""
