#!/usr/bin/env bash
# The live seat map fan-out with read replicas, against one node alone, in one run (Release,
# loopback only):
#  1. one server: the seat changes and every WebSocket subscriber on it (bench/ws_fanout.sh's
#     setup);
#  2. a leader journaling to librdkafka's mock cluster (bench/mock_kafka: 3 brokers, RF 3) and
#     two `--role replica` servers following it: the seat changes go to the leader, the
#     subscribers are split between the replicas, and their lag counts from when the leader
#     sent each batch to the log (`leaderSentAtUs`), so Kafka and the replica are in it.
# Everything shares this machine's 2 cores: four processes, and the client, instead of two.
#   bench/ws_fanout_replicas.sh [seconds] [changes/s] [subscribers]   (10 1000 10000)
set -euo pipefail
# One client address speaks for every user: the per-address limits are off here, and only here.
one_address_for_all="--signup-rate-per-ip 0 --login-rate-per-ip 0 --max-connections-per-ip 0"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
rate="${2:-1000}"
subscribers="${3:-10000}"
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-ws-replicas.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania bench_ws_fanout mock_kafka >/dev/null
ulimit -n "$(ulimit -Hn)"  # every subscriber is a socket on both sides

secret="bench-fanout-replicas-secret-0123456789abcdef"
serve() {  # $1: name (data dir, port file, log); the rest: role flags. Sets served_pid.
  local name="$1"
  shift
  "$build/app/concertmania" serve --data "$work/$name" --address 127.0.0.1 --port 0 \
    --port-file "$work/$name.port" --fast-password-hash --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --hold-rate 0 $one_address_for_all --jwt-secret "$secret" \
    --access-log false --log-level warn "$@" >/dev/null 2>"$work/$name.log" &
  served_pid=$!
  pids+=("$served_pid")
  for _ in $(seq 150); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
  [ -s "$work/$name.port" ] || { echo "$name did not start:"; cat "$work/$name.log"; exit 1; }
}
port() { cat "$work/$1.port"; }
fanout() {  # $1: result name; the rest: bench_ws_fanout's flags
  local name="$1"
  shift
  "$build/bench/bench_ws_fanout" --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --subscribers "$subscribers" --changes-per-s "$rate" \
    --seconds "$seconds" "$@" | tee "$work/$name.txt" || true
}

echo "== 1. one node: $subscribers subscribers, $rate changes/s, ${seconds}s"
serve alone
alone_pid=$served_pid
fanout alone --port "$(port alone)" --server-pid "$alone_pid"
kill -TERM "$alone_pid"; wait "$alone_pid" || true

echo "== 2. a leader and two read replicas through Kafka (mock, 3 brokers, RF 3)"
"$build/bench/mock_kafka" --brokers 3 --replication-factor 3 --bootstrap-file "$work/kafka" &
pids+=("$!")
for _ in $(seq 100); do [ -s "$work/kafka" ] && break; sleep 0.1; done
brokers="$(cat "$work/kafka")"
serve leader --replicate-to-kafka "$brokers"
leader_pid=$served_pid
leader_url="http://127.0.0.1:$(port leader)"
serve replica1 --role replica --replicate-from-kafka "$brokers" --leader-url "$leader_url"
replica1_pid=$served_pid
serve replica2 --role replica --replicate-from-kafka "$brokers" --leader-url "$leader_url"
replica2_pid=$served_pid
fanout replicas --port "$(port leader)" --subscribe-ports "$(port replica1),$(port replica2)" \
  --server-pid "$leader_pid,$replica1_pid,$replica2_pid"
for r in replica1 replica2; do
  echo "   $r: $(curl -s "http://127.0.0.1:$(port "$r")/metrics" |
    grep -E '^cm_follower_(batches_total|lag_seconds|state_checks_total)' | tr '\n' ' ')"
done

echo "== Summary"
python3 - "$work/alone.txt" "$work/replicas.txt" <<'PY'
import json, sys
print(f"{'setup':>22} {'lag p50 ms':>10} {'p99 ms':>8} {'p99.9 ms':>9} {'max ms':>8} "
      f"{'subscribed':>10} {'dropped':>8} {'gaps':>5} {'changes/s':>10} {'hold p99 ms':>12} {'servers CPU':>12}")
for label, path in (("one node", sys.argv[1]), ("leader + 2 replicas", sys.argv[2])):
    line = next((l for l in open(path) if l.startswith("BENCH_JSON ")), None)
    if line is None:
        print(f"{label:>22} (no result)")
        continue
    r = json.loads(line[len("BENCH_JSON "):])
    print(f"{label:>22} {r['lag_p50'] / 1000:10.1f} {r['lag_p99'] / 1000:8.1f} "
          f"{r['lag_p99_9'] / 1000:9.1f} {r['lag_max'] / 1000:8.1f} {int(r['subscribed']):10d} "
          f"{int(r['dropped_subscribers']):8d} {int(r['gaps']):5d} {r['changes_per_s']:10.0f} "
          f"{r['hold_release_request_p99'] / 1000:12.1f} {r.get('server_cpu', 0):11.0f}%")
PY
