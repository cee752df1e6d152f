# x264enc: the software H.264 encoder, used where no hardware encoder works
# (the Pi 5 has none; the Pi 4 falls back to it).
#
# plugins-ugly and x264 both carry LICENSE_FLAGS = "commercial" (patents):
# the build stops until local.conf accepts them, e.g.
#   LICENSE_FLAGS_ACCEPTED += "commercial_gstreamer1.0-plugins-ugly commercial_x264"
# Read their licences before shipping a product; without x264, build homecall
# with PACKAGECONFIG:pn-homecall = "openh264" (also "commercial").
PACKAGECONFIG:append:homecall-box = " x264"
