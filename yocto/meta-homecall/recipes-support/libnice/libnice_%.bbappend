# webrtcbin does ICE through libnice's GStreamer elements (nicesrc/nicesink),
# which libnice builds only with its gstreamer option.
PACKAGECONFIG:append:homecall-box = " gstreamer"
