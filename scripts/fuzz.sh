#!/usr/bin/env bash
# Builds the libFuzzer harnesses (scripts/build.sh fuzz -> build-fuzz/) and
# runs each for N seconds (default 60) over a copy of its seed corpus in
# tests/fuzz/corpus/<harness>/. Fails on the first crash, leak, sanitizer
# report or timeout; the input that caused it is kept in the work folder
# and the log names it.
#   scripts/fuzz.sh [seconds] [harness...]
#   FUZZ_WORK=dir  where corpora, crash inputs and logs go (default build-fuzz/work)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(decoder ws_frames http jwt)
work="${FUZZ_WORK:-build-fuzz/work}"

scripts/build.sh fuzz
mkdir -p "$work"
work="$(cd "$work" && pwd)"

for h in "${harnesses[@]}"; do
  bin="build-fuzz/tests/fuzz/${h}_fuzz"
  corpus="$work/corpus/$h"
  rm -rf "$work/crashes/$h"
  mkdir -p "$corpus" "$work/crashes/$h"
  # The seeds, without overwriting what earlier runs added (coreutils 9.2+
  # make cp -n fail when it skips a file).
  cp -n tests/fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null || true
  [ -n "$(ls -A "$corpus")" ] || { echo "fuzz: no seeds for $h" >&2; exit 1; }
  log="$work/$h.log"
  echo "== fuzz $h for ${seconds}s (log: $log)"
  # -max_len: past the decoder's retained buffer (8 KiB), the frame
  # reader's limit here (4 KiB) and the HTTP header limit (8 KiB).
  set +e
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -max_len=16384 -timeout=60 -rss_limit_mb=2048 \
    -artifact_prefix="$work/crashes/$h/" "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units)' "$log" || true
  if [ $rc -ne 0 ] || ls "$work/crashes/$h"/* >/dev/null 2>&1; then
    echo "fuzz $h FAILED (exit $rc); inputs in $work/crashes/$h/:" >&2
    ls "$work/crashes/$h" >&2 || true
    tail -50 "$log" >&2
    exit 1
  fi
done
echo "fuzzing passed: ${harnesses[*]} for ${seconds}s each"
