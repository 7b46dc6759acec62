#!/usr/bin/env bash
# Sets up, builds and runs every test: the Release build, a smoke run of the
# benchmarks, every test under AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included), each fuzz harness for a minute, and the actor
# tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

echo "== release build and tests"
scripts/build.sh release
ctest --test-dir build --output-on-failure --timeout 300

echo "== web client in headless Chromium"
scripts/test-browser.sh

echo "== kill -9 audit and soak, short form (docs/reliability.md)"
scripts/reliability.sh --short

echo "== load generator's peers (Node ws, Socket.IO) and the matrix report"
(cd loadtest/peers && npm ci --no-audit --no-fund --loglevel=error && npm test)

echo "== container image (podman: build, run, chat, SIGTERM, history on the volume)"
scripts/test-container.sh

echo "== deploy/compose.yaml (podman-compose: PostgreSQL, Redis, three chatd, HAProxy; the web client through it)"
scripts/test-compose.sh

echo "== benchmark smoke run (tiny sizes: checks they run, measures nothing)"
scripts/bench-actor.sh --smoke

echo "== AddressSanitizer + UndefinedBehaviorSanitizer"
scripts/build.sh asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure --timeout 600

echo "== fuzzing: each libFuzzer harness for 60 s (clang, ASan + UBSan)"
scripts/fuzz.sh 60

echo "== ThreadSanitizer (the multi-threaded parts: actor core, Asio executor)"
scripts/build.sh tsan --target actor_tests net_tests
for t in build-tsan/tests/actor/actor_tests build-tsan/tests/net_tests; do
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "$t" --gtest_brief=1
done

echo "all test suites passed"
