SUMMARY = "A HomeCall box: boots into waiting for a call, nobody at a keyboard"
DESCRIPTION = "A small systemd image with the HomeCall daemon enabled, the GStreamer plugins it loads and the board's firmware."
# Placeholder until the project has a public address: replace.
BUGTRACKER = "https://homecall.example.org/issues"
SECTION = "images"
LICENSE = "MIT"

inherit core-image features_check

REQUIRED_DISTRO_FEATURES = "systemd"

# packagegroup-base-extended brings what the machine and distro features ask
# for: the board's kernel modules (the Pi 4's bcm2835-codec H.264 encoder,
# UVC webcams, USB audio), its Wi-Fi firmware and tools, ALSA.
IMAGE_INSTALL = "packagegroup-core-boot \
                 packagegroup-base-extended \
                 homecall \
                 ${CORE_IMAGE_EXTRA_INSTALL} \
                 "
IMAGE_LINGUAS = ""

# Room (KiB) for call records and GStreamer's plugin registry under /var.
IMAGE_ROOTFS_EXTRA_SPACE = "262144"

# An image is not a product in the NVD; its packages are checked one by one.
CVE_PRODUCT = ""
