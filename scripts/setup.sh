#!/usr/bin/env bash
# Installs what chatd needs to build and test from Debian 12's packages.
# Does nothing when everything is already installed.
set -euo pipefail

packages=(
  g++ cmake ninja-build
  libboost-dev libboost-system-dev libsimdjson-dev libspdlog-dev libsqlite3-dev
  libssl-dev  # HMAC-SHA256 for JWT sign-in
  libgtest-dev libbenchmark-dev
  libcaf-dev  # the peer our actor core is benchmarked against
)

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
