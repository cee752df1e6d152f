#!/usr/bin/env bash
# Runs every HomeCall test on a Debian 12 machine, installing what it needs:
#   1. system packages (GStreamer, ALSA, Chromium, coturn…) and the browser
#      driver for the end-to-end tests (npm ci, from the lockfile);
#   2. formatting and lints: cargo fmt --check, cargo clippy -D warnings;
#   3. unit and integration tests (the real binary over real WebSockets), and
#      the page's own modules under node's test runner;
#   4. end-to-end calls: the real box and headless Chromium; then the box and
#      a phone behind NATs in network namespaces, calling through the relay;
#   5. the appliance: the systemd unit (verify, security score), the Yocto
#      layer (oelint-adv), the .deb booted with systemd-nspawn (waiting, a call,
#      the watchdog), and the unit and integration tests built for aarch64 and
#      run under qemu.
# Test traffic stays inside network namespaces that have only loopback, or
# (the reach test) namespaces made for it that are joined to nothing else.
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
scripts/install-deps.sh --test

step "browser driver (tests/e2e)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

step "format and lints"
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings

step "build"
cargo build --all-targets --locked

# Everything from here on needs no network beyond loopback.
in_netns() {
  if [ "$(id -u)" -eq 0 ]; then ns=(unshare -n); else ns=(unshare -r -n); fi
  "${ns[@]}" bash -c 'ip link set lo up && exec "$@"' netns "$@"
}

step "unit and integration tests"
in_netns cargo test --locked --offline

step "the call page's modules (node --test tests/web)"
node --test tests/web/

step "end-to-end calls in headless Chromium"
in_netns bash -c 'cd tests/e2e && exec npm test --silent'

# Its own namespaces: a home router and a phone's NAT that let nothing in,
# an "internet" with the relay, coturn and pebble; documentation addresses
# only. Once with NATs that keep ports (the media finds a direct path), once
# with NATs that pick a new port per destination (the media must take coturn).
step "reachable from anywhere: the box and a phone behind NATs, through the relay"
REACH_NAT=cone tests/reach/run.sh
REACH_NAT=symmetric tests/reach/run.sh

# Two namespaces joined by one veth pair: the link taken down mid-call for
# 15 s and brought back; the call must come back by itself.
step "never stuck: a network outage mid-call"
tests/outage/run.sh

# The same two namespaces, the box's side shaped mid-call (500 kbit/s,
# 2 Mbit/s, 5 % loss): the voice survives and the video fits under the cap.
step "bandwidth adaptation: a shaped link"
tests/adapt/run.sh

step "systemd unit"
scripts/check-systemd.sh

step "Yocto layer"
scripts/lint-yocto.sh

step "boot test: the .deb in a booted Debian 12"
BOOT_CALL=1 tests/boot/run.sh

step "aarch64 under qemu"
scripts/cross-aarch64.sh
