#!/usr/bin/env bash
# Starts chatd on a temporary database and runs a short load test against it:
# a live progress line each second, a summary, and a picture of latency and
# delivered rate at the end (build/loadtest-demo/run.svg, with run.json).
#   scripts/loadtest.sh [chatd-load options...]    e.g. --connections 5000 --rate 2
# The defaults: 2,000 connections in rooms of 20, each sending one line a
# second, 5 s of warm-up and 20 s measured. `build/loadtest/chatd-load --help`
# lists the options; scripts/bench-load.sh runs the side-by-side matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release --target chatd chatd-load >/dev/null

out=build/loadtest-demo
mkdir -p "$out"
tmp=$(mktemp -d)
ulimit -n 20000 2>/dev/null || true
build/server/chatd --bind 127.0.0.1 --port 0 --db "$tmp/chat.db" --log-level warn \
  --max-connections 20000 --rate 1000 --burst 1000 >"$out/chatd.log" 2>&1 &
chatd_pid=$!
trap 'kill -TERM $chatd_pid 2>/dev/null; wait $chatd_pid 2>/dev/null; rm -rf "$tmp"' EXIT

port=""
for _ in $(seq 200); do
  port=$(grep -oE 'http://[^:]+:[0-9]+' "$out/chatd.log" | grep -oE '[0-9]+$' | head -1 || true)
  [ -n "$port" ] && curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/readyz" && break
  kill -0 $chatd_pid 2>/dev/null || { cat "$out/chatd.log"; exit 1; }
  sleep 0.05
done
[ -n "$port" ] || { echo "chatd did not start"; cat "$out/chatd.log"; exit 1; }
echo "chatd is listening on 127.0.0.1:$port (pid $chatd_pid); load test starting"

build/loadtest/chatd-load --url "ws://127.0.0.1:$port/ws" --sources 127.0.0.1-127.0.0.4 \
  --connections 2000 --rooms 20x100 --rate 1 --warmup 5 --duration 20 \
  --label "chatd, $(nproc) cores" --json "$out/run.json" --svg "$out/run.svg" "$@"
echo "chatd used $(awk -v t="$(getconf CLK_TCK)" '{printf "%.1f", ($14+$15)/t}' /proc/$chatd_pid/stat) CPU seconds, RSS $(awk '/VmRSS/{print $2}' /proc/$chatd_pid/status) kB"
echo "picture: $out/run.svg   results: $out/run.json"
