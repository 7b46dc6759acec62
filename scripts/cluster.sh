#!/usr/bin/env bash
# A chatd cluster on this machine, every part from a temporary folder and
# nothing as root: PostgreSQL 15 (initdb), Redis 7, N chatd nodes on
# --store postgres://... --bus redis://..., and HAProxy in front of them with
# deploy/haproxy.cfg's settings. For trying the cluster by hand and for
# scripts/bench-cluster.sh; the tests start their own parts (tests/cluster).
#
#   scripts/cluster.sh up [--nodes N] [--dir DIR] [--port P] [--chatd PATH]
#                         [-- extra chatd flags...]
#   scripts/cluster.sh down [--dir DIR]
#   scripts/cluster.sh pids [--dir DIR]      # name pid, one per line
#   scripts/cluster.sh kill-node I [--dir DIR]    # kill -9 node I, and wait until it is gone
#   scripts/cluster.sh start-node I [--dir DIR]   # node I again (after a kill)
#   scripts/cluster.sh pg stop|start [--dir DIR]  # PostgreSQL alone (a fast stop)
#
#   --nodes  chatd nodes (default 3)
#   --dir    where everything lives (default build/cluster); `up` empties it
#   --port   HAProxy's port, the one clients use (default 8080); the nodes
#            listen on P+1..P+N, PostgreSQL on P+100, Redis on P+101,
#            HAProxy's stats page on P+102 (/stats)
#   --chatd  the chatd binary (default build/server/chatd)
#   --check-inter  HAProxy's health check interval (default deploy/haproxy.cfg's
#            2s; the fault tests use less, so a node goes out and back sooner)
#
# `kill-node`, `start-node` and `pg` use what `up` wrote to DIR/cluster.env.
# `up` returns once HAProxy answers and every node's /readyz is 200; the
# web client is then at http://127.0.0.1:P/. `down` stops what `up` started
# (chatd and HAProxy with SIGTERM, PostgreSQL with a fast shutdown).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

die() { echo "cluster: $*" >&2; exit 1; }

cmd="${1:-}"; shift || true
nodes=3
dir="$root/build/cluster"
port=8080
chatd="$root/build/server/chatd"
extra=()
check_inter=
arg=
case "$cmd" in kill-node|start-node|pg) arg="${1:-}"; shift || true ;; esac
while [ $# -gt 0 ]; do
  case "$1" in
    --check-inter) check_inter="${2:?}"; shift ;;
    --nodes) nodes="${2:?}"; shift ;;
    --dir) dir="${2:?}"; shift ;;
    --port) port="${2:?}"; shift ;;
    --chatd) chatd="${2:?}"; shift ;;
    --) shift; extra=("$@"); break ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
  shift
done

# What `up` used, for the commands that come after it.
if [ "$cmd" = kill-node ] || [ "$cmd" = start-node ] || [ "$cmd" = pg ]; then
  [ -f "$dir/cluster.env" ] || die "no cluster in $dir (run up first)"
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
fi

pgbin=/usr/lib/postgresql/15/bin
pg_port=$((port + 100))
redis_port=$((port + 101))
stats_port=$((port + 102))
store_url="postgres://chatd@127.0.0.1:$pg_port/chatd"
bus_url="redis://127.0.0.1:$redis_port"

# Waits until `curl` gets 200 from $1, at most $2 seconds.
wait_ok() {
  local url=$1 left=$(( $2 * 10 ))
  until curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; do
    left=$((left - 1)); [ "$left" -gt 0 ] || return 1
    sleep 0.1
  done
}

# PostgreSQL refuses to run as root: as root (CI's containers), its
# programs run as the user nobody, which owns its folder.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

down() {
  [ -d "$dir" ] || return 0
  for f in "$dir"/haproxy.pid "$dir"/chatd-*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$dir"/chatd-*.pid; do
    [ -f "$f" ] || continue
    local p; p=$(cat "$f")
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    rm -f "$f"
  done
  rm -f "$dir/haproxy.pid"
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  [ -d "$dir/pg" ] && as_pg "$pgbin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
}

# Starts node $1 in the background (its pid in chatd-$1.pid).
start_node() {
  local i=$1
  CHATD_LOG_LEVEL=${CHATD_LOG_LEVEL:-warn} setsid "$chatd" --port $((port + i)) --bind 127.0.0.1 \
    --store "$store_url" --bus "$bus_url" "${extra[@]}" >>"$dir/chatd-$i.log" 2>&1 &
  echo $! >"$dir/chatd-$i.pid"
}

pg_start() {
  as_pg "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pgsock/postgres.log" -w \
    -o "-p $pg_port -k $dir/pgsock -c listen_addresses=127.0.0.1" start >/dev/null || die "postgres did not start: $dir/pgsock/postgres.log"
}

pids() {
  [ -f "$dir/pg/postmaster.pid" ] && echo "postgres $(head -1 "$dir/pg/postmaster.pid")"
  [ -f "$dir/redis.pid" ] && echo "redis $(cat "$dir/redis.pid")"
  [ -f "$dir/haproxy.pid" ] && echo "haproxy $(head -1 "$dir/haproxy.pid")"
  for f in "$dir"/chatd-*.pid; do
    [ -f "$f" ] && echo "$(basename "$f" .pid) $(cat "$f")"
  done
  return 0
}

up() {
  [ -x "$chatd" ] || die "no chatd at $chatd (scripts/build.sh release)"
  [ -x "$pgbin/initdb" ] || die "PostgreSQL 15 is missing (scripts/setup.sh --test installs it)"
  command -v redis-server >/dev/null || die "redis-server is missing (scripts/setup.sh --test)"
  command -v haproxy >/dev/null || die "haproxy is missing (scripts/setup.sh --test)"
  down
  rm -rf "$dir"; mkdir -p "$dir"

  mkdir -p "$dir/pg" "$dir/pgsock"
  [ "$(id -u)" = 0 ] && chown nobody "$dir/pg" "$dir/pgsock"
  as_pg "$pgbin/initdb" -D "$dir/pg" -U chatd --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 || die "initdb failed: $dir/initdb.log"
  pg_start
  "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U chatd chatd

  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"

  {
    echo "nodes=$nodes port=$port chatd=$(printf %q "$chatd")"
    echo "extra=(${extra[*]+$(printf '%q ' "${extra[@]}")})"
  } >"$dir/cluster.env"
  for i in $(seq "$nodes"); do start_node "$i"; done

  # deploy/haproxy.cfg with local addresses: its frontends bound here, and
  # its servers (container names) replaced by the nodes' ports. HAProxy
  # takes its maxconn from this shell's open-file limit.
  {
    sed -e "s/bind :8080/bind 127.0.0.1:$port/" -e "s/bind :8404/bind 127.0.0.1:$stats_port/" \
      ${check_inter:+-e "s/ inter [0-9a-z]* / inter $check_inter /"} \
      -e '/^    server chatd/d' deploy/haproxy.cfg
    for i in $(seq "$nodes"); do
      echo "    server chatd$i 127.0.0.1:$((port + i))"
    done
  } >"$dir/haproxy.cfg"
  haproxy -c -q -f "$dir/haproxy.cfg" || die "haproxy refused $dir/haproxy.cfg"
  setsid haproxy -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
  echo $! >"$dir/haproxy.pid"

  for i in $(seq "$nodes"); do
    wait_ok "http://127.0.0.1:$((port + i))/readyz" 30 || die "node $i is not ready: $dir/chatd-$i.log"
  done
  wait_ok "http://127.0.0.1:$port/readyz" 30 || die "HAProxy does not answer on $port"
  echo "cluster: $nodes nodes behind http://127.0.0.1:$port/ (store $store_url, bus $bus_url, files in $dir)"
}

case "$cmd" in
  up) up ;;
  down) down ;;
  pids) pids ;;
  kill-node|start-node)
    [[ "$arg" =~ ^[0-9]+$ ]] && [ "$arg" -ge 1 ] && [ "$arg" -le "$nodes" ] || die "$cmd: no node '$arg' (1..$nodes)"
    pidfile="$dir/chatd-$arg.pid"
    if [ "$cmd" = kill-node ]; then
      [ -f "$pidfile" ] || die "node $arg is not running"
      pid=$(cat "$pidfile")
      # The pid file goes first, so nothing later signals a pid the system may give another process.
      rm -f "$pidfile"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do sleep 0.02; done
      exit 0
    fi
    start_node "$arg"
    wait_ok "http://127.0.0.1:$((port + arg))/readyz" 30 || die "node $arg is not ready: $dir/chatd-$arg.log" ;;
  pg)
    case "$arg" in
      stop) as_pg "$pgbin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null ;;
      start) pg_start ;;
      *) die "pg: stop or start" ;;
    esac ;;
  *) die "usage: $0 up|down|pids|kill-node I|start-node I|pg stop|start [options] (see the top of the file)" ;;
esac
