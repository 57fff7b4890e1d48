#!/usr/bin/env bash
# An online backup during a flash sale, both sides in one run, on this machine, loopback only:
#  1. a flash sale (bench_http_holds) with no backup;
#  2. the same sale on a fresh server while `concertmania backup` copies a backup out every
#     few seconds;
# then prints each backup's time and size, the sequencer's pause for the snapshot copy (from
# the server's log), and both sales' figures (throughput and latency percentiles).
#   bench/backup_under_load.sh [seconds] [connections] [backup interval, s]   (10 64 3)
set -euo pipefail
one_address_for_all="--signup-rate-per-ip 0 --login-rate-per-ip 0 --max-connections-per-ip 0"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
connections="${2:-64}"
interval="${3:-3}"
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-backup.XXXXXX)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania bench_http_holds >/dev/null

start_server() {  # $1: data directory
  rm -f "$work/port"
  "$build/app/concertmania" serve --data "$1" --address 127.0.0.1 --port 0 \
    --port-file "$work/port" --fast-password-hash --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --hold-rate 0 $one_address_for_all --access-log false \
    --log-level info 2>"$1.log" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
}

sale() {
  "$build/bench/bench_http_holds" --port "$(cat "$work/port")" --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --connections "$connections" --seconds "$seconds" \
    --server-pid "$server_pid"
}

echo "== 1. flash sale, no backup ($connections connections, ${seconds}s)"
start_server "$work/plain"
sale
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true

echo "== 2. the same sale, a backup copied out every ${interval}s"
start_server "$work/backed"
sale &
sale_pid=$!
n=0
while kill -0 "$sale_pid" 2>/dev/null && [ "$n" -lt 20 ]; do
  sleep "$interval"
  kill -0 "$sale_pid" 2>/dev/null || break
  n=$((n + 1))
  t0=$(date +%s%N)
  "$build/app/concertmania" backup --url "http://127.0.0.1:$(cat "$work/port")" \
    --to "$work/copy-$n" --email bench-admin@bench.io --password bench-admin-pass
  echo "   backup $n: $(( ($(date +%s%N) - t0) / 1000000 )) ms end to end (login, backup, copy, check)"
done
wait "$sale_pid"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
echo "== the sequencer's pause for each backup's snapshot copy, and the backups written"
grep -E "snapshot of seq [0-9]+ copied|backup of seq" "$work/backed.log" | sed 's/^.*\] //'
