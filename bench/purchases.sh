#!/usr/bin/env bash
# End-to-end purchases (hold -> pay -> confirmed) through concertmania-fakepg, once per
# provider latency (default 5 ms, then 500 ms), each on a fresh server (Release, loopback
# only). For each run: bench_purchases' figures (purchases/s, request latencies, the
# sequencer's batch time), then the pay -> confirmed times from the run's journal.
# Usage: bench/purchases.sh [seconds] [provider latencies in ms...]
set -euo pipefail
# The load generator speaks for thousands of users from one address: the per-address limits
# (signups, logins, connections) would refuse it, so they are off here, and only here.
one_address_for_all="--signup-rate-per-ip 0 --login-rate-per-ip 0 --max-connections-per-ip 0"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
shift $(( $# > 0 ? 1 : 0 ))
latencies=("$@")
[ ${#latencies[@]} -gt 0 ] || latencies=(5 500)
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-purchases.XXXXXX)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${pg_pid:-}" ] && kill "$pg_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania concertmania-fakepg concertmania-replay bench_purchases >/dev/null

for ms in "${latencies[@]}"; do
  echo "== provider latency ${ms} ms, ${seconds}s"
  rm -rf "$work/data" "$work/port" "$work/pg.port"
  "$build/payments/concertmania-fakepg" --port 0 --port-file "$work/pg.port" --threads 1 \
    --latency-min-ms "$ms" --latency-max-ms "$ms" 2>/dev/null &
  pg_pid=$!
  for _ in $(seq 100); do [ -s "$work/pg.port" ] && break; sleep 0.1; done
  "$build/app/concertmania" serve --data "$work/data" --address 127.0.0.1 --port 0 \
    --port-file "$work/port" --fast-password-hash --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --hold-rate 0 $one_address_for_all --access-log false --log-level warn \
    --payment-provider-url "http://127.0.0.1:$(cat "$work/pg.port")" >/dev/null 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  "$build/bench/bench_purchases" --port "$(cat "$work/port")" --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --seconds "$seconds" || true
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=
  kill "$pg_pid"; wait "$pg_pid" 2>/dev/null || true; pg_pid=
  "$build/replay/concertmania-replay" --data "$work/data" --dump | "$build/bench/bench_purchases" --analyze-dump
done
