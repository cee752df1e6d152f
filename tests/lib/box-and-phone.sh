# The box and a phone in two network namespaces joined by one veth pair, for
# the tests that need a real link between them (tests/outage, tests/adapt).
# Sourced; `box_and_phone NAME TOOL…` (as root):
#
#   box 10.99.0.1 (eth0) ───── veth ───── phone 10.99.0.2 (eth0)
#
# checks that TOOLs, node and Chromium are there (and playwright-core, and
# the box's binary, made when missing), makes both namespaces (IPv4 only:
# an IPv6 address finishing its duplicate check a moment after the link
# comes up is a "network change" that aborts Chromium's page loads), and
# sets:
#   bin        the box's binary (HOMECALL_BIN, or target/debug/homecall)
#   ns_box, ns_phone
#   work       a scratch directory, with tmp/ and chromium-in-phone (Chromium
#              started in the phone's namespace, for HOMECALL_CHROMIUM)
#   driver     empty: set it to the driver's pid, killed on exit too
# On exit every process in both namespaces is killed and both are deleted;
# the scratch directory is kept when the test failed.

box_and_phone() {
  local name=$1
  shift
  test_name="tests/$name/run.sh"
  [[ $(id -u) -eq 0 ]] || { echo "$test_name: run as root (network namespaces)" >&2; exit 1; }
  local tool
  for tool in ip node /usr/bin/chromium "$@"; do
    command -v "$tool" >/dev/null || { echo "$test_name: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
  done
  [[ -d tests/e2e/node_modules/playwright-core ]] || (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  bin=${HOMECALL_BIN:-$PWD/target/debug/homecall}
  [[ -x "$bin" ]] || cargo build --quiet

  ns_box="hc-$name-box-$$"
  ns_phone="hc-$name-phone-$$"
  work=$(mktemp -d "/tmp/homecall-$name.XXXXXX")
  driver=""
  trap box_and_phone_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  local ns
  for ns in "$ns_box" "$ns_phone"; do
    ip netns add "$ns"
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
}

box_and_phone_cleanup() {
  local rc=$?
  set +e
  disown -a
  local pid ns victims=()
  [[ -z "$driver" ]] || victims+=("$driver")
  for ns in "$ns_box" "$ns_phone"; do victims+=($(ip netns pids "$ns" 2>/dev/null)); done
  for pid in "${victims[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  sleep 0.2
  ip netns del "$ns_box" 2>/dev/null
  ip netns del "$ns_phone" 2>/dev/null
  if ((rc != 0)); then echo "$test_name failed (exit $rc); logs kept in $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
