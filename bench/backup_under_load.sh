#!/usr/bin/env bash
# An online backup during a flash sale, both sides in one run, on this machine, loopback only:
#  1. a flash sale (bench_http_holds) with no backup;
#  2. the same sale on a fresh server while `concertmania backup` copies a backup out every
#     few seconds;
# then prints each backup's time and size, the sequencer's pause for the snapshot copy (from
# the server's log), and both sales' figures (throughput and latency percentiles).
#   bench/backup_under_load.sh [seconds] [connections] [backup interval, s]   (10 64 3)
set -euo pipefail
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

source "$repo/bench/http_sale.sh"

echo "== 1. flash sale, no backup ($connections connections, ${seconds}s)"
start_server "$work/plain"
sale
stop_server

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
stop_server
echo "== the sequencer's pause for each backup's snapshot copy, and the backups written"
grep -E "snapshot of seq [0-9]+ copied|backup of seq" "$work/backed.log" | sed 's/^.*\] //'
