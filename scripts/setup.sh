#!/usr/bin/env bash
# Installs what chatd needs from Debian 12's packages. Does nothing when
# everything is already installed.
#   scripts/setup.sh         what building and running chatd needs
#   scripts/setup.sh --test  also what the tests need: Node.js (browser tests,
#                            load-test peers), Chromium, podman (container test),
#                            clang (fuzzing)
set -euo pipefail

packages=(
  g++ cmake ninja-build
  libboost-dev libboost-system-dev libsimdjson-dev libspdlog-dev libsqlite3-dev
  libssl-dev  # HMAC-SHA256 for JWT sign-in
  libpq-dev   # PostgreSQL's client library: --store postgres://... (cluster mode)
  libgtest-dev libbenchmark-dev
  libcaf-dev  # the peer our actor core is benchmarked against
  libhiredis-dev pkg-config  # the cluster bus (--bus redis://...): Redis's C client, found by pkg-config
)
if [ "${1:-}" = "--test" ]; then
  packages+=(
    chromium                   # the browser tests drive Debian's Chromium
    fonts-noto-color-emoji     # so screenshots show emoji, not boxes
    podman runc debootstrap    # the container test (no Docker engine here)
    podman-compose golang-github-containernetworking-plugin-dnsname  # deploy/compose.yaml's test: nodes find each other by name
    util-linux                 # taskset pins servers in the load-test matrix
    sqlite3                    # the kill -9 audit reads the database file too
    postgresql-15              # the PostgreSQL store's tests start a server in a temp folder
    clang libclang-rt-14-dev   # libFuzzer and its sanitizers (scripts/fuzz.sh)
    redis-server haproxy       # the cluster tests: a throwaway Redis, and deploy/haproxy.cfg checked
    curl                       # scripts/cluster.sh (the cluster's fault tests) waits on each node's /readyz
  )
  # Node.js: the machine's own when it has one (it may be newer than Debian's).
  command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
