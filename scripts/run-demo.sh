#!/usr/bin/env bash
# Starts Concert Mania with its embedded defaults and the demo data: installs what is missing,
# builds the server (Release), starts the fake payment provider (concertmania-fakepg) on
# 127.0.0.1:8090 beside it, and runs `concertmania serve --demo` on port 8080 with data in
# ./data, paying through that provider. Extra arguments go to `serve` (see
# `concertmania serve --help`). Ctrl-C stops both.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/install-deps.sh"
(cd "$repo" && cmake --preset release >/dev/null)
cmake --build "$repo/build/release" --target concertmania concertmania-fakepg

# The demo provider answers in 50-150 ms and declines one card in ten, so retries show.
"$repo/build/release/payments/concertmania-fakepg" --address 127.0.0.1 --port 8090 \
  --latency-min-ms 50 --latency-max-ms 150 --decline-ratio 0.1 &
fakepg=$!
trap 'kill "$fakepg" 2>/dev/null || true' EXIT
"$repo/build/release/app/concertmania" serve --demo \
  --payment-provider-url http://127.0.0.1:8090 "$@"
