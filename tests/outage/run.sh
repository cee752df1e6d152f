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

[[ $(id -u) -eq 0 ]] || { echo "tests/outage/run.sh: run as root (network namespaces)" >&2; exit 1; }
outages=${OUTAGES:-1}
outage_secs=${OUTAGE_SECS:-15}
[[ "$outages" =~ ^[1-9][0-9]*$ && "$outage_secs" =~ ^[1-9][0-9]*$ ]] \
  || { echo "OUTAGES and OUTAGE_SECS must be positive integers" >&2; exit 2; }
for tool in ip node /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "tests/outage/run.sh: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done
[[ -d tests/e2e/node_modules/playwright-core ]] || (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
bin=${HOMECALL_BIN:-$repo/target/debug/homecall}
[[ -x "$bin" ]] || cargo build --quiet

ns_box="hc-out-box-$$"
ns_phone="hc-out-phone-$$"
work=$(mktemp -d /tmp/homecall-outage.XXXXXX)
driver=""
cleanup() {
  local rc=$?
  set +e
  disown -a
  local pid victims=()
  [[ -z "$driver" ]] || victims+=("$driver")
  for ns in "$ns_box" "$ns_phone"; do victims+=($(ip netns pids "$ns" 2>/dev/null)); done
  for pid in "${victims[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  sleep 0.2
  ip netns del "$ns_box" 2>/dev/null
  ip netns del "$ns_phone" 2>/dev/null
  if ((rc != 0)); then echo "tests/outage/run.sh failed (exit $rc); logs kept in $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ns in "$ns_box" "$ns_phone"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip -n "$ns_box" link add eth0 type veth peer name eth0 netns "$ns_phone"
ip -n "$ns_box" addr add 10.99.0.1/24 dev eth0
ip -n "$ns_phone" addr add 10.99.0.2/24 dev eth0
ip -n "$ns_box" link set eth0 up
ip -n "$ns_phone" link set eth0 up

# Chromium runs in the phone's namespace; playwright drives it over a pipe.
cat >"$work/chromium-in-phone" <<SH
#!/bin/sh
exec ip netns exec $ns_phone /usr/bin/chromium "\$@"
SH
chmod +x "$work/chromium-in-phone"
mkdir "$work/tmp"

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
