# HomeCall's WebRTC needs, from plugins-bad:
#   webrtc  webrtcbin (pulls libnice from meta-oe)
#   srtp    srtpenc/srtpdec (pulls libsrtp from meta-multimedia)
#   dtls    dtlssrtpenc/dtlssrtpdec (openssl; on by default, stated for clarity)
#   kms     kmssink: the TV picture on an image without Wayland or X11
#   webrtcdsp  webrtcdsp/webrtcechoprobe: the microphone's echo canceller
#              (pulls webrtc-audio-processing)
PACKAGECONFIG:append:homecall-box = " webrtc srtp dtls kms webrtcdsp"
