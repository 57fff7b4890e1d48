#!/usr/bin/env bash
# The opening minute, the headline benchmark: N fans with accounts arrive together, log in
# (real argon2id on the server's hashing pool), join the waiting room, hold a seat and pay
# through concertmania-fakepg, while a fan who logged in earlier keeps holding seats; its hold
# latency is measured before and during the storm in the same run. A fresh server with its
# production defaults (Release, loopback only), except:
#   - the per-address limits are off: the load generator speaks for every fan from one address;
#   - --hold-rate 0: the measuring fan holds and releases faster than one person would.
# Usage: bench/opening_minute.sh [fans] [connections] [waiting room: true|false]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fans="${1:-1000}"
connections="${2:-64}"
waiting_room="${3:-true}"
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-opening.XXXXXX)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${pg_pid:-}" ] && kill "$pg_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania concertmania-fakepg bench_opening_minute >/dev/null

"$build/payments/concertmania-fakepg" --port 0 --port-file "$work/pg.port" --threads 1 \
  --latency-min-ms 20 --latency-max-ms 60 --decline-ratio 0 2>/dev/null &
pg_pid=$!
for _ in $(seq 100); do [ -s "$work/pg.port" ] && break; sleep 0.1; done
"$build/app/concertmania" serve --data "$work/data" --address 127.0.0.1 --port 0 \
  --port-file "$work/port" --admin-email bench-admin@bench.io --admin-password bench-admin-pass \
  --signup-rate-per-ip 0 --login-rate-per-ip 0 --max-connections-per-ip 0 --hold-rate 0 \
  --access-log false --log-level warn \
  --payment-provider-url "http://127.0.0.1:$(cat "$work/pg.port")" >/dev/null 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.1; done
"$build/bench/bench_opening_minute" --port "$(cat "$work/port")" --admin-email bench-admin@bench.io \
  --admin-password bench-admin-pass --fans "$fans" --connections "$connections" \
  --waiting-room "$waiting_room"
server_cpu=$(awk '{print ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$server_pid/stat")
echo "server CPU over the whole run (setup included): ${server_cpu} s"
