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

[[ $(id -u) -eq 0 ]] || { echo "tests/adapt/run.sh: run as root (network namespaces)" >&2; exit 1; }
phase_secs=${PHASE_SECS:-15}
warm_secs=${WARM_SECS:-8}
[[ "$phase_secs" =~ ^[1-9][0-9]*$ && "$warm_secs" =~ ^[1-9][0-9]*$ ]] \
  || { echo "PHASE_SECS and WARM_SECS must be positive integers" >&2; exit 2; }
for tool in ip tc nft node /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "tests/adapt/run.sh: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done
[[ -d tests/e2e/node_modules/playwright-core ]] || (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
bin=${HOMECALL_BIN:-$repo/target/debug/homecall}
[[ -x "$bin" ]] || cargo build --quiet

ns_box="hc-ad-box-$$"
ns_phone="hc-ad-phone-$$"
work=$(mktemp -d /tmp/homecall-adapt.XXXXXX)
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
  if ((rc != 0)); then echo "tests/adapt/run.sh failed (exit $rc); logs kept in $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ns in "$ns_box" "$ns_phone"; do
  ip netns add "$ns"
  # IPv4 only: an IPv6 address finishing its duplicate check a moment after
  # the link comes up is a "network change" that aborts Chromium's page loads.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
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
  PHASE_SECS="$phase_secs" WARM_SECS="$warm_secs" ADAPT_IFACE=eth0 ADAPT_PHONE_NS="$ns_phone" \
  timeout --signal=TERM --kill-after=10 $((120 + warm_secs + 3 * phase_secs)) \
  node tests/adapt/adapt.mjs &
driver=$!
wait "$driver"
rc=$?
set -e
exit "$rc"
