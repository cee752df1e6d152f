#!/usr/bin/env bash
# Lints the Yocto layer yocto/meta-homecall with oelint-adv (from PyPI, in a
# venv under target/) against the release the layer targets; exits non-zero
# on any finding, of any severity. Also checks that homecall-crates.inc still
# matches Cargo.lock. Needs python3 with venv, and PyPI the first time only.
#   scripts/lint-yocto.sh
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

layer=yocto/meta-homecall
# The series named in $layer/conf/layer.conf (LAYERSERIES_COMPAT_homecall).
release=wrynose
oelint_version=9.11.2
venv="$repo/target/oelint-venv"

if ! "$venv/bin/oelint-adv" --version 2>/dev/null | grep -qx "oelint-adv $oelint_version"; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 needs python3-venv for ensurepip.
    apt_tmp=$(mktemp -d /var/tmp/homecall-apt.XXXXXX)
    sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    TMPDIR=$apt_tmp DEBIAN_FRONTEND=noninteractive \
      "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq python3-venv
    rm -rf "$apt_tmp"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet "oelint-adv==$oelint_version"
fi

grep -q "^LAYERSERIES_COMPAT_homecall = \"$release\"" "$layer/conf/layer.conf" || {
  echo "lint-yocto.sh checks --release $release but $layer/conf/layer.conf says otherwise" >&2
  exit 1
}

mapfile -t files < <(find "$layer" -type f \( -name '*.bb' -o -name '*.bbappend' -o -name '*.inc' \) | sort)
echo "oelint-adv $oelint_version --release $release: ${#files[@]} files"

# Suppressed, each because it needs the network (nothing else is):
#   oelint.vars.homepageping  fetches HOMEPAGE to see that it answers.
suppress=(--suppress oelint.vars.homepageping)

out=$("$venv/bin/oelint-adv" --release "$release" --quiet --relpaths --mode all \
  "${suppress[@]}" "${files[@]}" 2>&1) || true
if [[ -n "$out" ]]; then
  printf '%s\n' "$out"
  echo "oelint-adv: $(printf '%s\n' "$out" | grep -c ':') finding(s)" >&2
  exit 1
fi
echo "oelint-adv: no findings"

scripts/gen-yocto-crates.sh --check
