#!/usr/bin/env bash
# The kill -9 audit and the soak (tests/reliability/, docs/reliability.md)
# against the release chatd, on loopback only. Each stops by itself; nothing is
# left running, however the script ends.
#   scripts/reliability.sh --short     what CI runs: 3 kill rounds and a 45 s soak (about a minute)
#   scripts/reliability.sh [--rounds N] [--soak-seconds N] [--clients N] [--seed N]
#                                      the long form (default 20 rounds, a 600 s soak)
# Needs Node 20 (scripts/setup.sh --test) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
rounds=20 soak_seconds=600 audit_args=() soak_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --short) rounds=3 soak_seconds=45 ;;
    --rounds) rounds="$2"; shift ;;
    --soak-seconds) soak_seconds="$2"; shift ;;
    --clients) audit_args+=(--clients "$2"); soak_args+=(--clients "$2"); shift ;;
    --seed) audit_args+=(--seed "$2"); soak_args+=(--seed "$2"); shift ;;
    *) usage ;;
  esac
  shift
done
[ -x build/server/chatd ] || scripts/build.sh release --target chatd

# Each tool runs in a process group of its own, with the chatd it starts:
# killing the group on exit ends both, even if the tool itself was killed.
groups=()
cleanup() {
  for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run() {
  setsid node --experimental-websocket "$@" &
  groups+=("$!")
  wait "$!"
}

failed=0
echo "== kill -9 audit ($rounds rounds)"
run tests/reliability/kill_audit.mjs --rounds "$rounds" "${audit_args[@]}" || failed=1
echo "== soak ($soak_seconds s)"
run tests/reliability/soak.mjs --seconds "$soak_seconds" "${soak_args[@]}" || failed=1
[ "$failed" -eq 0 ] && echo "reliability checks passed"
exit "$failed"
