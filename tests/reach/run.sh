#!/usr/bin/env bash
# The CGNAT test ("reachable from anywhere"): the real world in network
# namespaces, and a call from a phone to the box through the relay.
#
#   inet: a bridge, 203.0.113.1 — homecall relay :443 (and :80 for ACME),
#         coturn :3478, pebble :14000/:15000, pebble-challtestsrv (DNS :8053)
#      │                                        │
#   home router                              phone's router (a mobile NAT)
#     WAN 203.0.113.2, LAN 192.168.77.1        WAN 203.0.113.3, LAN 10.77.0.1
#     masquerade, nothing inbound              masquerade, nothing inbound
#      │                                        │
#   box 192.168.77.2                         phone 10.77.0.2
#     homecall run, the driver                 headless Chromium
#
# 1. Makes the five namespaces (names end in this shell's pid), veth pairs, a
#    bridge in inet, nftables masquerade and a forward/input policy of "drop
#    unless established or from the LAN" on both routers. Documentation
#    addresses only; nothing leaves the namespaces made here.
# 2. Proves the point of the test: a listener in the box's namespace is
#    reachable from its own router's LAN side, but not from inet, neither at
#    192.168.77.2 (with a route to it added in inet) nor at 203.0.113.2, nor
#    from the phone; the same for a listener in the phone's namespace.
# 3. Starts coturn, pebble and pebble-challtestsrv in inet; the box will
#    trust pebble's issuing root.
# 4. Runs tests/reach/reach.mjs inside the box's namespace: the relay (ACME
#    from pebble), the box paired with it through its admin API, CALLS calls
#    from Chromium in the phone's namespace with media checked both ways,
#    the relay SIGKILLed and started again, the box back by itself, one more
#    call. Figures on stdout: first_frame_ms per call (and the ICE path its
#    media took), box_reconnect_after_relay_restart_ms, and last
#    first_frame_ms_median (over every call).
# Everything it started is killed and every namespace deleted on exit,
# success or not. Needs root (CI runs as root).
#
# Environment: CALLS (calls before the relay restart, default 2),
# HOMECALL_BIN (default target/debug/homecall, built when missing),
# REACH_CERT (acme|files, default acme: the relay's certificate from pebble;
# files: [tls] with a certificate from a test CA made here), REACH_NAT
# (cone|symmetric, default cone: Linux masquerade, which keeps ports, so ICE
# may find a direct path; symmetric: a random port per destination on both
# routers, so the media must go through coturn, which is checked),
# KEEP_REACH_DIR=1 keeps the work directory (logs) after a successful run.
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$repo"

[[ $(id -u) -eq 0 ]] || { echo "tests/reach/run.sh: run as root (network namespaces, nftables)" >&2; exit 1; }

calls=${CALLS:-2}
[[ "$calls" =~ ^[1-9][0-9]*$ ]] || { echo "CALLS must be a positive integer, got '$calls'" >&2; exit 2; }
cert_mode=${REACH_CERT:-acme}
case "$cert_mode" in acme | files) ;; *) echo "REACH_CERT must be acme or files" >&2; exit 2 ;; esac
nat=${REACH_NAT:-cone}
case "$nat" in cone) masquerade="masquerade" ;; symmetric) masquerade="masquerade fully-random" ;; *) echo "REACH_NAT must be cone or symmetric" >&2; exit 2 ;; esac

for tool in ip nft turnserver pebble pebble-challtestsrv curl openssl node /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "tests/reach/run.sh: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done
[[ -d tests/e2e/node_modules/playwright-core ]] || (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

bin=${HOMECALL_BIN:-$repo/target/debug/homecall}
if [[ ! -x "$bin" ]]; then
  cargo build >&2
fi

note() { printf '[reach %s] %s\n' "$(date +%T.%3N)" "$*" >&2; }

# ---- names, and the clean-up that runs whatever happens --------------------------------

id=$$
ns_inet=hc-inet-$id
ns_home=hc-home-$id  # the home router
ns_box=hc-box-$id
ns_pnet=hc-pnet-$id  # the phone's router (a mobile network's NAT)
ns_phone=hc-phone-$id
all_ns=("$ns_inet" "$ns_home" "$ns_box" "$ns_pnet" "$ns_phone")
work=$(mktemp -d /tmp/homecall-reach.XXXXXX)
started=() # pids started here (each inside one of our namespaces)
made_etc_netns=

cleanup() {
  local rc=$?
  set +e
  # Every process living in one of our namespaces was started by this script
  # or by the driver it ran: the box, the relay, coturn, pebble, Chromium.
  local ns pid victims=()
  disown -a # no "Killed" notices from bash for what is killed here
  victims+=("${started[@]}")
  for ns in "${all_ns[@]}"; do victims+=($(ip netns pids "$ns" 2>/dev/null)); done
  for pid in "${victims[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${victims[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for ns in "${all_ns[@]}"; do
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  [[ -z "$made_etc_netns" ]] || rmdir /etc/netns 2>/dev/null
  if ((rc != 0)); then
    for log in relay.log coturn.log pebble.log challtestsrv.log; do
      [[ -s "$work/$log" ]] || continue
      printf -- '--- last 30 lines of %s ---\n' "$work/$log" >&2
      tail -n 30 "$work/$log" >&2
    done
    echo "tests/reach/run.sh failed (exit $rc); logs kept in $work" >&2
  elif [[ "${KEEP_REACH_DIR:-0}" == 1 ]]; then
    echo "logs: $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---- 1. the network ---------------------------------------------------------------------

note "namespaces ${all_ns[*]} (NAT: $nat)"
for ns in "${all_ns[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # IPv4 only: fewer ICE candidates to read in a failure report.
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done

# inet: one bridge, the "internet" every WAN port is plugged into.
ip -n "$ns_inet" link add br0 type bridge
ip -n "$ns_inet" addr add 203.0.113.1/24 dev br0
ip -n "$ns_inet" link set br0 up

# A router namespace: WAN on inet's bridge, LAN to one host namespace.
#   router NS WAN_ADDR LAN_PREFIX HOST_NS PORT  (PORT: the WAN cable's end in inet)
router() {
  local r=$1 wan=$2 lan_prefix=$3 host=$4 port=$5
  ip -n "$r" link add wan type veth peer name "$port" netns "$ns_inet"
  ip -n "$ns_inet" link set "$port" master br0 up
  ip -n "$r" addr add "$wan/24" dev wan
  ip -n "$r" link set wan up
  ip -n "$r" route add default via 203.0.113.1
  ip -n "$r" link add lan type veth peer name eth0 netns "$host"
  ip -n "$r" addr add "$lan_prefix.1/24" dev lan
  ip -n "$r" link set lan up
  ip -n "$host" addr add "$lan_prefix.2/24" dev eth0
  ip -n "$host" link set eth0 up
  ip -n "$host" route add default via "$lan_prefix.1"
  in_ns "$r" sysctl -qw net.ipv4.ip_forward=1
  # NAT that lets nothing in: only replies to what the LAN started.
  # (`fwd` is an nft keyword: the chains are named otherwise.)
  in_ns "$r" nft -f - <<NFT
table ip nat {
  chain post { type nat hook postrouting priority 100; oifname "wan" $masquerade; }
}
table ip filter {
  chain forwarding { type filter hook forward priority 0; policy drop; ct state established,related accept; iifname "lan" oifname "wan" accept; }
  chain inbound { type filter hook input priority 0; policy drop; ct state established,related accept; iifname "lo" accept; iifname "lan" accept; }
}
NFT
}
router "$ns_home" 203.0.113.2 192.168.77 "$ns_box" to-home
router "$ns_pnet" 203.0.113.3 10.77.0 "$ns_phone" to-phone

# Someone on the internet who tries hard: inet routes the homes' private
# ranges to their routers, so only the routers' firewalls keep them out.
ip -n "$ns_inet" route add 192.168.77.0/24 via 203.0.113.2
ip -n "$ns_inet" route add 10.77.0.0/24 via 203.0.113.3

# The relay's name, as DNS would give it (ip netns exec bind-mounts these
# over /etc/hosts). Chromium gets --host-resolver-rules instead.
[[ -d /etc/netns ]] || made_etc_netns=1
for ns in "$ns_box" "$ns_phone" "$ns_inet"; do
  mkdir -p "/etc/netns/$ns"
  printf '127.0.0.1 localhost\n203.0.113.1 relay.test\n' >"/etc/netns/$ns/hosts"
done

# ---- 2. the box cannot be reached from the internet ---------------------------------------

# tcp_connect NS ADDR PORT: exit 0 when a TCP connection is accepted within
# a second (on these links an answer takes well under a millisecond).
tcp_connect() { in_ns "$1" timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$2" "$3" 2>/dev/null; }

# A listener on every port 7000 in both homes' hosts; each must answer its
# own LAN and nobody outside.
listeners=()
for ns in "$ns_box" "$ns_phone"; do
  ip netns exec "$ns" node -e "require('net').createServer((s) => s.end()).listen(7000, '0.0.0.0')" &
  started+=($!)
  listeners+=($!)
done
for _ in $(seq 100); do tcp_connect "$ns_box" 127.0.0.1 7000 && tcp_connect "$ns_phone" 127.0.0.1 7000 && break; sleep 0.05; done
tcp_connect "$ns_home" 192.168.77.2 7000 || { echo "FAIL: the box's listener is not reachable even from its own LAN" >&2; exit 1; }
tcp_connect "$ns_pnet" 10.77.0.2 7000 || { echo "FAIL: the phone's listener is not reachable even from its own LAN" >&2; exit 1; }
# Each of these must fail; they are tried at once (a dropped SYN waits out the second).
probes=(
  "$ns_inet 192.168.77.2" "$ns_inet 203.0.113.2" "$ns_pnet 192.168.77.2" "$ns_phone 192.168.77.2" "$ns_phone 203.0.113.2"
  "$ns_inet 10.77.0.2" "$ns_inet 203.0.113.3" "$ns_box 10.77.0.2" "$ns_box 203.0.113.3"
)
probe_pids=()
for target in "${probes[@]}"; do
  read -r from to <<<"$target"
  tcp_connect "$from" "$to" 7000 &
  probe_pids+=($!)
done
for i in "${!probes[@]}"; do
  if wait "${probe_pids[$i]}"; then
    read -r from to <<<"${probes[$i]}"
    echo "FAIL: from ${from%-$id}, a TCP connection to $to:7000 got through: a router lets connections in" >&2
    exit 1
  fi
done
kill "${listeners[@]}"; { wait "${listeners[@]}"; } 2>/dev/null || true
note "checked: the box (192.168.77.2 behind 203.0.113.2) and the phone (10.77.0.2 behind 203.0.113.3) answer their own LAN only; nothing from inet or the other home gets in"

# ---- 3. the internet's services -------------------------------------------------------------

# A test CA: it signs pebble's own HTTPS certificate (and the relay's when
# ACME is not available, REACH_CERT=files).
openssl_quiet() { openssl "$@" 2>>"$work/openssl.log"; }
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
  -days 2 -subj "/CN=HomeCall reach test CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
leaf() { # leaf NAME CN SAN
  openssl_quiet req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/$1.key" -out "$work/$1.csr" -subj "/CN=$2"
  printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$3" >"$work/$1.ext"
  openssl_quiet x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 -out "$work/$1.pem" -extfile "$work/$1.ext"
}
leaf pebble 203.0.113.1 "IP:203.0.113.1"
leaf relay relay.test "DNS:relay.test"

turn_secret=$(openssl rand -hex 16)
ip netns exec "$ns_inet" turnserver -n --listening-ip=203.0.113.1 --relay-ip=203.0.113.1 --listening-port=3478 \
  --min-port=49160 --max-port=49400 --use-auth-secret --static-auth-secret="$turn_secret" \
  --realm=homecall.test --no-cli --no-tls --no-dtls --fingerprint \
  --db="$work/turndb" --pidfile="$work/turnserver.pid" --log-file="$work/coturn.log" --simple-log --no-stdout-log \
  >>"$work/coturn.out" 2>&1 &
started+=($!)

# pebble-challtestsrv: the DNS pebble asks (every name is 203.0.113.1); its
# own challenge servers are off, the relay answers HTTP-01 itself.
ip netns exec "$ns_inet" pebble-challtestsrv -defaultIPv4 203.0.113.1 -defaultIPv6 "" -dns01 203.0.113.1:8053 \
  -http01 "" -https01 "" -tlsalpn01 "" -management 203.0.113.1:8055 >>"$work/challtestsrv.log" 2>&1 &
started+=($!)
cat >"$work/pebble.json" <<JSON
{
  "pebble": {
    "listenAddress": "203.0.113.1:14000",
    "managementListenAddress": "203.0.113.1:15000",
    "certificate": "$work/pebble.pem",
    "privateKey": "$work/pebble.key",
    "httpPort": 80,
    "tlsPort": 443,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
JSON
ip netns exec "$ns_inet" env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
  pebble -config "$work/pebble.json" -dnsserver 203.0.113.1:8053 >>"$work/pebble.log" 2>&1 &
started+=($!)

wait_for() { # wait_for WHAT TRIES COMMAND…
  local what=$1 tries=$2
  shift 2
  for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.1; done
  echo "FAIL: $what did not come up" >&2
  return 1
}
wait_for "pebble" 100 in_ns "$ns_inet" curl -fs -o /dev/null --cacert "$work/ca.pem" https://203.0.113.1:14000/dir
wait_for "coturn" 100 tcp_connect "$ns_inet" 203.0.113.1 3478
# The root pebble signs issued certificates with (made afresh each start).
in_ns "$ns_inet" curl -fsS --cacert "$work/ca.pem" -o "$work/pebble-root.pem" https://203.0.113.1:15000/roots/0
# From inside both homes, the internet's services are reachable (outbound).
tcp_connect "$ns_box" 203.0.113.1 3478 || { echo "FAIL: the box cannot reach coturn at 203.0.113.1:3478" >&2; exit 1; }
tcp_connect "$ns_phone" 203.0.113.1 3478 || { echo "FAIL: the phone cannot reach coturn at 203.0.113.1:3478" >&2; exit 1; }
note "coturn, pebble and pebble-challtestsrv up in inet; both homes reach them"

# ---- 4. the relay, the box, the calls ---------------------------------------------------------

# Chromium runs in the phone's namespace; playwright drives it over a pipe
# (inherited file descriptors), which crosses namespaces.
cat >"$work/chromium-in-phone" <<SH
#!/bin/sh
exec ip netns exec $ns_phone /usr/bin/chromium "\$@"
SH
chmod +x "$work/chromium-in-phone"

driver_timeout=$((150 + 20 * calls))
set +e
mkdir "$work/tmp" # Chromium's profile and the like: gone with $work
ip netns exec "$ns_box" env NO_COLOR=1 TMPDIR="$work/tmp" \
  HOMECALL_BIN="$bin" HOMECALL_CHROMIUM="$work/chromium-in-phone" \
  REACH_WORK="$work" REACH_INET_NS="$ns_inet" REACH_CERT="$cert_mode" REACH_NAT="$nat" \
  REACH_TURN_SECRET="$turn_secret" CALLS="$calls" \
  timeout --signal=TERM --kill-after=10 "$driver_timeout" node tests/reach/reach.mjs &
driver=$!
started+=("$driver")
wait "$driver"
rc=$?
set -e
if ((rc == 124)); then echo "FAIL: the driver did not finish within ${driver_timeout} s" >&2; fi
exit "$rc"
