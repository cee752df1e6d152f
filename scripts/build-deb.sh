#!/usr/bin/env bash
# Builds the HomeCall Debian package with cargo-deb, installing what it needs
# (the build dependencies, and cargo-deb itself from crates.io).
#
#   scripts/build-deb.sh [CARGO-DEB OPTIONS…]     e.g. --target aarch64-unknown-linux-gnu
#
# The package ([package.metadata.deb] in Cargo.toml) holds:
#   /usr/bin/homecall                       the release binary, stripped
#   /usr/lib/systemd/system/homecall.service  systemd/homecall.service
#   /usr/lib/sysusers.d/homecall.conf       systemd/homecall.sysusers
#   /etc/homecall/homecall.toml             config/homecall.toml (a conffile)
#   /usr/share/doc/homecall/appliance.md    docs/appliance.md
# and its postinst creates the homecall user, then enables and starts the
# service. Debug symbols go to a separate homecall-dbgsym .ddeb beside it.
# The path of the .deb is the last line printed.
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

CARGO_DEB_VERSION=3.8.0

step() { printf '\n==> %s\n' "$*" >&2; }

step "build dependencies"
scripts/install-deps.sh >&2
# dpkg-shlibdeps (for $auto in Depends) and objcopy/strip.
for tool in dpkg-shlibdeps objcopy; do
  command -v "$tool" >/dev/null || {
    apt_tmp=$(mktemp -d /var/tmp/homecall-apt.XXXXXX)
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    TMPDIR=$apt_tmp DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" \
      apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends dpkg-dev binutils >&2
    rm -rf "$apt_tmp"
    break
  }
done

if ! cargo deb --version >/dev/null 2>&1; then
  step "cargo-deb $CARGO_DEB_VERSION (cargo install, from crates.io)"
  cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION" >&2
fi

step "cargo deb ($(cargo deb --version))"
out_dir="$repo/target/debian"
mkdir -p "$out_dir"
deb=$(cargo deb --locked --dbgsym --output "$out_dir" "$@" | tail -n 1)
[[ -f "$deb" ]] || { echo "build-deb: cargo deb did not report a .deb (got: $deb)" >&2; exit 1; }

step "package contents"
dpkg-deb --field "$deb" Package Version Architecture Depends >&2
dpkg-deb --contents "$deb" | awk '{print $1, $3, $6}' >&2
echo "$deb"
