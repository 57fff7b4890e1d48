#!/usr/bin/env bash
# The live seat map fan-out benchmark: for each subscriber count, a fresh `concertmania serve`
# (Release, loopback only) and bench_ws_fanout against it. Prints each run's figures, then the
# largest count whose p99 lag stayed within 100 ms with no subscriber dropped. Each run also
# reports the hold/release requests' latency, which the fan-out must not hurt.
# Usage: bench/ws_fanout.sh [seconds] [changes/s] [subscriber counts...]
set -euo pipefail
# The load generator speaks for thousands of users from one address: the per-address limits
# (signups, logins, connections) would refuse it, so they are off here, and only here.
one_address_for_all="--signup-rate-per-ip 0 --login-rate-per-ip 0 --max-connections-per-ip 0"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
rate="${2:-1000}"
shift $(( $# > 2 ? 2 : $# ))
counts=("$@")
# 0 subscribers: the booking requests' latency without any fan-out, for comparison.
[ ${#counts[@]} -gt 0 ] || counts=(0 1000 2000 5000 10000)
build="$repo/build/release"
# SERVER_BIN: another build of the server (an A/B in one sitting); default the one built here.
server_bin="${SERVER_BIN:-$build/app/concertmania}"
work="$(mktemp -d /tmp/cm-ws-fanout.XXXXXX)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania bench_ws_fanout >/dev/null
# Every subscriber is a socket on both sides.
ulimit -n "$(ulimit -Hn)"

results=()
for n in "${counts[@]}"; do
  echo "== $n subscribers, $rate changes/s, ${seconds}s"
  rm -rf "$work/data" "$work/port"
  "$server_bin" serve --data "$work/data" --address 127.0.0.1 --port 0 \
    --port-file "$work/port" --fast-password-hash --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --hold-rate 0 $one_address_for_all --log-level warn ${SERVE_FLAGS:-} >/dev/null 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  if [ -n "${PERF_WS:-}" ]; then (sleep 6; perf record ${PERF_ARGS:--g} -p $server_pid -o /tmp/m/perf_ws.data -- sleep ${PERF_SECONDS:-3} >/dev/null 2>&1) & fi
  "$build/bench/bench_ws_fanout" --port "$(cat "$work/port")" --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --subscribers "$n" --changes-per-s "$rate" \
    --seconds "$seconds" --server-pid "$server_pid" | tee "$work/run.txt" || true
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
  results+=("$n $(grep '^BENCH_JSON' "$work/run.txt" | sed 's/^BENCH_JSON //')")
done

echo "== Summary"
printf '%s\n' "${results[@]}" > "$work/results.txt"
python3 - "$work/results.txt" <<'PY'
import json, sys
best = None
print(f"{'subscribers':>11} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'dropped':>8} {'changes/s':>10} "
      f"{'hold p99 ms':>12} {'server CPU':>11} {'client CPU':>11}")
for line in open(sys.argv[1]):
    n, _, js = line.strip().partition(" ")
    if not js:
        print(f"{n:>11} (no result)")
        continue
    r = json.loads(js)
    p99 = r["lag_p99"] / 1000
    print(f"{n:>11} {r['lag_p50'] / 1000:8.1f} {p99:8.1f} {r['lag_max'] / 1000:8.1f} "
          f"{int(r['dropped_subscribers']):8d} {r['changes_per_s']:10.0f} "
          f"{r['hold_release_request_p99'] / 1000:12.1f} {r.get('server_cpu', 0):10.0f}% {r['client_cpu']:10.0f}%")
    if int(n) > 0 and p99 <= 100 and r["dropped_subscribers"] == 0 and r["subscribed"] == int(n):
        best = max(best or 0, int(n))
print(f"largest subscriber count with p99 <= 100 ms and none dropped: {best}")
PY
