#!/usr/bin/env bash
# Checks the systemd files the .deb ships, without booting anything:
#   1. systemd-analyze verify on systemd/homecall.service (and the relay's
#      systemd/homecall-relay.service) in a scratch root
#      that holds systemd's own units and the binary the unit starts (a stub,
#      or target/release/homecall when built). verify exits 0 on unknown keys
#      and bad values, so ANY output is a failure.
#   2. systemd-analyze security --offline=yes: fails above MAX_EXPOSURE
#      (default 2.5 on systemd's 0–10 scale) and prints the score.
#   3. systemd-sysusers --dry-run on systemd/homecall.sysusers in an empty root.
# usage: scripts/check-systemd.sh        (env MAX_EXPOSURE=2.5)
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
unit="$repo/systemd/homecall.service"
sysusers="$repo/systemd/homecall.sysusers"
max_exposure="${MAX_EXPOSURE:-2.5}"

fail() { echo "check-systemd: FAIL: $*" >&2; exit 1; }

if ! command -v systemd-analyze >/dev/null || ! command -v systemd-sysusers >/dev/null; then
  echo "check-systemd: installing systemd (for systemd-analyze, systemd-sysusers)"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  apt_tmp=$(mktemp -d /var/tmp/homecall-apt.XXXXXX)
  export TMPDIR=$apt_tmp DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends systemd
  rm -rf "$apt_tmp"
  unset TMPDIR
fi

root=$(mktemp -d /var/tmp/homecall-check-systemd.XXXXXX)
trap 'rm -rf "$root"' EXIT

# A root filesystem just complete enough for verify: systemd's units (for
# sysinit.target, network-online.target…), the unit, and /usr/bin/homecall.
mkdir -p "$root/usr/bin" "$root/usr/lib/systemd" "$root/etc/systemd/system"
ln -s usr/lib "$root/lib"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "$unit" "$root/usr/lib/systemd/system/homecall.service"
cp "$repo/systemd/homecall-relay.service" "$root/usr/lib/systemd/system/homecall-relay.service"
if [[ -x "$repo/target/release/homecall" ]]; then
  cp "$repo/target/release/homecall" "$root/usr/bin/homecall"
else
  printf '#!/bin/sh\nexit 0\n' > "$root/usr/bin/homecall"
  chmod 755 "$root/usr/bin/homecall"
fi

for name in homecall.service homecall-relay.service; do
  echo "==> systemd-analyze verify $name ($(systemd-analyze --version | head -n1))"
  out=$(systemd-analyze verify --man=no --root="$root" "$name" 2>&1) \
    || fail "systemd-analyze verify $name exited non-zero:"$'\n'"$out"
  [[ -z "$out" ]] || fail "systemd-analyze verify $name printed (any output counts as a failure):"$'\n'"$out"
  echo "verify: clean"

  echo "==> systemd-analyze security --offline=yes $name"
  report=$(systemd-analyze security --offline=yes --root="$root" "$name" 2>&1) || true
  score=$(sed -n "s/.*Overall exposure level for $name: \([0-9.]*\).*/\1/p" <<<"$report")
  [[ -n "$score" ]] || fail "no exposure score in systemd-analyze security's output:"$'\n'"$report"
  grep '✗' <<<"$report" | sed 's/  */ /g' || true
  echo "exposure_score=$score (max $max_exposure) for $name"
  awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }' \
    || fail "exposure score $score of $name is above $max_exposure"
done

echo "==> systemd-sysusers --dry-run homecall.sysusers"
users_root="$root/sysusers-root"
mkdir -p "$users_root/etc"
: >"$users_root/etc/passwd"
: >"$users_root/etc/group"
out=$(systemd-sysusers --root="$users_root" --dry-run "$sysusers" 2>&1) \
  || fail "systemd-sysusers refused homecall.sysusers:"$'\n'"$out"
if grep -Eiv "^(Creating (group|user) '|Would write |Adding user |Would add )" <<<"$out" | grep -q .; then
  fail "systemd-sysusers printed something unexpected:"$'\n'"$out"
fi
for name in homecall video audio render; do
  grep -q "'$name'" <<<"$out" || fail "homecall.sysusers does not create '$name':"$'\n'"$out"
done
echo "sysusers: creates homecall, video, audio, render"

echo "check-systemd: OK (exposure $score)"
