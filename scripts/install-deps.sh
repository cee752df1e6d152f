#!/usr/bin/env bash
# Installs every system package HomeCall needs to build, run and test on Debian 12.
# Idempotent: packages already present are skipped by apt.
#   scripts/install-deps.sh          build + run (GStreamer, ALSA, toolchain helpers)
#   scripts/install-deps.sh --test   also the test tools (chromium, firefox-esr, coturn, pebble, nftables, node packages)
set -euo pipefail

RUN_PKGS=(
  pkg-config build-essential libclang-dev libasound2-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice
  gstreamer1.0-libav gstreamer1.0-alsa gstreamer1.0-x
)
TEST_PKGS=(chromium firefox-esr coturn pebble iproute2 util-linux xvfb imagemagick nftables curl openssl python3-venv tcpdump)

want=("${RUN_PKGS[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${TEST_PKGS[@]}")
  command -v node >/dev/null || want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  # apt may lose its archives if /tmp is cleaned underneath it: give it its own TMPDIR.
  apt_tmp=$(mktemp -d /var/tmp/homecall-apt.XXXXXX)
  export TMPDIR=$apt_tmp DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
  rm -rf "$apt_tmp"
fi
