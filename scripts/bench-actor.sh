#!/usr/bin/env bash
# Runs the actor benchmarks for our core (act) and CAF 0.17.6 side by side
# and prints a markdown table of medians with ratios.
#   scripts/bench-actor.sh [--rounds=N]   full sizes, N alternating rounds (default 5)
#   scripts/bench-actor.sh --smoke        tiny sizes once: checks every program runs
# Expects a Release build in build/ (scripts/build.sh release).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5
smoke=0
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1; rounds=1 ;;
    --rounds=*) rounds="${arg#--rounds=}" ;;
    *) echo "usage: scripts/bench-actor.sh [--rounds=N | --smoke]" >&2; exit 2 ;;
  esac
done

bin=build/actor/bench
declare -A sizes=(
  [ping_pong]="" [fan_out]="" [contention]="" [spawn_stop]=""
)
if [ "$smoke" = 1 ]; then
  sizes=([ping_pong]="--n=1000 --ask_n=1000" [fan_out]="--actors=100 --per=10"
         [contention]="--n=10000" [spawn_stop]="--n=1000")
fi

impls=(act)
[ -x "$bin/caf/bench_caf_ping_pong" ] && impls+=(caf)

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((r = 1; r <= rounds; r++)); do
  for b in ping_pong fan_out contention spawn_stop; do
    for impl in "${impls[@]}"; do
      if [ "$impl" = act ]; then prog="$bin/bench_act_$b"; else prog="$bin/caf/bench_caf_$b"; fi
      # shellcheck disable=SC2086 # sizes are word lists
      "$prog" ${sizes[$b]} | grep '^RESULT' | tee -a "$results" >&2
    done
  done
done

expected=(ping_pong_tell ping_pong_ask fan_out contention spawn_stop idle_actor_bytes)
for impl in "${impls[@]}"; do
  for bench in "${expected[@]}"; do
    grep -q "impl=$impl bench=$bench " "$results" || { echo "missing result: $impl $bench" >&2; exit 1; }
  done
done
[ "$smoke" = 1 ] && { echo "benchmark smoke run: every program ran and reported"; exit 0; }

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "rounds: $rounds (medians of the values; ratio = median of the per-round act/CAF ratios)"
echo
awk '
  # Rounds alternate act and CAF, so the two runs of a round saw the same
  # machine conditions: the ratio is the median of the per-round ratios,
  # which a host that speeds up or slows down between rounds does not skew
  # (the medians of the raw values are shown beside it).
  /^RESULT/ {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    key = f["impl"] SUBSEP f["bench"]
    n[key]++; v[key, n[key]] = f["value"] + 0; unit[f["bench"]] = f["unit"]
  }
  function median_of(arr, k,   i, j, t) {
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
    return (k % 2) ? arr[(k + 1) / 2] : (arr[k / 2] + arr[k / 2 + 1]) / 2
  }
  function median(key,   k, i, a) {
    k = n[key]; for (i = 1; i <= k; i++) a[i] = v[key, i]
    return median_of(a, k)
  }
  function median_ratio(b,   k, i, r) {
    k = n["act" SUBSEP b]; if (n["caf" SUBSEP b] < k) k = n["caf" SUBSEP b]
    for (i = 1; i <= k; i++) r[i] = v["caf" SUBSEP b, i] ? v["act" SUBSEP b, i] / v["caf" SUBSEP b, i] : 0
    return median_of(r, k)
  }
  END {
    print "| benchmark | unit | act (ours) | CAF 0.17.6 | ratio act/CAF | target | met |"
    print "|---|---|---:|---:|---:|---|---|"
    split("ping_pong_tell ping_pong_ask fan_out contention spawn_stop idle_actor_bytes", order, " ")
    for (o = 1; o <= 6; o++) {
      b = order[o]; a = median("act" SUBSEP b)
      has_caf = ("caf" SUBSEP b) in n
      c = has_caf ? median("caf" SUBSEP b) : 0
      ratio = has_caf ? median_ratio(b) : 0
      if (b == "spawn_stop") { target = "act time <= 0.5x CAF"; met = has_caf && ratio <= 0.5 }
      else if (b == "idle_actor_bytes") { target = "<= 512 B per actor"; met = a <= 512 }
      else { target = "act >= 2x CAF"; met = ratio >= 2 }
      printf "| %s | %s | %.1f | %.1f | %.2fx | %s | %s |\n", b, unit[b], a, c, ratio, target, met ? "yes" : "no"
    }
  }' "$results"
