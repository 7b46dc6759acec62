#!/usr/bin/env bash
# Sets up, builds and runs the main job. Until the chat server lands, that is
# the actor core's example: a supervised counter service.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release --target counter_service
exec build/examples/counter_service
