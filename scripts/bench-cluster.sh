#!/usr/bin/env bash
# What each part of a chatd cluster spends per line and per delivery: one,
# two and three nodes (scripts/cluster.sh) behind HAProxy under the same
# chat load from build/loadtest/chatd-load, and the CPU time of every
# process (chatd nodes, PostgreSQL with its backends, Redis, HAProxy, the
# generator) read from /proc over the measured window, next to the lines
# and deliveries the nodes counted (/metrics) in that window.
#
#   scripts/bench-cluster.sh [--nodes "1 2 3"] [--rooms 10x200] [--rate 1]
#                            [--warmup 5] [--duration 20] [--results DIR]
#
#   --rooms     the generator's rooms (SIZExCOUNT): connections spread over
#               the nodes by HAProxy (leastconn), so most rooms have members
#               on several nodes and their lines cross the bus
#   --rate      lines per second per user
#
# Prints a markdown table (also RESULTS/cluster.md): per node count, lines/s,
# deliveries/s, delivery latency p50/p99 (the generator's), and CPU
# microseconds per line and per delivery of each component. The CPU figures
# are process CPU time (user + system, /proc/PID/stat, 100 Hz ticks) over
# the measured window divided by what was done in it: coarse for short
# windows, so keep --duration at 20 s or more.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "bench-cluster: $*" >&2; exit 1; }

node_counts="1 2 3"
rooms=10x200
rate=1
warmup=5
duration=20
results="build/bench-cluster/$(date -u +%Y%m%dT%H%M%SZ)"
port=18080
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) node_counts="${2:?}"; shift ;;
    --rooms) rooms="${2:?}"; shift ;;
    --rate) rate="${2:?}"; shift ;;
    --warmup) warmup="${2:?}"; shift ;;
    --duration) duration="${2:?}"; shift ;;
    --results) results="${2:?}"; shift ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done
gen=build/loadtest/chatd-load
[ -x "$gen" ] || die "no $gen (scripts/build.sh release --target chatd-load)"
mkdir -p "$results"
conns=$(awk -v spec="$rooms" 'BEGIN { n = split(spec, g, ","); for (i = 1; i <= n; i++) { split(g[i], p, "x"); t += p[1] * p[2] }; print t }')
ramp=1000
hz=$(getconf CLK_TCK)

# One line of figures: unix time, then name=value for the CPU ticks of
# each process named in $procs ("name=pid ...") with those of its children
# (its own, those of children it reaped, and those of children still
# running: PostgreSQL's backends), and the two counters summed over the
# nodes' /metrics. Two processes per sample (awk over /proc, one curl), so
# sampling costs little next to what it measures.
sample() {
  local t m
  # A node too busy to answer within 2 s: no sample this second (the
  # window's edges are taken from the samples there are).
  m="$(curl -fsS --max-time 2 "${metrics[@]}")" || return 0
  t="$(date +%s.%N)"
  # cat, not awk, opens the files: a process may end between the glob and
  # the read, which cat skips and awk would stop at. cat then exits 1,
  # which is no failure here (set -e and pipefail would end the script).
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v procs="$procs" -v t="$t" '
    BEGIN { n = split(procs, p, " "); for (i = 1; i <= n; i++) { split(p[i], kv, "="); name[kv[2]] = kv[1] } }
    {
      pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      if (pid in name) ticks[name[pid]] += f[12] + f[13] + f[14] + f[15]
      else if (f[2] in name) ticks[name[f[2]]] += f[12] + f[13]
    }
    END { printf "%s", t; for (k in ticks) printf " %s=%d", k, ticks[k] }'
  awk '
    $1 == "chatd_messages_received_total" { l += $2 } $1 == "chatd_messages_delivered_total" { d += $2 }
    END { printf " lines=%.0f deliveries=%.0f\n", l, d }' <<<"$m"
}

table="$results/cluster.md"
{
  echo "| nodes | lines/s | deliveries/s | p50 / p99 ms | µs CPU per line: chatd (all nodes) / PostgreSQL / Redis / HAProxy | µs CPU per delivery: chatd / Redis / HAProxy |"
  echo "|---|---|---|---|---|---|"
} >"$table"

for nodes in $node_counts; do
  echo "== $nodes node(s)"
  scripts/cluster.sh up --nodes "$nodes" --dir "$results/run" --port "$port" -- --max-connections 19000 >/dev/null
  json="$results/nodes-$nodes.json"
  "$gen" --url "ws://127.0.0.1:$port/ws" --connections "$conns" --ramp "$ramp" --rooms "$rooms" --rate "$rate" \
    --payload 100 --warmup "$warmup" --duration "$duration" --json "$json" --quiet >"$results/nodes-$nodes.log" 2>&1 &
  gen_pid=$!
  procs="generator=$gen_pid $(scripts/cluster.sh pids --dir "$results/run" | awk '{ printf "%s=%s ", $1, $2 }')"
  metrics=()
  for i in $(seq "$nodes"); do metrics+=("http://127.0.0.1:$((port + i))/metrics"); done
  # Figures every second while the generator runs; its measured window is
  # read from its timeline afterwards, and the samples nearest its edges
  # are the ones compared.
  while kill -0 "$gen_pid" 2>/dev/null; do sample; sleep 1; done >"$results/samples-$nodes.txt"
  wait "$gen_pid" || die "the generator failed: $results/nodes-$nodes.log"
  scripts/cluster.sh down --dir "$results/run"
  window=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
    const m = r.timeline.filter((e) => e.phase === "measure").map((e) => e.unix_s);
    console.log(Math.min(...m) - 1, Math.max(...m));' "$json")

  lat=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(r.latency_ms.p50, r.latency_ms.p99)' "$json")
  awk -v hz="$hz" -v nodes="$nodes" -v lat="$lat" -v window="$window" '
    function at(t,   i, best, d, bd) {  # the sample nearest time t
      bd = 1e18
      for (i = 1; i <= count; i++) { d = time[i] - t; if (d < 0) d = -d; if (d < bd) { bd = d; best = i } }
      return best
    }
    { count++; time[count] = $1; for (f = 2; f <= NF; f++) { split($f, kv, "="); v[count, kv[1]] = kv[2]; names[kv[1]] = 1 } }
    END {
      split(window, w, " "); a = at(w[1]); b = at(w[2]); secs = time[b] - time[a]
      for (k in names) { d = v[b, k] - v[a, k]; if (k ~ /^chatd-/) cpu["chatd"] += d; else cpu[k] += d }
      lines = cpu["lines"]; deliveries = cpu["deliveries"]; us = 1e6 / hz
      split(lat, l, " ")
      printf "| %d | %.0f | %.0f | %s / %s | %.1f / %.1f / %.1f / %.1f | %.2f / %.2f / %.2f |\n", nodes,
        lines / secs, deliveries / secs, l[1], l[2],
        cpu["chatd"] * us / lines, cpu["postgres"] * us / lines, cpu["redis"] * us / lines, cpu["haproxy"] * us / lines,
        cpu["chatd"] * us / deliveries, cpu["redis"] * us / deliveries, cpu["haproxy"] * us / deliveries
    }' "$results/samples-$nodes.txt" >>"$table"
done

echo
echo "Command: scripts/bench-cluster.sh --nodes \"$node_counts\" --rooms $rooms --rate $rate --warmup $warmup --duration $duration"
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -r)"
echo
cat "$table"
