#!/usr/bin/env bash
# Runs a HomeCall box on this Debian 12 machine, installing what it needs.
# With no camera or microphone it sends a test pattern and tone; with no
# display it runs headless. Prints a link to call it with, then runs until
# Ctrl-C.   usage: scripts/run-box.sh [CONFIG]   (default config/dev.toml)
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
config="${1:-config/dev.toml}"

scripts/install-deps.sh
cargo build --release --locked
echo
echo "Call the box by opening this link in a browser on this machine:"
target/release/homecall link create --config "$config" --label "Family" | tail -n 1
echo
# As the appliance runs it (systemd/homecall.service says why).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec target/release/homecall run --config "$config"
