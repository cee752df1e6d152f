#!/usr/bin/env bash
# The network-loss test ("never stuck"): the box and a phone in two network
# namespaces joined by one veth pair, and the link between them taken down
# mid-call and brought back.
#
#   box 10.99.0.1 (eth0) ───── veth ───── phone 10.99.0.2 (eth0)
#     homecall run (HTTPS, its own          headless Chromium
#     certificate), the driver
#
# tests/outage/outage.mjs runs in the box's namespace: a call with media
# checked both ways, then OUTAGES times the link down for OUTAGE_SECS (the
# page must say "connection problems" and the box keep the call), then up:
# media must flow again by itself, no click, no new call. Figures on stdout:
# restore_to_media_ms per outage, and restore_to_media_ms_median.
# Every process is killed and both namespaces deleted on exit. Needs root.
#
# Environment: OUTAGES (default 1), OUTAGE_SECS (default 15), HOMECALL_BIN
# (default target/debug/homecall, built when missing).
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$repo"

source tests/lib/box-and-phone.sh
outages=${OUTAGES:-1}
outage_secs=${OUTAGE_SECS:-15}
[[ "$outages" =~ ^[1-9][0-9]*$ && "$outage_secs" =~ ^[1-9][0-9]*$ ]] \
  || { echo "OUTAGES and OUTAGE_SECS must be positive integers" >&2; exit 2; }
box_and_phone outage

set +e
ip netns exec "$ns_box" env NO_COLOR=1 TMPDIR="$work/tmp" \
  HOMECALL_BIN="$bin" HOMECALL_CHROMIUM="$work/chromium-in-phone" \
  OUTAGES="$outages" OUTAGE_SECS="$outage_secs" OUTAGE_IFACE=eth0 \
  timeout --signal=TERM --kill-after=10 $((120 + outages * (outage_secs + 30))) \
  node tests/outage/outage.mjs &
driver=$!
wait "$driver"
rc=$?
set -e
exit "$rc"
