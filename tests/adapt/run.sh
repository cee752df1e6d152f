#!/usr/bin/env bash
# The bandwidth-adaptation test: the box and a phone in two network
# namespaces joined by one veth pair, and the box's side of the link shaped
# with tc mid-call: 500 kbit/s, then 2 Mbit/s, then 2 Mbit/s with 5 % loss.
#
#   box 10.99.0.1 (eth0, tc tbf) ───── veth ───── phone 10.99.0.2 (eth0, nft loss)
#     homecall run (HTTPS), the driver                  headless Chromium
#
# tests/adapt/adapt.mjs runs in the box's namespace and asserts, per phase,
# that the voice survives (audio loss under 1 %) and the video fits under
# the cap; it prints settle_ms_, audio_loss_pct_, video_kbps_ per phase
# (bench/adapt runs it with longer phases for the figures).
# Every process is killed and both namespaces deleted on exit. Needs root.
#
# Environment: PHASE_SECS (default 15), WARM_SECS (default 8), HOMECALL_BIN
# (default target/debug/homecall, built when missing).
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$repo"

source tests/lib/box-and-phone.sh
phase_secs=${PHASE_SECS:-15}
warm_secs=${WARM_SECS:-8}
[[ "$phase_secs" =~ ^[1-9][0-9]*$ && "$warm_secs" =~ ^[1-9][0-9]*$ ]] \
  || { echo "PHASE_SECS and WARM_SECS must be positive integers" >&2; exit 2; }
box_and_phone adapt tc nft

set +e
ip netns exec "$ns_box" env NO_COLOR=1 TMPDIR="$work/tmp" \
  HOMECALL_BIN="$bin" HOMECALL_CHROMIUM="$work/chromium-in-phone" \
  PHASE_SECS="$phase_secs" WARM_SECS="$warm_secs" ADAPT_IFACE=eth0 ADAPT_PHONE_NS="$ns_phone" \
  timeout --signal=TERM --kill-after=10 $((120 + warm_secs + 3 * phase_secs)) \
  node tests/adapt/adapt.mjs &
driver=$!
wait "$driver"
rc=$?
set -e
exit "$rc"
