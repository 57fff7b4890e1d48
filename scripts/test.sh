#!/usr/bin/env bash
# The whole test suite, as README.md gives it and .ci/run calls it:
#   1. install missing Debian packages (scripts/install-deps.sh --for-tests, quiet when all are
#      present; the tests also need Chromium);
#   2. Release build and every CTest test; then, alone, the container test (label `container`:
#      deploy/Dockerfile built from the Release programs and run under Docker);
#   3. ASan+UBSan build of the unit and storage tests (only what they link; -O1 -g1);
#   4. ThreadSanitizer build of the concurrency tests (ring, pipeline, live feed), likewise;
#   5. libFuzzer build (clang, ASan+UBSan) and a few seconds of each fuzzer over its corpus.
# Each configuration builds in its own directory under build/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --for-tests

run_suite() {
  local preset=$1 labels=$2 bench=$3 server=$4
  shift 4
  echo "== ${preset}: configure, build, test (${labels:-all tests})"
  cmake --preset "$preset" -DCM_TEST_LABELS="$labels" -DCM_BUILD_BENCH="$bench" \
    -DCM_BUILD_SERVER="$server" >/dev/null
  cmake --build --preset "$preset"
  ctest --test-dir "build/$preset" --output-on-failure --no-tests=error -j "$(nproc)" "$@"
}

# Benchmarks are compiled in the Release build only (sanitizer builds would not run them).
run_suite release "" ON ON -LE container
# Docker's build and containers would compete with the parallel tests for the two cores.
echo "== container: deploy/Dockerfile under Docker"
ctest --test-dir build/release --output-on-failure --no-tests=error -L container
run_suite asan "unit;storage" OFF ON
run_suite tsan "concurrency" OFF ON
# The fuzz preset builds only the fuzzers (its build preset's target), and CTest runs their smoke.
echo "== fuzz: configure, build, a short run of each fuzzer"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
ctest --test-dir build/fuzz --output-on-failure --no-tests=error -L fuzz -j "$(nproc)"
echo "== all test suites passed"
