#!/usr/bin/env bash
# The kill -9 audit, the soak and the cluster's fault scenarios
# (tests/reliability/, docs/reliability.md) against the release chatd, on
# loopback only. Each stops by itself; nothing is left running, however the
# script ends.
#   scripts/reliability.sh --short     what CI runs: 3 kill rounds, a 45 s soak, a node kill and a PostgreSQL restart (about 2 minutes)
#   scripts/reliability.sh [--rounds N] [--soak-seconds N] [--clients N] [--seed N]
#                                      the long form (default 20 rounds, a 600 s soak)
#   scripts/reliability.sh --cluster   the cluster's scenarios alone (about 1 minute)
# Needs Node 20, and for the cluster PostgreSQL 15, Redis and HAProxy
# (scripts/setup.sh --test), and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '6,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
rounds=20 soak_seconds=600 audit_args=() soak_args=() cluster_args=() only_cluster=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cluster) only_cluster=1 ;;
    --short) rounds=3 soak_seconds=45 ;;
    --rounds) rounds="$2"; shift ;;
    --soak-seconds) soak_seconds="$2"; shift ;;
    --clients) audit_args+=(--clients "$2"); soak_args+=(--clients "$2"); shift ;;
    --seed) audit_args+=(--seed "$2"); soak_args+=(--seed "$2"); cluster_args+=(--seed "$2"); shift ;;
    *) usage ;;
  esac
  shift
done
[ -x build/server/chatd ] || scripts/build.sh release --target chatd

# Each tool runs in a process group of its own, with the chatd it starts:
# killing the group on exit ends both, even if the tool itself was killed.
# The cluster's processes are not in those groups (scripts/cluster.sh starts
# them in sessions of their own): each scenario's folder is taken down too.
groups=()
cluster_dirs=()
cleanup() {
  for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
  for d in "${cluster_dirs[@]}"; do scripts/cluster.sh down --dir "$d" >/dev/null 2>&1 || true; rm -rf "$d"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run() {
  setsid node --experimental-websocket "$@" &
  groups+=("$!")
  wait "$!"
}

# A cluster scenario in a folder of its own, kept on failure.
run_cluster() {
  local d; d=$(mktemp -d "${TMPDIR:-/tmp}/chatd-cluster-XXXXXX")
  cluster_dirs+=("$d")
  if run "$1" --dir "$d" "${cluster_args[@]}"; then return 0; fi
  cp -r "$d" build/ 2>/dev/null && echo "the cluster's folder (logs, database) is kept in build/$(basename "$d")"
  return 1
}

failed=0
if [ "$only_cluster" -eq 0 ]; then
  echo "== kill -9 audit ($rounds rounds)"
  run tests/reliability/kill_audit.mjs --rounds "$rounds" "${audit_args[@]}" || failed=1
  echo "== soak ($soak_seconds s)"
  run tests/reliability/soak.mjs --seconds "$soak_seconds" "${soak_args[@]}" || failed=1
fi
echo "== cluster: a node killed under load (3 chatd, PostgreSQL, Redis, HAProxy)"
run_cluster tests/reliability/cluster_node_kill.mjs || failed=1
echo "== cluster: PostgreSQL restarted under load"
run_cluster tests/reliability/cluster_pg_restart.mjs || failed=1
[ "$failed" -eq 0 ] && echo "reliability checks passed"
exit "$failed"
