#!/usr/bin/env bash
# Runs the load matrix of issue 5: chatd, a Node ws@8 server and a Socket.IO 4
# server (loadtest/peers/) under the same workloads, each server alone and
# pinned to CPU 0, the generator (build/loadtest/chatd-load) pinned to CPU 1,
# and writes the results, with chatd/peer ratios, between the load-matrix
# markers of docs/benchmarks.md.
#
#   scripts/bench-load.sh [--quick] [--only W1,W3] [--servers chatd,ws,socketio]
#                         [--no-build] [--results DIR] [--doc FILE]
#   scripts/bench-load.sh --latency [--knee-rooms N] [--quick|--short]
#                         [--servers chatd,ws] [--no-build] [--results DIR]
#
#   --quick     small sizes and short steps: a few minutes, for a first look
#   --short     the full sizes with shorter steps and coarser searches: about
#               half an hour instead of two
#   --only      workloads to run (W1 idle, W2 broadcast knee, W3 chat mix,
#               W4 hot small rooms, W5 payload sweep); default all
#   --servers   servers to run; default chatd,ws,socketio (--latency: chatd,ws)
#   --no-build  use the binaries in build/ as they are
#   --results   where each run's JSON, SVG, samples and logs go
#               (default build/bench-load/<UTC time>)
#   --doc       the markdown file to write (default docs/benchmarks.md; for
#               --quick or with CHATD_LOAD set, RESULTS/benchmarks.md)
#   --latency   instead of the matrix, the latency of a durable line (issue
#               16): ack and delivery p50/p99/p99.9 in W4's rooms of 6,
#               everyone sending: at 1k lines/s and 10k (200 rooms, 0.8333
#               and 8.3333 lines/s each) and at W4's knee (--knee-rooms
#               rooms, default 200, 5/s each), chatd and Node ws by default,
#               next to the floor: build/server/bench_storage_commit's
#               commit of 1 and of 256 rows with sync full (2,000 commits
#               each), run before and after the loads with no server running.
#               Prints a markdown table (also RESULTS/latency.md); writes no
#               document. Each load runs warm-up + measured as the matrix
#               does (5 + 20 s; --short 3 + 8; --quick 2 + 3).
#
# CHATD=/path/to/chatd runs another chatd build (say, an older commit's,
# to compare). CHATD_LOAD=/path/to/generator runs another generator (a stand-in while
# testing this script: loadtest/peers/fake-chatd-load.mjs); its figures
# stay in the results folder unless --doc says otherwise.
#
# The full matrix takes about two hours: every step starts a fresh server,
# ramps its connections, warms up and measures. Knee searches stop at the
# latency threshold, at the first error, gap, duplicate, failed connection
# or disconnect, when the deliveries fall short of those asked for by more
# than 10% (and more than chance explains at low rates), or when the
# generator's own core saturates (its figures would measure it).
#
# chatd-load's options as used here (chatd-load --help): --ramp is
# connections opened per second, --rooms SIZExCOUNT groups fill the
# connections in order, --senders K makes the first K members of every room
# send (all of them when left out), --rate is lines per second per sender,
# and every line goes to every member of its room, the sender included.
# JSON keys read (a missing one prints n/a): delivered_per_sec,
# latency_ms.{p50,p95,p99,p999}, connections.{ok,failed}, gaps, duplicates,
# generator_cpu_percent, errors{}, disconnects{}, and timeline[] (unix_s,
# phase, delivered) for the measured window.
set -euo pipefail
cd "$(dirname "$0")/.."
invocation="scripts/bench-load.sh${*:+ $*}"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "bench-load: $*" >&2; exit 1; }

quick=0
only=W1,W2,W3,W4,W5
server_list=""
latency=0
knee_rooms=200
build=1
results=""
doc=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --short) quick=2 ;;
    --only) only="${2:?--only needs a list}"; shift ;;
    --only=*) only="${1#*=}" ;;
    --servers) server_list="${2:?--servers needs a list}"; shift ;;
    --servers=*) server_list="${1#*=}" ;;
    --no-build) build=0 ;;
    --latency) latency=1 ;;
    --knee-rooms) knee_rooms="${2:?--knee-rooms needs a number}"; shift ;;
    --knee-rooms=*) knee_rooms="${1#*=}" ;;
    --results) results="${2:?--results needs a folder}"; shift ;;
    --results=*) results="${1#*=}" ;;
    --doc) doc="${2:?--doc needs a file}"; shift ;;
    --doc=*) doc="${1#*=}" ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$server_list" ]; then
  if [ "$latency" = 1 ]; then server_list=chatd,ws; else server_list=chatd,ws,socketio; fi
fi
[[ "$knee_rooms" =~ ^[1-9][0-9]*$ ]] || die "--knee-rooms needs a whole number, got $knee_rooms"
IFS=, read -ra workloads <<<"$only"
IFS=, read -ra servers <<<"$server_list"
for w in "${workloads[@]}"; do [[ "$w" =~ ^W[1-5]$ ]] || die "unknown workload $w (W1..W5)"; done
for s in "${servers[@]}"; do [[ "$s" =~ ^(chatd|ws|socketio)$ ]] || die "unknown server $s (chatd, ws, socketio)"; done

chatd_bin="${CHATD:-build/server/chatd}"
commit_bench=build/server/bench_storage_commit
gen="${CHATD_LOAD:-build/loadtest/chatd-load}"
results="${results:-build/bench-load/$(date -u +%Y%m%dT%H%M%SZ)}"
if [ -z "$doc" ]; then
  # A first look or another generator's figures are not the benchmark's.
  if [ -n "${CHATD_LOAD:-}" ] || [ "$quick" = 1 ]; then doc="$results/benchmarks.md"; else doc=docs/benchmarks.md; fi
fi
mkdir -p "$results"
results=$(cd "$results" && pwd)

# ---- sizes ------------------------------------------------------------------
# Full sizes follow the issue; --quick keeps every workload's shape at a tenth
# of the size or less, with at most two steps a search.
server_cpu=0
gen_cpu=1
sources=127.0.0.1-127.0.0.16
ramp_rate=1000   # connections opened per second
if [ "$quick" = 1 ]; then
  warmup=2; duration=3; idle_duration=3; max_steps=2
  w1_conns=2000
  w2_clients=(200 400); w2_rates=()
  w3_rooms=10x50,100x5; w3_rates=(0.1 0.2)
  w4_rooms=(40 80); w4_rates=()
  w5_payloads=(32 16384); w5_rooms=10x20; w5_rates=(1)
elif [ "$quick" = 2 ]; then
  # Short steps, but knees no coarser than 1.5x in W2 and 2x in W4 and W5: a
  # ratio between two servers is only as fine as the steps they stop at.
  warmup=3; duration=8; idle_duration=15; max_steps=10
  w1_conns=19000
  w2_clients=(1000 2000 3000 4000 6000 8000 12000 16000 19000); w2_rates=(10 40 160)
  w3_rooms=10x1000,1000x5; w3_rates=(0.1 0.4 1.6 6.4 25.6)
  w4_rooms=(100 200 400 800 1600 3166); w4_rates=(20)
  w5_payloads=(32 1024 16384); w5_rooms=10x100; w5_rates=(1 2 4 8 16 32 64 128 256)
else
  warmup=5; duration=20; idle_duration=30; max_steps=16
  w1_conns=19000
  # W2: clients added at 5 lines/s from each of 4 senders; at the 19,000 the
  # descriptor limit allows, the rate doubles instead.
  w2_clients=(500 1000 2000 4000 6000 8000 10000 12000 14000 16000 19000); w2_rates=(10 20 40 80 160)
  w3_rooms=10x1000,1000x5; w3_rates=(0.1 0.2 0.4 0.8 1.6 3.2 6.4 12.8)
  w4_rooms=(100 200 400 800 1600 3166); w4_rates=(10 20 40)
  w5_payloads=(32 256 1024 4096 16384); w5_rooms=10x100; w5_rates=(1 2 4 8 16 32 64 128)
fi
w2_senders=4; w2_rate=5
w4_rate=5

# ---- prerequisites ----------------------------------------------------------
ulimit -n 20000 2>/dev/null || true
[ "$(ulimit -n)" -ge 20000 ] || echo "bench-load: open files limited to $(ulimit -n); 19,000 connections need 20,000" >&2
command -v taskset >/dev/null || die "taskset is missing (util-linux)"
command -v curl >/dev/null || die "curl is missing"
command -v node >/dev/null || die "node is missing (Node 20)"
if [ "$(nproc)" -lt 2 ]; then
  echo "bench-load: one CPU only: server and generator share it" >&2
  gen_cpu=0
fi

needs_peers=0
for s in "${servers[@]}"; do [ "$s" = chatd ] || needs_peers=1; done
if [ "$build" = 1 ]; then
  targets=(chatd)
  [ -n "${CHATD_LOAD:-}" ] || targets+=(chatd-load)
  [ "$latency" = 0 ] || targets+=(bench_storage_commit)
  scripts/build.sh release --target "${targets[@]}"
fi
[ -x "$chatd_bin" ] || die "$chatd_bin is missing: scripts/build.sh release --target chatd"
[ -x "$gen" ] || die "generator $gen is missing: scripts/build.sh release --target chatd-load"
[ "$latency" = 0 ] || [ -x "$commit_bench" ] || die "$commit_bench is missing: scripts/build.sh release --target bench_storage_commit"
if [ "$needs_peers" = 1 ]; then
  (cd loadtest/peers && npm ci --no-audit --no-fund --loglevel=error)
fi
clk_tck=$(getconf CLK_TCK)

# ---- processes --------------------------------------------------------------
srv_pid=""
sampler_pid=""
gen_pid=""
srv_tmp=""

cleanup() {
  if [ -n "$gen_pid" ]; then kill -TERM "$gen_pid" 2>/dev/null || true; fi
  if [ -n "$sampler_pid" ]; then kill -TERM "$sampler_pid" 2>/dev/null || true; fi
  stop_server
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alive() { [ -n "$srv_pid" ] && kill -0 "$srv_pid" 2>/dev/null; }

# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 50 ms while the
# server lives; gives up after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    alive || die "$what: the server exited (log: $srv_log)"
    [ "$SECONDS" -lt "$deadline" ] || die "timed out waiting for $what (log: $srv_log)"
    sleep 0.05
  done
}

port_in_log() {
  srv_port=$(grep -oE "$1" "$srv_log" | grep -oE '[0-9]+$' | head -1 || true)
  [ -n "$srv_port" ]
}
http_ok() { curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$srv_port$1"; }

# start_server NAME LOG: starts NAME pinned to server_cpu on a free port and
# returns once it answers; sets srv_pid, srv_port, srv_url, srv_protocol.
start_server() {
  local name=$1
  srv_log=$2
  srv_tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-load.XXXXXX")
  : >"$srv_log"
  case "$name" in
    chatd)
      # Limits raised so that the generator, not a budget, finds the knee:
      # requests per connection, bytes queued per connection, text size for
      # the 16 KiB payloads, and connections up to the descriptor limit.
      # Presence off (--presence-limit 0), as the peers have none: filling
      # the rooms of 1,000 would otherwise cost 2.5 million presence frames
      # that run into the measured window.
      taskset -c "$server_cpu" "$chatd_bin" --bind 127.0.0.1 --port 0 --db "$srv_tmp/chat.db" \
        --threads 1 --max-connections 20000 --rate 1000000 --burst 1000000 --presence-limit 0 \
        --outbound-budget 268435456 --max-text-bytes 16384 --max-frame-bytes 65536 \
        --log-level warn >"$srv_log" 2>&1 &
      srv_pid=$!
      wait_until 30 "chatd's port" port_in_log 'http://localhost:[0-9]+'
      wait_until 30 "chatd's /readyz" http_ok /readyz
      srv_url="ws://127.0.0.1:$srv_port/ws"
      srv_protocol=chatd
      ;;
    ws|socketio)
      local script=ws-server.mjs
      [ "$name" = socketio ] && script=socketio-server.mjs
      taskset -c "$server_cpu" node "loadtest/peers/$script" --host 127.0.0.1 --port 0 >"$srv_log" 2>&1 &
      srv_pid=$!
      wait_until 30 "$name's ready line" port_in_log 'listening on 127\.0\.0\.1:[0-9]+'
      wait_until 30 "$name's /healthz" http_ok /healthz
      if [ "$name" = ws ]; then
        srv_url="ws://127.0.0.1:$srv_port/ws"; srv_protocol=chatd
      else
        srv_url="ws://127.0.0.1:$srv_port/socket.io/?EIO=4&transport=websocket"; srv_protocol=socketio
      fi
      ;;
  esac
}

stop_server() {
  if alive; then
    kill -TERM "$srv_pid"
    local deadline=$((SECONDS + 15))
    while kill -0 "$srv_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
    kill -KILL "$srv_pid" 2>/dev/null || true
  fi
  if [ -n "$srv_pid" ]; then wait "$srv_pid" 2>/dev/null || true; fi
  if [ -n "$srv_tmp" ]; then rm -rf "$srv_tmp"; fi
  srv_pid=""
  srv_tmp=""
}

# sample PID FILE: every half second, the time, VmRSS (kB), utime+stime
# (ticks) and open descriptors of PID, until PID exits or this is killed.
sample() {
  local pid=$1 out=$2 k v rest line rss ticks fds
  local -a f
  while [ -r "/proc/$pid/stat" ]; do
    rss=0
    { while read -r k v _; do if [ "$k" = VmRSS: ]; then rss=$v; fi; done <"/proc/$pid/status"; } 2>/dev/null || break
    { read -r line <"/proc/$pid/stat"; } 2>/dev/null || break
    rest=${line##*) }
    read -ra f <<<"$rest"
    ticks=$((f[11] + f[12]))
    # shellcheck disable=SC2012 # descriptors are numbers; ls -U does not sort
    fds=$(ls -U "/proc/$pid/fd" 2>/dev/null | wc -l)
    printf '%s %s %s %s\n' "$EPOCHREALTIME" "$rss" "$ticks" "$fds" >>"$out"
    sleep 0.5
  done
}

# ---- one run ----------------------------------------------------------------
# run_step DIR SERVER WORKLOAD CONNS ROOMS SENDERS RATE PAYLOAD LAT_KEY LAT_LIMIT_MS
# SENDERS is per room, "-" for every member. Starts a fresh server, runs the
# generator against it while sampling the server, and prints the verdict;
# sets step_verdict and step_reason.
run_step() {
  local dir=$1 server=$2 wl=$3 conns=$4 rooms=$5 senders=$6 rate=$7 payload=$8 lat_key=$9 lat_limit=${10}
  local ramp_s=$(((conns + ramp_rate - 1) / ramp_rate)) dur=$duration
  local -a sender_args=()
  if [ "$senders" = - ]; then senders=""; else sender_args=(--senders "$senders"); fi
  [ "$wl" = W1 ] && dur=$idle_duration
  mkdir -p "$dir"
  start_server "$server" "$dir/server.log"
  taskset -apc "$srv_pid" >"$dir/affinity.txt"
  sample "$srv_pid" "$dir/samples.tsv" &
  sampler_pid=$!
  taskset -pc "$gen_cpu" "$sampler_pid" >/dev/null || die "could not sample the server (pid $srv_pid)"
  # Wait for the first sample: it is the baseline.
  wait_until 10 "the first sample of the server" test -s "$dir/samples.tsv"
  local t_start=$EPOCHREALTIME rc=0
  # Bounded: the generator gets its own time plus two minutes.
  timeout --signal=INT --kill-after=10 $((ramp_s + warmup + dur + 120)) \
    taskset -c "$gen_cpu" "$gen" --url "$srv_url" --protocol "$srv_protocol" \
      --connections "$conns" --sources "$sources" --ramp "$ramp_rate" --rooms "$rooms" \
      "${sender_args[@]}" --rate "$rate" --payload "$payload" \
      --warmup "$warmup" --duration "$dur" --threads 1 \
      --json "$dir/gen.json" --svg "$dir/gen.svg" --label "$wl $server $(basename "$dir")" --quiet \
      >"$dir/gen.log" 2>&1 &
  gen_pid=$!
  wait "$gen_pid" || rc=$?
  gen_pid=""
  local t_end=$EPOCHREALTIME
  kill -TERM "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  stop_server
  cat >"$dir/run.env" <<EOF
workload=$wl
server=$server
connections=$conns
rooms=$rooms
senders=$senders
rate=$rate
payload=$payload
ramp_s=$ramp_s
warmup=$warmup
duration=$dur
lat_key=$lat_key
lat_limit_ms=$lat_limit
t_start=$t_start
t_end=$t_end
gen_rc=$rc
clk_tck=$clk_tck
EOF
  local line
  line=$(node loadtest/peers/matrix-report.mjs step "$dir")
  IFS=$'\t' read -r step_verdict step_reason _ <<<"$line"
  printf '  %-8s %-9s %-22s %s\n' "$server" "$(basename "$dir")" "$step_verdict" "${line#*$'\t'}"
}

half() { awk -v r="$1" 'BEGIN { printf "%g", r / 2 }'; }

# ---- knee search ------------------------------------------------------------
# knee_search DIR SERVER WORKLOAD PAYLOAD LAT_KEY LAT_LIMIT STEP...
# Each STEP is "CONNS ROOMS SENDERS RATE" (SENDERS per room, "-" for all),
# in increasing load. Runs them in
# order while they pass; the knee is the last that passed. If the first one
# already fails, halves its rate until one passes (at most four times). Then
# runs the knee again at half its rate, for latency. Writes DIR/knee.env.
knee_search() {
  local dir=$1 server=$2 wl=$3 payload=$4 lat_key=$5 lat_limit=$6
  shift 6
  local n=0 knee="" knee_spec="" reached=0 stop="" spec conns rooms senders rate
  for spec in "$@"; do
    [ "$n" -lt "$max_steps" ] || break
    n=$((n + 1))
    read -r conns rooms senders rate <<<"$spec"
    run_step "$dir/$(printf 'step-%02d' "$n")" "$server" "$wl" "$conns" "$rooms" "$senders" "$rate" "$payload" "$lat_key" "$lat_limit"
    if [ "$step_verdict" = pass ]; then
      knee=$(printf 'step-%02d' "$n"); knee_spec=$spec
    else
      # Past the generator's own limit the knee is still ahead: a bound.
      [ "$step_verdict" = generator ] || reached=1
      stop="$step_reason"
      break
    fi
  done
  if [ -z "$knee" ] && [ -n "${1:-}" ]; then
    read -r conns rooms senders rate <<<"$1"
    local _
    for _ in 1 2 3 4; do
      rate=$(half "$rate")
      n=$((n + 1))
      run_step "$dir/$(printf 'step-%02d' "$n")" "$server" "$wl" "$conns" "$rooms" "$senders" "$rate" "$payload" "$lat_key" "$lat_limit"
      if [ "$step_verdict" = pass ]; then
        knee=$(printf 'step-%02d' "$n"); knee_spec="$conns $rooms $senders $rate"; break
      fi
    done
  fi
  [ -n "$stop" ] || stop="no threshold within $n steps"
  if [ -n "$knee" ]; then
    read -r conns rooms senders rate <<<"$knee_spec"
    run_step "$dir/half" "$server" "$wl" "$conns" "$rooms" "$senders" "$(half "$rate")" "$payload" "$lat_key" "$lat_limit"
  fi
  printf 'knee=%s\nreached=%s\nstop=%s\n' "$knee" "$reached" "$stop" >"$dir/knee.env"
}

# ---- workloads --------------------------------------------------------------
# Each writes RESULTS/<workload>/workload.env (a one-line summary for the
# document) and one folder per server.

w1() {
  local s rooms="10x$((w1_conns / 10))"
  printf 'summary=%s\n' "$w1_conns connections (rooms of 10), opened at $ramp_rate a second, then held ${idle_duration} s with no traffic." \
    >"$results/W1/workload.env"
  for s in "${servers[@]}"; do
    run_step "$results/W1/$s/step-01" "$s" W1 "$w1_conns" "$rooms" - 0 100 "" ""
    local reached=0
    [ "$step_verdict" = pass ] || reached=1
    printf 'knee=step-01\nreached=%s\nstop=%s\n' "$reached" "$step_reason" >"$results/W1/$s/knee.env"
  done
}

w2() {
  local s n r steps=()
  for n in "${w2_clients[@]}"; do steps+=("$n ${n}x1 $w2_senders $w2_rate"); done
  n=${w2_clients[-1]}
  for r in "${w2_rates[@]}"; do steps+=("$n ${n}x1 $w2_senders $r"); done
  printf 'summary=%s\n' "One room, $w2_senders senders at $w2_rate lines/s each, 100-byte lines; clients added (${w2_clients[*]}) until p95 delivery latency passes 500 ms${w2_rates:+, then the rate doubled at ${n} clients}. ${warmup} s warm-up, ${duration} s measured per step." \
    >"$results/W2/workload.env"
  for s in "${servers[@]}"; do knee_search "$results/W2/$s" "$s" W2 100 p95 500 "${steps[@]}"; done
}

w3() {
  local s r steps=() conns
  conns=$(awk -v spec="$w3_rooms" 'BEGIN { n = split(spec, g, ","); for (i = 1; i <= n; i++) { split(g[i], p, "x"); t += p[1] * p[2] }; print t }')
  for r in "${w3_rates[@]}"; do steps+=("$conns $w3_rooms - $r"); done
  printf 'summary=%s\n' "Rooms $w3_rooms (SIZExCOUNT, $conns connections), every user sending 100-byte lines, starting at one every 10 s and doubling until p99 passes 100 ms. ${warmup} s warm-up, ${duration} s measured per step." \
    >"$results/W3/workload.env"
  for s in "${servers[@]}"; do knee_search "$results/W3/$s" "$s" W3 100 p99 100 "${steps[@]}"; done
}

w4() {
  local s n r steps=()
  for n in "${w4_rooms[@]}"; do steps+=("$((n * 6)) 6x$n - $w4_rate"); done
  n=${w4_rooms[-1]}
  for r in "${w4_rates[@]}"; do steps+=("$((n * 6)) 6x$n - $r"); done
  printf 'summary=%s\n' "Rooms of 6, every user sending 5 lines/s of 100 bytes; rooms added (${w4_rooms[*]}) until p99 passes 100 ms${w4_rates:+, then the rate doubled at ${n} rooms}. ${warmup} s warm-up, ${duration} s measured per step." \
    >"$results/W4/workload.env"
  for s in "${servers[@]}"; do knee_search "$results/W4/$s" "$s" W4 100 p99 100 "${steps[@]}"; done
}

w5() {
  local s p r steps=() conns
  conns=$(awk -v spec="$w5_rooms" 'BEGIN { split(spec, p, "x"); print p[1] * p[2] }')
  for r in "${w5_rates[@]}"; do steps+=("$conns $w5_rooms - $r"); done
  for p in "${w5_payloads[@]}"; do
    mkdir -p "$results/W5-$p"
    printf 'summary=%s\n' "Rooms $w5_rooms ($conns connections), every user sending, rate doubled (${w5_rates[*]} lines/user/s) until p99 passes 100 ms, for payloads of ${w5_payloads[*]} bytes. ${warmup} s warm-up, ${duration} s measured per step." \
      >"$results/W5-$p/workload.env"
    echo "W5 payload $p B"
    for s in "${servers[@]}"; do knee_search "$results/W5-$p/$s" "$s" W5 "$p" p99 100 "${steps[@]}"; done
  done
}

# ---- latency of a durable line (--latency) ----------------------------------
# The floor first, with no server running, in a folder made as each server's
# is (under TMPDIR, default /tmp: the figures are the disk's there; a tmpfs
# makes every sync free). Then each load on a fresh server, as in the
# matrix, with no latency threshold; then the floor again, as a disk's
# sync time can change during the run (a shared virtual disk here went
# from 0.3-0.5 ms to 4.0 ms and back).
floor() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-load.XXXXXX")
  echo "floor: $commit_bench, 2000 commits each, in $dir"
  taskset -c "$server_cpu" "$commit_bench" --dir "$dir" --commits 2000 | tee "$1"
  rm -rf "$dir"
}

latency() {
  local spec name conns rooms rate s
  floor "$results/floor.txt"
  # The same 1,200 connections for 1k and 10k: only the rate differs.
  for spec in "1k 1200 6x200 0.8333" "10k 1200 6x200 8.3333" "knee $((knee_rooms * 6)) 6x$knee_rooms $w4_rate"; do
    read -r name conns rooms rate <<<"$spec"
    echo "$name: $conns connections, rooms $rooms, every member sending $rate lines/s"
    for s in "${servers[@]}"; do
      run_step "$results/latency/$name/$s" "$s" "L$name" "$conns" "$rooms" - "$rate" 100 "" ""
    done
  done
  floor "$results/floor-after.txt"
  node loadtest/peers/latency-report.mjs "$results" --command "$invocation${CHATD:+ (CHATD=$CHATD)}" >"$results/latency.md"
  echo
  cat "$results/latency.md"
  echo
  echo "raw results in $results"
}

echo "results: $results"
echo "servers on CPU $server_cpu, generator on CPU $gen_cpu; generator: $gen; chatd: $chatd_bin"
if [ "$latency" = 1 ]; then
  latency
  exit 0
fi
for wl in "${workloads[@]}"; do
  echo "$wl"
  case "$wl" in
    W1) mkdir -p "$results/W1"; w1 ;;
    W2) mkdir -p "$results/W2"; w2 ;;
    W3) mkdir -p "$results/W3"; w3 ;;
    W4) mkdir -p "$results/W4"; w4 ;;
    W5) w5 ;;
  esac
done

# ---- the document -----------------------------------------------------------
machine_file="$results/machine.md"
{
  printf '**Machine:** %s, %s cores, %s, Linux %s, Node %s; chatd at %s%s. Measured %s.\n' \
    "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)" \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)" "$(uname -r)" "$(node --version)" \
    "$(git -C "$(dirname "$chatd_bin")" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "$(git -C "$(dirname "$chatd_bin")" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')${CHATD:+ (CHATD=$chatd_bin)}" \
    "$(date -u '+%Y-%m-%d %H:%M UTC')"
  # shellcheck disable=SC2016 # backquotes are markdown
  [ -n "${CHATD_LOAD:-}" ] && printf '\n**Generator:** `%s` (CHATD_LOAD), not build/loadtest/chatd-load.\n' "$gen"
  # shellcheck disable=SC2016 # backquotes are markdown
  [ "$quick" = 1 ] && printf '\n**Quick run** (`--quick`): small sizes and short steps; knees are mostly not reached.\n'
  [ "$quick" = 2 ] && printf '\n**Short run** (`--short`): the full sizes, each step 3 s of warm-up and 8 s measured, knee searches in coarser steps (see the script).\n'
  true
} >"$machine_file"
node loadtest/peers/matrix-report.mjs render "$results" --doc "$doc" --command "$invocation" --machine-file "$machine_file" >"$results/section.md"
echo
cat "$results/section.md"
echo
echo "written between the load-matrix markers of $doc; raw results in $results"
