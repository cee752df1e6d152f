#!/usr/bin/env bash
# The boot test: the .deb on a minimal Debian 12, booted with systemd as PID 1.
#
#   tests/boot/run.sh [PATH/TO/homecall.deb]     (default: scripts/build-deb.sh)
#
# 1. A Debian 12 root filesystem (mmdebstrap: systemd, dbus and the .deb's
#    dependencies), cached under target/boot/ keyed by that package list, so
#    only the first run downloads anything.
# 2. A throw-away copy of it (overlayfs) with the .deb installed by dpkg, as
#    an image build would: the postinst must create the user and enable the
#    service.
# 3. A network namespace of our own with only lo up; the box boots in it with
#    systemd-nspawn -b, and is probed on 127.0.0.1:8080 from that namespace
#    only. Prints boot_to_waiting_ms (nspawn start to /api/status "waiting").
#    Then, when Chromium and the e2e driver are installed, a real call to it
#    (tests/boot/call.mjs): media both ways, hang-up, waiting again.
# 4. The box must still be the same process 1.5 x WatchdogSec after boot (its
#    keep-alives arrive, during the call too); then SIGSTOP on it: systemd's
#    watchdog must kill it and start it again. Prints watchdog_restart_ms
#    (SIGSTOP to "waiting" again).
# 5. dpkg -i again inside the running container: the postinst must restart
#    the service (the upgrade path), back to "waiting".
# 6. Power off and boot again: prints reboot_to_waiting_ms, the everyday boot
#    (GStreamer's plugin registry is built on the first boot, then cached).
# Everything is torn down on exit, success or not; on failure the container's
# journal is printed, and every run leaves it as text in
# target/boot/last-journal.txt. Run as root (CI is).
#
# Environment: BOOT_TIMEOUT (s, default 60), WATCHDOG_TIMEOUT (s, default 45),
# BOOT_CALL (auto|1|0, see step 3b), KEEP_BOOT_CACHE=0 to rebuild the root
# filesystem.
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$repo"

boot_timeout=${BOOT_TIMEOUT:-60}
watchdog_timeout=${WATCHDOG_TIMEOUT:-45}
port=8443
status_url="https://127.0.0.1:$port/api/status"
cache="$repo/target/boot"
netns="homecall-boot-$$"
run_dir="$cache/run-$$"
root="$run_dir/root"
# The box makes its self-signed certificate at first start; trust exactly it
# (curl fails, and the box counts as not answering, until it exists).
box_cert="$root/var/lib/homecall/tls/cert.pem"

mkdir -p "$cache"

say() { printf '[boot %s] %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

[[ $(id -u) -eq 0 ]] || { echo "tests/boot/run.sh: run as root (nspawn, netns, mounts)" >&2; exit 1; }

# ---- host tools ---------------------------------------------------------------
need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v curl >/dev/null || need+=(curl)
command -v ip >/dev/null || need+=(iproute2)
command -v journalctl >/dev/null || need+=(systemd)
if ((${#need[@]})); then
  say "installing ${need[*]}"
  apt_tmp=$(mktemp -d /var/tmp/homecall-apt.XXXXXX)
  TMPDIR=$apt_tmp DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  TMPDIR=$apt_tmp DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2
  rm -rf "$apt_tmp"
fi

# ---- the package ----------------------------------------------------------------
deb="${1:-}"
if [[ -z "$deb" ]]; then
  say "building the .deb (scripts/build-deb.sh)"
  deb=$(scripts/build-deb.sh 2>"$cache/build-deb.log" | tail -n 1) \
    || { tail -n 60 "$cache/build-deb.log" >&2; exit 1; }
fi
deb=$(readlink -f "$deb")
[[ -f "$deb" ]] || { echo "tests/boot/run.sh: no such .deb: $deb" >&2; exit 1; }
say "package: $deb"

# ---- teardown, on every exit ------------------------------------------------------
nspawn_pid=""
init_pid=""
mounted=""
failed=1
print_journal() {
  local dir
  for dir in "$root"/var/log/journal/*/; do
    [[ -d "$dir" ]] || continue
    echo "---- the container's journal (journalctl --directory=$dir) ----" >&2
    journalctl --directory="$dir" --no-pager -o short-monotonic 2>&1 | tail -n 150 >&2 || true
  done
  if [[ -s "$run_dir/nspawn.log" ]]; then
    echo "---- systemd-nspawn's output ----" >&2
    tail -n 40 "$run_dir/nspawn.log" >&2
  fi
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((failed)); then print_journal; fi
  # The whole journal, as text, for whoever wants to read the run afterwards.
  local dir
  for dir in "$root"/var/log/journal/*/; do
    [[ -d "$dir" ]] && journalctl --directory="$dir" --no-pager -o short-monotonic >"$cache/last-journal.txt" 2>&1
  done
  if [[ -n "$nspawn_pid" ]]; then power_off; fi
  ip netns del "$netns" 2>/dev/null || true
  if [[ -n "$mounted" ]]; then umount "$root" 2>/dev/null || umount -l "$root" 2>/dev/null || true; fi
  rm -rf "$run_dir"
  if ((failed)); then echo "BOOT TEST FAILED" >&2; [[ $rc -ne 0 ]] || rc=1; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "BOOT TEST FAILURE: $*" >&2; exit 1; }

# ---- 1. the cached root filesystem ---------------------------------------------------
# Depends of the .deb, without versions; plus what booting and the probe need.
mapfile -t deps < <(dpkg-deb --field "$deb" Depends Recommends | sed 's/^[A-Za-z]*: //' \
  | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g' | grep -v '^$' | sort -u)
packages=(systemd dbus "${deps[@]}")
key=$(printf '%s\n' "v2 bookworm minbase nodoc" "${packages[@]}" | sha256sum | cut -c1-12)
base="$cache/base-$key"
# One run at a time makes or replaces the cached root filesystem.
exec {cache_lock}>"$cache/base.lock"
flock "$cache_lock"
if [[ "${KEEP_BOOT_CACHE:-1}" == 0 ]]; then rm -rf "$base"; fi
if [[ ! -d "$base" ]]; then
  rm -rf "$cache"/base-* "$cache/base.tmp"
  say "making the Debian 12 root filesystem (mmdebstrap; cached as $base)"
  mirror=()
  # The mirror this machine's apt uses, else mmdebstrap's default.
  [[ -f /etc/apt/sources.list.d/debian.sources ]] && mirror=(/etc/apt/sources.list.d/debian.sources)
  t0=$(now_ms)
  # Releases from a snapshot mirror may carry an expired Valid-Until.
  # No manuals, documentation or translations: faster to unpack, and unused.
  mmdebstrap --variant=minbase --mode=root --format=directory \
    --aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Check-Date "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --include="$(IFS=,; echo "${packages[*]}")" \
    --customize-hook='systemd-machine-id-setup --root="$1"' \
    --customize-hook='mkdir -p "$1/var/log/journal"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*_Packages' \
    bookworm "$cache/base.tmp" "${mirror[@]}" >"$cache/mmdebstrap.log" 2>&1 \
    || { tail -n 40 "$cache/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $cache/mmdebstrap.log)"; }
  mv "$cache/base.tmp" "$base"
  say "root filesystem made in $(( $(now_ms) - t0 )) ms ($(du -sh "$base" | cut -f1))"
else
  say "root filesystem: cached $base"
fi
flock --unlock "$cache_lock"

# ---- 2. a throw-away copy with the .deb installed -----------------------------------
mkdir -p "$run_dir/upper" "$run_dir/work" "$root"
if mount -t overlay overlay -o "lowerdir=$base,upperdir=$run_dir/upper,workdir=$run_dir/work" "$root" 2>/dev/null; then
  mounted=1
else
  say "no overlayfs here: copying the root filesystem"
  cp -a "$base/." "$root/"
fi
# /var/tmp: nspawn mounts a fresh tmpfs on /tmp, and step 5 needs the file.
cp "$deb" "$root/var/tmp/homecall.deb"
chroot "$root" dpkg -i /var/tmp/homecall.deb >"$run_dir/dpkg.log" 2>&1 \
  || { cat "$run_dir/dpkg.log" >&2; die "dpkg -i of the .deb failed in the root filesystem"; }
grep -q '^homecall:' "$root/etc/passwd" || die "the postinst did not create the homecall user"
for group in video audio render; do
  grep -q "^$group:.*homecall" "$root/etc/group" || die "homecall is not in the $group group"
done
[[ -L "$root/etc/systemd/system/multi-user.target.wants/homecall.service" ]] \
  || die "the postinst did not enable homecall.service"
# Owners as numbers: the host's user database is not the container's.
homecall_gid=$(awk -F: '$1 == "homecall" {print $3}' "$root/etc/group")
config_owner=$(stat -c %u:%g:%a "$root/etc/homecall/homecall.toml")
[[ "$config_owner" == "0:$homecall_gid:640" ]] \
  || die "/etc/homecall/homecall.toml is $config_owner (uid:gid:mode), want 0:$homecall_gid:640 (root:homecall)"
say "installed: user homecall, service enabled, config root:homecall 640"

# ---- 3. boot in a namespace of our own, until the box waits for calls -----------------
ip netns add "$netns"
ip -n "$netns" link set lo up
in_ns() { ip netns exec "$netns" "$@"; }
box_state() { in_ns curl -fsS --max-time 1 --cacert "$box_cert" "$status_url" 2>/dev/null | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p'; }
wait_waiting() { # $1: deadline in ms; prints nothing, returns 0 when waiting
  while (( $(now_ms) < $1 )); do
    [[ "$(box_state)" == waiting ]] && return 0
    [[ -z "$nspawn_pid" ]] || kill -0 "$nspawn_pid" 2>/dev/null || die "systemd-nspawn exited (the container stopped)"
    sleep 0.02
  done
  return 1
}

boot_container() { # starts the container; sets nspawn_pid and t_boot
  init_pid=""
  t_boot=$(now_ms)
  systemd-nspawn -b -D "$root" --register=no --keep-unit \
    --network-namespace-path="/run/netns/$netns" --console=passive --link-journal=no \
    -M box >>"$run_dir/nspawn.log" 2>&1 &
  nspawn_pid=$!
}
power_off() { # SIGTERM asks nspawn for an orderly shutdown (systemd's poweroff)
  local pid=$nspawn_pid
  nspawn_pid=""
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "container did not power off in 15 s: killing it"
    # Killing the container's PID 1 ends every process in its namespace.
    [[ -z "$init_pid" ]] || kill -KILL "$init_pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
ready_ms() { # the box's own start-up time (its "listening" entry), newest last
  journalctl --directory="$(ls -d "$root"/var/log/journal/*/ | head -n 1)" --no-pager -o json \
    SYSLOG_IDENTIFIER=homecall 2>/dev/null | sed -n 's/.*"\(F_\)\{0,1\}READY_MS":"\([0-9]*\)".*/\2/p' | tail -n 1
}

say "first boot: systemd-nspawn -b in network namespace $netns"
boot_container
wait_waiting $(( t_boot + boot_timeout * 1000 )) \
  || die "the box did not answer \"waiting\" on $status_url within ${boot_timeout} s of boot"
t_up=$(now_ms)
echo "boot_to_waiting_ms=$(( t_up - t_boot ))"
say "first boot (GStreamer builds its plugin registry): the box itself took $(ready_ms) ms from exec to listening"
say "status: $(in_ns curl -fsS --max-time 1 --cacert "$box_cert" "$status_url")"

# The box's main process, seen from the host: named homecall, in our
# container's PID namespace (not any other homecall running on this machine).
container_init() { # the container's PID 1, as a host pid
  local p
  for p in $(pgrep -P "$nspawn_pid" || true); do
    [[ "$(awk '/^NSpid/ {print $NF}' "/proc/$p/status" 2>/dev/null)" == 1 ]] \
      && [[ "$(readlink "/proc/$p/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]] \
      && { echo "$p"; return 0; }
  done
  return 1
}
init_pid=$(container_init) || die "cannot find the container's PID 1"
box_pid() { pgrep --ns "$init_pid" --nslist pid -x homecall | head -n 1 | grep .; }
pid=$(box_pid) || die "no homecall process in the container"

# ---- 3b. a real call through the hardened unit -----------------------------------------
# Headless Chromium in the same namespace calls the box, with the end-to-end
# tests' helpers: media both ways, hang-up, back to waiting. Needs
# /usr/bin/chromium and tests/e2e/node_modules (scripts/test.sh installs
# both). BOOT_CALL=auto (default) skips it, saying so, when they are
# missing; BOOT_CALL=1 requires it; BOOT_CALL=0 skips it.
call_mode=${BOOT_CALL:-auto}
can_call() {
  [[ -x /usr/bin/chromium && -d "$repo/tests/e2e/node_modules/playwright-core" ]] && command -v node >/dev/null
}
if [[ "$call_mode" != 0 ]] && can_call; then
  # A link made the documented way: as the service's user, on the box.
  link=$(nsenter --target "$init_pid" --all runuser -u homecall -- \
    homecall link create --config /etc/homecall/homecall.toml --label boot | tail -n 1) \
    || die "homecall link create failed in the container"
  link="https://127.0.0.1:$port$(sed 's#^https*://[^/]*##' <<<"$link")"
  say "calling the box from headless Chromium (tests/boot/call.mjs)"
  # The factory config sends the default 1280x720.
  in_ns env NODE_EXTRA_CA_CERTS="$box_cert" node "$repo/tests/boot/call.mjs" "$link" 1280 720 >&2 \
    || die "a call through the booted box failed (see above)"
  say "call: media both ways, hung up, waiting again"
elif [[ "$call_mode" == 1 ]]; then
  die "BOOT_CALL=1 but /usr/bin/chromium, node or tests/e2e/node_modules is missing (scripts/test.sh installs them)"
else
  say "SKIPPED the call through the booted box: no /usr/bin/chromium, node or tests/e2e/node_modules"
fi

# ---- 4. freeze the box: the watchdog must restart it ------------------------------------
# A healthy box keeps the watchdog fed: the process found at boot still
# answers one and a half WatchdogSec after it.
watchdog_s=$(sed -n 's/^WatchdogSec=\([0-9]*\)s*$/\1/p' "$root/usr/lib/systemd/system/homecall.service")
[[ -n "$watchdog_s" ]] || die "no WatchdogSec=<seconds> in the installed unit"
healthy_until=$(( t_up + watchdog_s * 1500 ))
if (( $(now_ms) < healthy_until )); then
  say "healthy box: waiting until 1.5 x WatchdogSec after boot for no restart"
  sleep "$(awk -v ms=$(( healthy_until - $(now_ms) )) 'BEGIN { printf "%.3f", ms / 1000 }')"
fi
[[ "$(box_state)" == waiting && "$(box_pid)" == "$pid" ]] \
  || die "the box was restarted (or stopped answering) without being frozen: are WATCHDOG=1 keep-alives sent?"
say "SIGSTOP to the box (host pid $pid)"
t_stop=$(now_ms)
kill -STOP "$pid"
# It must stop answering (frozen), then answer again from a new process.
sleep 0.5
[[ "$(box_state)" != waiting ]] || die "the box still answered after SIGSTOP"
wait_waiting $(( t_stop + watchdog_timeout * 1000 )) \
  || die "the box was not restarted into \"waiting\" within ${watchdog_timeout} s of SIGSTOP"
t_back=$(now_ms)
new_pid=$(box_pid) || die "no homecall process after the restart"
[[ "$new_pid" != "$pid" ]] || die "the box answers again but from the same process ($pid)"
echo "watchdog_restart_ms=$(( t_back - t_stop ))"
# It must have been the watchdog, not anything else.
journal_dir=$(ls -d "$root"/var/log/journal/*/ 2>/dev/null | head -n 1)
[[ -n "$journal_dir" ]] || die "no persistent journal in the container"
grep_journal() { journalctl --directory="$journal_dir" --no-pager -u homecall.service 2>/dev/null | grep -q "$1"; }
seen=""
for _ in $(seq 50); do grep_journal "Watchdog timeout" && seen=1 && break; sleep 0.1; done
[[ -n "$seen" ]] || die "the journal has no \"Watchdog timeout\" for homecall.service"
say "journal: homecall.service: Watchdog timeout, restarted (pid $pid -> $new_pid)"

# ---- 4b. a crash: SIGKILL, and systemd has the box waiting again at once -----------------
say "SIGKILL to the box (host pid $new_pid)"
t_kill=$(now_ms)
kill -KILL "$new_pid"
wait_waiting $(( t_kill + 10000 )) || die "the box was not \"waiting\" again within 10 s of SIGKILL"
killed_pid=$new_pid
new_pid=$(box_pid) || die "no homecall process after the crash"
[[ "$new_pid" != "$killed_pid" ]] || die "the box answers again but from the killed process ($killed_pid)"
echo "kill_to_waiting_ms=$(( $(now_ms) - t_kill ))"

# ---- 5. the upgrade path: dpkg -i in the running system restarts the service -------------
say "reinstalling the .deb inside the running container (nsenter into PID 1 $init_pid)"
t_re=$(now_ms)
nsenter --target "$init_pid" --all dpkg -i /var/tmp/homecall.deb >"$run_dir/dpkg-live.log" 2>&1 \
  || { cat "$run_dir/dpkg-live.log" >&2; die "dpkg -i in the running container failed"; }
wait_waiting $(( t_re + boot_timeout * 1000 )) || die "not \"waiting\" after reinstalling"
re_pid=$(box_pid) || die "no homecall process after reinstalling"
[[ "$re_pid" != "$new_pid" ]] || die "reinstalling did not restart the service (pid $re_pid)"
say "reinstalled: restarted by the postinst (pid $new_pid -> $re_pid), waiting"

# ---- 6. reboot: the everyday boot, with GStreamer's registry cached ---------------------
say "powering off and booting again"
power_off
boot_container
wait_waiting $(( t_boot + boot_timeout * 1000 )) \
  || die "the box did not answer \"waiting\" within ${boot_timeout} s of the second boot"
t_up=$(now_ms)
echo "reboot_to_waiting_ms=$(( t_up - t_boot ))"
init_pid=$(container_init) || die "cannot find the container's PID 1 after the reboot"
say "second boot: the box itself took $(ready_ms) ms from exec to listening"

failed=0
say "boot test passed"
echo "boot: 1 passed, 0 failed"
