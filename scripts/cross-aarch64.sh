#!/usr/bin/env bash
# Cross-builds HomeCall for aarch64-unknown-linux-gnu on a Debian 12 (amd64)
# machine without Docker, and runs its unit and integration tests under qemu
# user-mode emulation.
#
#   scripts/cross-aarch64.sh                  install, sysroot, build, test
#   scripts/cross-aarch64.sh --build-only     stop after the build
#   scripts/cross-aarch64.sh -- FILTER…       arguments passed to the test binaries
#
# Steps:
#   1. host packages: the cross linker, qemu-user-static, mmdebstrap, libclang;
#   2. the Rust target (skipped, so offline-safe, when already installed);
#   3. an arm64 Debian 12 sysroot made with `mmdebstrap --variant=extract`,
#      cached in target/sysroot/ and reused while its package list is unchanged
#      (the arm64 GStreamer -dev packages conflict with the amd64 ones, so they
#      never go into the host);
#   4. `cargo test --no-run` for the target, in its own target directory
#      (target/cross) so native builds are neither slowed nor locked;
#   5. the tests, inside a user + mount + network namespace that has only `lo`
#      and its own binfmt_misc instance sending aarch64 ELF files to qemu, so the
#      integration tests can exec the aarch64 `homecall` binary (see below).
#
# Everything is set through environment variables here; no .cargo/config.toml
# is written, so native builds are unaffected.
#
# Why a private binfmt_misc: cargo runs each test binary through the runner
# (`qemu-aarch64-static -L SYSROOT`), but the integration tests start the box
# with `Command::new(env!("CARGO_BIN_EXE_homecall"))`, an execve the kernel
# refuses with ENOEXEC ("Exec format error") unless binfmt_misc knows aarch64.
# Since Linux 6.7 each user namespace can mount its own binfmt_misc instance,
# so the registration (taken from qemu-user-static's own
# /usr/lib/binfmt.d/qemu-aarch64.conf) lives and dies with the test run and
# the machine's global binfmt table is never touched. On an older kernel the
# script uses a global registration if one is already there, and otherwise
# says how to make one. QEMU_LD_PREFIX points the emulated children at the
# sysroot the way `-L` does for the runner.
#
# Prints sysroot_s=, build_s=, test_s= and the summed test counts.
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

target=aarch64-unknown-linux-gnu
target_env=${target//-/_}                            # aarch64_unknown_linux_gnu
target_upper=$(tr '[:lower:]' '[:upper:]' <<<"$target_env")
sysroot="${HOMECALL_ARM64_SYSROOT:-$repo/target/sysroot/arm64-bookworm}"
cross_dir="${HOMECALL_CROSS_TARGET_DIR:-$repo/target/cross}"
build_only=0
test_args=()
while (($#)); do
  case "$1" in
    --build-only) build_only=1 ;;
    --) shift; test_args=("$@"); break ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# cargo splits the runner on whitespace: the sysroot path cannot hold any.
if [[ "$sysroot" =~ [[:space:]] ]]; then
  echo "the sysroot path must not contain spaces: $sysroot" >&2
  exit 2
fi

step() { printf '\n==> %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Packages for the target sysroot: what pkg-config, the linker and bindgen
# need, plus the GStreamer plugins the tests load at run time.
SYSROOT_PKGS=(
  libc6-dev libgcc-12-dev linux-libc-dev libasound2-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-nice
)
HOST_PKGS=(
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static mmdebstrap
  libclang-dev pkg-config iproute2 util-linux
)

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)

step "host packages"
missing=()
for p in "${HOST_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  # apt may lose its archives if /tmp is cleaned underneath it: own TMPDIR.
  apt_tmp=$(mktemp -d /var/tmp/homecall-apt.XXXXXX)
  TMPDIR=$apt_tmp DEBIAN_FRONTEND=noninteractive \
    "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  TMPDIR=$apt_tmp DEBIAN_FRONTEND=noninteractive \
    "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}"
  rm -rf "$apt_tmp"
else
  echo "all present"
fi

step "rust target $target"
if rustup target list --installed | grep -qx "$target"; then
  echo "already installed"
else
  rustup target add "$target"
fi

step "arm64 sysroot ($sysroot)"
stamp="$sysroot/.homecall-sysroot"
want_stamp="bookworm arm64 extract: ${SYSROOT_PKGS[*]}"
t0=$(now)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want_stamp" ]]; then
  echo "reusing the cached sysroot"
  sysroot_state=reused
else
  rm -rf "$sysroot" "$sysroot.partial"
  mkdir -p "$(dirname "$sysroot")"
  # The machine's own Debian sources when it has them (same mirror as apt);
  # otherwise mmdebstrap's default mirror.
  sources=()
  [[ -f /etc/apt/sources.list.d/debian.sources ]] && sources=(/etc/apt/sources.list.d/debian.sources)
  mm_tmp=$(mktemp -d /var/tmp/homecall-mmdebstrap.XXXXXX)
  include=$(IFS=,; echo "${SYSROOT_PKGS[*]}")
  TMPDIR=$mm_tmp "${sudo_cmd[@]}" mmdebstrap --quiet --variant=extract --architectures=arm64 \
    --include="$include" bookworm "$sysroot.partial" "${sources[@]}" </dev/null
  rm -rf "$mm_tmp"
  printf '%s\n' "$want_stamp" >"$sysroot.partial/.homecall-sysroot"
  mv "$sysroot.partial" "$sysroot"
  sysroot_state=built
fi
sysroot_s=$(since "$t0")
echo "sysroot_s=$sysroot_s ($sysroot_state, $(du -sh "$sysroot" | cut -f1))"

# The cross environment (see TESTING.md, "aarch64 / armv7 cross build").
export CARGO_TARGET_DIR="$cross_dir"
export "CARGO_TARGET_${target_upper}_LINKER=aarch64-linux-gnu-gcc"
export "CARGO_TARGET_${target_upper}_RUNNER=qemu-aarch64-static -L $sysroot"
# RUSTFLAGS would override the per-target flags: fold it in (with --target it
# only ever applied to target code anyway).
export "CARGO_TARGET_${target_upper}_RUSTFLAGS=${RUSTFLAGS:-} -C link-arg=--sysroot=$sysroot"
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
export RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -C link-arg=--sysroot=$sysroot"   # doctests link too
export "CC_${target_env}=aarch64-linux-gnu-gcc"
export "CFLAGS_${target_env}=--sysroot=$sysroot"
export PKG_CONFIG_ALLOW_CROSS=1
export "PKG_CONFIG_SYSROOT_DIR_${target_env}=$sysroot"
export "PKG_CONFIG_LIBDIR_${target_env}=$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig"
export "PKG_CONFIG_PATH_${target_env}="
export "BINDGEN_EXTRA_CLANG_ARGS_${target_env}=--sysroot=$sysroot -I$sysroot/usr/include/aarch64-linux-gnu"
# Run time, under qemu: children found through binfmt get the sysroot too;
# GStreamer must not fork its plugin scanner (it would exec the host's), and
# keeps an arm64 registry of its own.
export QEMU_LD_PREFIX="$sysroot"
export GST_REGISTRY_FORK=no
# The fuzz targets prove the parsers native (the test command runs 20,000
# inputs a target); under emulation a smaller run shows they work there too.
export HOMECALL_FUZZ_CASES="${HOMECALL_FUZZ_CASES:-1000}"
export GST_REGISTRY="$cross_dir/gstreamer-registry.$target.bin"
export GST_PLUGIN_SYSTEM_PATH="$sysroot/usr/lib/aarch64-linux-gnu/gstreamer-1.0"

step "build (cargo test --no-run --target $target)"
t0=$(now)
cargo test --target "$target" --locked --no-run
build_s=$(since "$t0")
echo "build_s=$build_s"
file -b "$cross_dir/$target/debug/homecall" 2>/dev/null | cut -d, -f1-2 || true
if ((build_only)); then
  echo "sysroot_s=$sysroot_s build_s=$build_s"
  exit 0
fi

step "tests under qemu-aarch64 (namespace with only lo)"
binfmt_conf=/usr/lib/binfmt.d/qemu-aarch64.conf
# Inside the namespace: lo up, a private binfmt_misc (mounted over
# /proc/sys/fs/binfmt_misc in this mount namespace only) with qemu's aarch64
# entry, then the tests (offline: this namespace has no route anywhere).
# All but one: tests/echo.rs plays a room in real time through the echo
# canceller, which emulation cannot keep up with (its output comes back
# silent); it runs natively in the test command.
# shellcheck disable=SC2016 # expanded by the inner shell, not this one
inner='
set -euo pipefail
ip link set lo up
if [ "${HOMECALL_BINFMT:-}" = private ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  cat "$BINFMT_CONF" >/proc/sys/fs/binfmt_misc/register
fi
exec cargo test --target "$TARGET" --locked --offline -- --skip the_canceller_removes_what_the_speaker_played "$@"
'
ns_private=(unshare --user --map-root-user --mount --net)
if unshare --user --map-root-user --mount -- \
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null; then
  ns=("${ns_private[@]}"); export HOMECALL_BINFMT=private
  echo "binfmt: private binfmt_misc instance in a user namespace"
elif [[ "$(head -n1 /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null)" == enabled ]]; then
  if [[ $(id -u) -eq 0 ]]; then ns=(unshare --net); else ns=(unshare --user --map-root-user --net); fi
  export HOMECALL_BINFMT=global
  echo "binfmt: the machine's global qemu-aarch64 entry"
else
  cat >&2 <<EOF
This kernel cannot give a user namespace its own binfmt_misc (Linux < 6.7) and
no global qemu-aarch64 entry is registered, so the integration tests could not
start the aarch64 homecall binary. Register one (as root) and run again:
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  cat $binfmt_conf > /proc/sys/fs/binfmt_misc/register
EOF
  exit 1
fi
export BINFMT_CONF="$binfmt_conf" TARGET="$target"
log="$cross_dir/test-$target.log"
t0=$(now)
set +e
"${ns[@]}" bash -c "$inner" cross-tests "${test_args[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
test_s=$(since "$t0")

step "summary"
awk '/^test result:/ {
       for (i = 1; i <= NF; i++) {
         if ($(i+1) ~ /^passed/) p += $i
         if ($(i+1) ~ /^failed/) f += $i
         if ($(i+1) ~ /^ignored/) g += $i
       }
       n++
     }
     END { printf "test binaries: %d, ignored: %d\naarch64: %d passed, %d failed\n", n, g, p, f }' "$log"
echo "sysroot_s=$sysroot_s ($sysroot_state)"
echo "build_s=$build_s"
echo "test_s=$test_s"
exit "$rc"
