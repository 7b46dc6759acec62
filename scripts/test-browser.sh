#!/usr/bin/env bash
# The web client's tests in Debian's headless Chromium (playwright-core, no
# browser download) against a real chatd, and through HAProxy against a
# two-node cluster (scripts/cluster.sh). Screenshots go to
# build/browser-screenshots/. Needs `scripts/setup.sh --test` and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/server/chatd ] || scripts/build.sh release --target chatd
cd tests/browser
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
npm test
echo "browser tests passed; screenshots in build/browser-screenshots/"
