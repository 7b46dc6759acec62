#!/usr/bin/env bash
# Sets up, builds and starts chatd on SQLite (./data/chat.db) with the web
# client at http://localhost:8080. Extra arguments go to chatd (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release --target chatd
exec build/server/chatd "$@"
