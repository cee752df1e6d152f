#!/usr/bin/env bash
# Fuzzes what a caller or a browser on the home network can make the box
# parse (tests/fuzz.rs, with proptest: cargo-fuzz needs a nightly compiler):
# signalling messages; the SDP answer and ICE candidates in the device state
# machine, and GStreamer's SDP parser; the admin's Host, Origin, allow-list
# and session cookie. Each target checks properties against a model, not
# only that nothing panics.
#
# Runs FUZZ_INPUTS inputs in all (default 10 000 000) in a release build,
# split evenly over the targets (8 targets: 1 250 000 each), one target per
# core at a time. Prints each target's count, then fuzz_inputs_total=<n>,
# fuzz_panics=<targets that panicked: a crash, or a property that did not
# hold> and fuzz_seconds=<wall time>; exits non-zero unless every target ran
# all its inputs. A failure prints its minimal input and its seed;
# HOMECALL_FUZZ_SEED=<seed> replays a run.
#
# Needs the build dependencies (scripts/install-deps.sh) and the Rust
# toolchain; the cargo registry only for the first build.
#   scripts/fuzz.sh          (env FUZZ_INPUTS=10000000, HOMECALL_FUZZ_SEED)
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

wanted="${FUZZ_INPUTS:-10000000}"
[[ "$wanted" =~ ^[0-9]+$ && "$wanted" -gt 0 ]] || { echo "fuzz: FUZZ_INPUTS must be a positive number" >&2; exit 2; }

cargo test --release --locked --test fuzz --no-run
targets=$(cargo test --release --locked --test fuzz -q -- --list 2>/dev/null | grep -c ': test$')
per_target=$(((wanted + targets - 1) / targets))
echo "fuzz: $targets targets, $per_target inputs each"

log=$(mktemp /tmp/homecall-fuzz.XXXXXX)
trap 'rm -f "$log"' EXIT
SECONDS=0
status=0
HOMECALL_FUZZ_CASES=$per_target \
  cargo test --release --locked --test fuzz -- --nocapture --test-threads="$(nproc)" 2>&1 \
  | tee "$log" || status=$?
seconds=$SECONDS

# "fuzz target <name>: <n> inputs (seed <s>)", printed by each target that passed.
counts=$(sed -nE 's/^fuzz target ([A-Za-z0-9_]+): ([0-9]+) inputs.*/\1 \2/p' "$log")
echo
echo "fuzz: inputs per target"
total=0
reported=0
while read -r name n; do
  [[ -n "$name" ]] || continue
  printf '  %-24s %s\n' "$name" "$n"
  total=$((total + n))
  reported=$((reported + 1))
done <<<"$counts"
panics=$((targets - reported))
echo "fuzz_inputs_total=$total"
echo "fuzz_panics=$panics"
echo "fuzz_seconds=$seconds"
if ((status != 0 || panics != 0 || total < wanted)); then
  echo "fuzz: FAILED (see the failing target's minimal input above)" >&2
  exit 1
fi
