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

# The demo provider answers in 50-150 ms and declines one card in ten, so retries show. Its
# deposit notices (무통장입금) go to the server on port 8080, signed with a key made for this run.
secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$repo/build/release/payments/concertmania-fakepg" --address 127.0.0.1 --port 8090 \
  --latency-min-ms 50 --latency-max-ms 150 --decline-ratio 0.1 \
  --webhook-url http://127.0.0.1:8080/api/webhooks/deposits --webhook-secret "$secret" &
fakepg=$!
trap 'kill "$fakepg" 2>/dev/null || true' EXIT
"$repo/build/release/app/concertmania" serve --demo \
  --payment-provider-url http://127.0.0.1:8090 --payment-webhook-secret "$secret" "$@"
