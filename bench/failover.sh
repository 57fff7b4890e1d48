#!/usr/bin/env bash
# Failover time: from SIGKILL of the leader to the first write the new leader takes, with the
# leader elected through etcd (a 3-member cluster on loopback, Debian's etcd-server) and the
# journal replicated to librdkafka's mock cluster (bench/mock_kafka; not Kafka: no disk).
# Each round: the leader takes signups for a second (a standby follows), then is killed with
# SIGKILL; a client sends a signup to the standby every 10 ms until one is answered 201. The
# killed leader then comes back as the next round's standby (cutting any tail Kafka never got),
# so the two data directories take turns.
#   bench/failover.sh [rounds] [lease_ttl_s]   (5 5: the default lease)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-5}"
ttl="${2:-5}"
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-failover.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh" --for-tests >/dev/null
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania mock_kafka >/dev/null

# etcd: three members on ports picked from this process's id.
base=$((20000 + $$ % 20000))
cluster=""
for i in 0 1 2; do cluster+="${cluster:+,}m$i=http://127.0.0.1:$((base + 10 + i))"; done
endpoints=""
for i in 0 1 2; do
  etcd --name "m$i" --data-dir "$work/etcd$i" --logger zap --log-level error \
    --listen-client-urls "http://127.0.0.1:$((base + i))" \
    --advertise-client-urls "http://127.0.0.1:$((base + i))" \
    --listen-peer-urls "http://127.0.0.1:$((base + 10 + i))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((base + 10 + i))" \
    --initial-cluster "$cluster" 2>"$work/etcd$i.log" &
  pids+=($!)
  endpoints+="${endpoints:+,}http://127.0.0.1:$((base + i))"
done
for i in 0 1 2; do
  for _ in $(seq 100); do
    curl -s "http://127.0.0.1:$((base + i))/health" | grep -q '"true"' && break
    sleep 0.1
  done
done
"$build/bench/mock_kafka" --brokers 3 --replication-factor 3 --bootstrap-file "$work/kafka" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/kafka" ] && break; sleep 0.1; done
brokers="$(cat "$work/kafka")"

start() {  # $1: name (data dir and port file), $2: role; sets started_pid
  rm -f "$work/$1.port"
  local role_flags=(--replicate-to-kafka "$brokers")
  [ "$2" = standby ] && role_flags=(--role standby --replicate-from-kafka "$brokers")
  "$build/app/concertmania" serve --data "$work/$1" --address 127.0.0.1 --port 0 \
    --port-file "$work/$1.port" --fast-password-hash --signup-rate-per-ip 0 \
    --login-rate-per-ip 0 --access-log false --log-level info --jwt-secret "bench-failover-secret-0123456789abcdef0123" \
    --elect-with-etcd "$endpoints" --etcd-lease-ttl-s "$ttl" "${role_flags[@]}" \
    2>>"$work/$1.log" &
  started_pid=$!
  disown "$started_pid"  # its SIGKILL is the point, not news
  pids+=("$started_pid")
  for _ in $(seq 300); do [ -s "$work/$1.port" ] && break; sleep 0.1; done
  [ -s "$work/$1.port" ] || { tail -5 "$work/$1.log"; exit 1; }
}

signup() {  # $1: port, $2: email; prints the HTTP status
  curl -s -o /dev/null -w '%{http_code}' --max-time 1 -X POST \
    -H 'Content-Type: application/json' "http://127.0.0.1:$1/api/users/signup" \
    -d "{\"email\":\"$2\",\"password\":\"password-123\",\"name\":\"Fan\"}" || true
}

start a leader
leader=a leader_pid=$started_pid
start b standby
standby=b standby_pid=$started_pid
times=()
for round in $(seq "$rounds"); do
  leader_port=$(cat "$work/$leader.port")
  standby_port=$(cat "$work/$standby.port")
  for k in $(seq 20); do signup "$leader_port" "r$round-$k@bench.io" >/dev/null; sleep 0.05; done
  t0=$(date +%s%N)
  kill -9 "$leader_pid"
  tries=0
  until [ "$(signup "$standby_port" "first-$round-$tries@bench.io")" = 201 ]; do
    tries=$((tries + 1))
    [ "$tries" -gt 3000 ] && { echo "round $round: no write taken in 30 s"; tail "$work/$standby.log"; exit 1; }
    sleep 0.01
  done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  times+=("$ms")
  echo "round $round: SIGKILL -> first write on the new leader: $ms ms (lease ${ttl} s)"
  # The killed leader's data comes back as the next standby.
  start "$leader" standby
  old=$leader
  leader=$standby leader_pid=$standby_pid
  standby=$old standby_pid=$started_pid
  sleep 1
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "failover over $rounds rounds (ms): min $(echo "$sorted" | head -1)," \
  "median $(echo "$sorted" | sed -n "$(( (rounds + 1) / 2 ))p"), max $(echo "$sorted" | tail -1)"
grep -h "promotion: leader of term" "$work"/a.log "$work"/b.log | sed 's/^.*promotion: /  /' || true
