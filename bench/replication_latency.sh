#!/usr/bin/env bash
# What replicating the journal to Kafka adds to a flash sale, both sides in one run, on this
# machine, loopback only:
#  1. a flash sale (bench_http_holds) on a server journaling to its local disk alone;
#  2. the same sale on a fresh server with --replicate-to-kafka, to librdkafka's mock cluster
#     (bench/mock_kafka: 3 brokers in one process, a topic of replication factor 3, RTT_MS of
#     round trip per broker), in Kafka transactions (the default);
#  3. the same again with --no-kafka-transactions (each batch acknowledged on delivery).
# The mock is not Kafka (no disk, no replication between brokers): the figure is the client's
# side of it, a round trip overlapped with the local sync, not a real cluster's commit time.
#   bench/replication_latency.sh [seconds] [connections] [rtt_ms]   (10 64 0)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
connections="${2:-64}"
rtt_ms="${3:-0}"
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-replication.XXXXXX)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${kafka_pid:-}" ] && kill "$kafka_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania bench_http_holds mock_kafka >/dev/null

source "$repo/bench/http_sale.sh"

metric() {  # the server's /metrics lines starting with $1
  curl -s "http://127.0.0.1:$(cat "$work/port")/metrics" | grep "^$1" || true
}

echo "== 1. flash sale, local journal only ($connections connections, ${seconds}s)"
start_server "$work/local"
sale
stop_server

start_kafka() {  # a fresh mock cluster for each replicated sale: each starts on an empty topic
  if [ -n "${kafka_pid:-}" ]; then
    kill "$kafka_pid" 2>/dev/null || true
    wait "$kafka_pid" 2>/dev/null || true
  fi
  rm -f "$work/kafka"
  "$build/bench/mock_kafka" --brokers 3 --replication-factor 3 --rtt-ms "$rtt_ms" \
    --bootstrap-file "$work/kafka" &
  kafka_pid=$!
  for _ in $(seq 100); do [ -s "$work/kafka" ] && break; sleep 0.1; done
}

replication_metrics() {
  echo "   the wait for Kafka after each local sync, and where replication stands:"
  metric cm_replication_wait_seconds_
  metric "cm_replication_\(replicated_seq\|batches_total\|bytes_total\|stalls_total\)"
  metric "cm_replication_transaction"
  metric cm_journal_sync_seconds_count
}

echo "== 2. the same sale, replicated to the mock cluster (3 brokers, RF 3, RTT ${rtt_ms} ms)," \
  "in Kafka transactions"
start_kafka
start_server "$work/replicated" --replicate-to-kafka "$(cat "$work/kafka")"
sale
replication_metrics
stop_server

echo "== 3. the same sale, replicated without transactions (--no-kafka-transactions)"
start_kafka
start_server "$work/plain" --replicate-to-kafka "$(cat "$work/kafka")" --no-kafka-transactions
sale
replication_metrics
stop_server
