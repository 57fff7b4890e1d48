#!/usr/bin/env bash
# Runs the libFuzzer targets for real (the test suite only smokes them for seconds).
# Usage: scripts/fuzz.sh [runs per target, default 10000000] [targets...]
# New inputs go to build/fuzz/fuzz/found/<target>/ (merge the interesting ones into
# fuzz/corpus/<target>/ by hand); a crash leaves its input in the working directory.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10000000}"
shift $(( $# > 0 ? 1 : 0 ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_event_record fuzz_snapshot fuzz_jwt fuzz_request_body fuzz_http_request)
scripts/install-deps.sh --for-tests
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
for t in "${targets[@]}"; do
  echo "== $t: $runs runs"
  mkdir -p "build/fuzz/fuzz/found/$t"
  "build/fuzz/fuzz/$t" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "build/fuzz/fuzz/found/$t" "fuzz/corpus/$t" 2>&1 | grep -E "^stat::|Done|ERROR|SUMMARY|exec/s" | tail -8
done
