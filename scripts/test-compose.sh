#!/usr/bin/env bash
# Runs deploy/compose.yaml with podman-compose and proves the cluster it
# describes works: PostgreSQL, Redis, three chatd and HAProxy come up; all
# three nodes pass HAProxy's /readyz check; the web client, loaded through
# HAProxy in headless Chromium, chats between two people on different
# nodes; a node stopped with SIGTERM leaves the others serving, with the
# chat's history intact. Then everything is taken down, volume included.
#
# Reuses the chatd image scripts/test-container.sh built (CHATD_IMAGE,
# default localhost/chatd:test) and its debian:bookworm base; builds the
# PostgreSQL, Redis and HAProxy images from deploy/images/. Needs root
# (podman's store), podman, runc, podman-compose, the CNI dnsname plugin
# and Node 20 with tests/browser's packages (scripts/setup.sh --test).
#   CHATD_IMAGE       the chatd image to run (default localhost/chatd:test)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=CHATD_IMAGE,PATH -- "$0" "$@"
fi

export CHATD_IMAGE="${CHATD_IMAGE:-localhost/chatd:test}"
project="chatd-compose-$$"
compose=(podman-compose --project-name "$project" --file deploy/compose.yaml)
workdir="$(mktemp -d /var/tmp/chatd-compose.XXXXXX)"

fail() {
  echo "test-compose: FAILED: $*" >&2
  exit 1
}

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    for c in $(podman ps --all --filter "label=io.podman.compose.project=$project" --format '{{.Names}}'); do
      echo "--- last log lines of $c" >&2
      podman logs --tail 20 "$c" >&2 2>&1 || true
    done
  fi
  # By hand, not podman-compose down: 1.0.3's leaves the network and the
  # containers' anonymous volumes (the images' VOLUMEs).
  for c in $(podman ps --all --quiet --filter "label=io.podman.compose.project=$project"); do
    podman rm --force --volumes --time 0 "$c" >/dev/null 2>&1 || true
  done
  podman volume rm --force "${project}_pgdata" >/dev/null 2>&1 || true
  podman network rm --force "${project}_default" >/dev/null 2>&1 || true
  rm -rf "$workdir"
  exit "$rc"
}
trap cleanup EXIT

for tool in podman runc podman-compose node; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup.sh --test installs it)"
done
[ -x /usr/lib/cni/dnsname ] || fail "the CNI dnsname plugin is missing: the nodes find PostgreSQL, Redis and each other by name (scripts/setup.sh --test installs it)"
podman image exists "$CHATD_IMAGE" || fail "no image $CHATD_IMAGE: scripts/test-container.sh builds it"
podman image exists docker.io/library/debian:bookworm || fail "no debian:bookworm base image: scripts/test-container.sh makes it"

# What this machine needs of podman, not what the compose file says: crun
# fails here, and the open-file limit cannot be raised past 20000 (podman's
# default asks for more).
cat >"$workdir/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$workdir/containers.conf"

# Two free ports on loopback for HAProxy's chat and stats fronts.
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
export CHATD_HTTP_PORT; CHATD_HTTP_PORT="$(free_port)"
export CHATD_STATS_PORT; CHATD_STATS_PORT="$(free_port)"
export POSTGRES_PASSWORD="compose-test-$$-$RANDOM"
url="http://127.0.0.1:$CHATD_HTTP_PORT"
stats="http://127.0.0.1:$CHATD_STATS_PORT/stats;csv"

t_start=$SECONDS
echo "== building the PostgreSQL, Redis and HAProxy images (deploy/images/)"
"${compose[@]}" build >"$workdir/build.log" 2>&1 || { tail -n 30 "$workdir/build.log" >&2; fail "podman-compose build failed (log above)"; }

echo "== podman-compose up: PostgreSQL, Redis, chatd1..3, HAProxy on 127.0.0.1:$CHATD_HTTP_PORT"
"${compose[@]}" up -d >"$workdir/up.log" 2>&1 || { tail -n 30 "$workdir/up.log" >&2; fail "podman-compose up failed (log above)"; }

# The status HAProxy gives each chatd node, "chatd1 UP" lines, where UP
# means its last health check (GET /readyz) passed: HAProxy counts a
# server it has not checked yet as up.
node_status() {
  curl -fsS --max-time 5 "$stats" 2>/dev/null | awk -F, '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "chatd" && $2 ~ /^chatd[0-9]$/ {
      status = $col["status"]
      if (status == "UP" && $col["check_status"] != "L7OK") status = "UNCHECKED"
      print $2, status
    }' | sort
}

# Waits (at most $2 s, polling) until HAProxy's view of the nodes, on one
# line ("chatd1 UP chatd2 UP chatd3 UP "), matches the regular expression $1.
wait_status() {
  local want="$1" limit="$2" t0=$SECONDS got
  until got="$(node_status | tr '\n' ' ')"; [[ "$got" =~ $want ]]; do
    [ $((SECONDS - t0)) -lt "$limit" ] || fail "HAProxy's view of the nodes is '$got', not /$want/ after $limit s"
    sleep 1
  done
  echo "HAProxy: ${got}after $((SECONDS - t0)) s"
}
# First start: initdb, then each node applies the schema and reaches Redis.
wait_status '^chatd1 UP chatd2 UP chatd3 UP $' 180

page="$(curl -fsS --max-time 5 "$url/")" || fail "GET / through HAProxy failed"
[[ "$page" == *'<title>chatd</title>'* ]] || fail "GET / through HAProxy is not the web client"
echo "GET / through HAProxy serves the web client"

echo "== the web client through HAProxy, in headless Chromium"
(cd tests/browser && { [ -d node_modules/playwright-core ] || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error; } \
  && CHATD_COMPOSE_URL="$url" CHATD_COMPOSE_STATS="$stats" \
     node --experimental-websocket --test --test-force-exit compose.test.mjs) \
  || fail "the web client through the compose cluster"

echo "== one node stopped (SIGTERM): the others serve, the history is intact"
stopped="$(podman ps --filter "label=io.podman.compose.project=$project" --filter "label=com.docker.compose.service=chatd1" --format '{{.Names}}')"
[ -n "$stopped" ] || fail "no running container for chatd1"
podman stop --time 30 "$stopped" 2> >(grep -v 'unable to get systemd connection' >&2) >/dev/null || fail "podman stop $stopped failed"
code="$(podman inspect --format '{{.State.ExitCode}}' "$stopped")"
[ "$code" = 0 ] || fail "$stopped exited with $code on SIGTERM"
# DOWN once its checks fail, or MAINT once its name no longer resolves.
wait_status '^chatd1 (DOWN|MAINT)[^c]* chatd2 UP chatd3 UP $' 30
node --experimental-websocket scripts/container-chat.mjs history "ws://127.0.0.1:$CHATD_HTTP_PORT/ws" compose-test "Hello from the compose cluster" \
  || fail "the history through HAProxy after chatd1 stopped"
node --experimental-websocket scripts/container-chat.mjs send "ws://127.0.0.1:$CHATD_HTTP_PORT/ws" compose-test "Sent with chatd1 down" \
  || fail "chat through HAProxy after chatd1 stopped"

echo "compose test passed in $((SECONDS - t_start)) s"
