#!/usr/bin/env bash
# The door rush, end to end: builds Release, starts `concertmania serve` on 127.0.0.1 with a
# fresh data directory, and runs bench_door_rush against it (every ticket scanned once).
#   bench/door_rush.sh [tickets] [connections]      (defaults: 50000 64)
set -euo pipefail
one_address_for_all="--signup-rate-per-ip 0 --login-rate-per-ip 0 --max-connections-per-ip 0"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tickets="${1:-50000}"
connections="${2:-64}"
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-door.XXXXXX)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania bench_door_rush bench_ticket_verify >/dev/null

"$build/app/concertmania" serve --data "$work/data" --address 127.0.0.1 --port 0 \
  --port-file "$work/port" --fast-password-hash --admin-email bench-admin@bench.io \
  --admin-password bench-admin-pass --hold-rate 0 $one_address_for_all --access-log false \
  --log-level warn &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
"$build/bench/bench_door_rush" --port "$(cat "$work/port")" --admin-email bench-admin@bench.io \
  --admin-password bench-admin-pass --tickets "$tickets" --connections "$connections" \
  --server-pid "$server_pid"
"$build/bench/bench_ticket_verify" --codes 50000
