#!/usr/bin/env bash
# The flash-sale benchmark, both sides in one run, on this machine, loopback only:
#  1. Concert Mania: a fresh `concertmania serve` (Release) and bench_http_holds against it.
#  2. The seed's design: PostgreSQL (Debian's package, a throwaway cluster on 127.0.0.1), one
#     transaction per hold: SELECT ... FOR UPDATE on the concert row, then the seat update and
#     the reservation insert, driven by pgbench. Set up as a competent engineer would, and the
#     settings printed: prepared statements (-M prepared), 2 pgbench threads, shared_buffers
#     sized to the data (four times its size, at least 128 MB), synchronous_commit on (each
#     hold durable before it is answered, as ours are). pgbench runs at the HTTP side's
#     connection count (once with simple statements, the old script's way), at 64 clients and
#     at 8 (a pool sized to the cores, as PgBouncer in front would give); the ratio is taken
#     against PostgreSQL's best figure.
# Prints the figures and the ratio. Usage: bench/flash_sale_vs_postgres.sh [seconds] [clients]
set -euo pipefail
# The load generator speaks for thousands of users from one address: the per-address limits
# (signups, logins, connections) would refuse it, so they are off here, and only here.
one_address_for_all="--signup-rate-per-ip 0 --login-rate-per-ip 0 --max-connections-per-ip 0"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
clients="${2:-256}"
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-flash-sale.XXXXXX)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${pgdata:-}" ] && su postgres -c "$pgbin/pg_ctl -D $pgdata -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania bench_http_holds >/dev/null

echo "== Concert Mania: HTTP flash sale ($clients connections, ${seconds}s)"
"$build/app/concertmania" serve --data "$work/data" --address 127.0.0.1 --port 0 \
  --port-file "$work/port" --fast-password-hash --admin-email bench-admin@bench.io \
  --admin-password bench-admin-pass --hold-rate 0 $one_address_for_all --log-level warn >/dev/null 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port")"
"$build/bench/bench_http_holds" --port "$port" --admin-email bench-admin@bench.io \
  --admin-password bench-admin-pass --connections "$clients" --seconds "$seconds" \
  --server-pid "$server_pid" | tee "$work/cm.txt"
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
cm_rps="$(sed -n 's/.*"requests_per_s":\([0-9.e+]*\).*/\1/p' "$work/cm.txt")"
cm_cpu="$(sed -n 's/.*"server_cpu_us_per_request":\([0-9.e+]*\).*/\1/p' "$work/cm.txt")"

echo "== PostgreSQL: SELECT ... FOR UPDATE on the concert row (pgbench, $clients clients, ${seconds}s)"
if ! command -v pgbench >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1; then
  echo "installing postgresql (Debian package) for the comparison" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
pgdata="$work/pg"
mkdir -p "$pgdata" && chown postgres "$work" "$pgdata"
su postgres -c "$pgbin/initdb -D $pgdata -A trust >/dev/null"
pg_start() {  # $1: shared_buffers
  su postgres -c "$pgbin/pg_ctl -D $pgdata -l $work/pg.log -w -o '-h 127.0.0.1 -p 55432 -k $work -c max_connections=$((clients + 20)) -c shared_buffers=$1 -c synchronous_commit=on -c fsync=on' start >/dev/null"
}
pg_stop() { su postgres -c "$pgbin/pg_ctl -D $pgdata -m fast -w stop >/dev/null"; }
pg_start 128MB
psql=( "$pgbin/psql" -h 127.0.0.1 -p 55432 -U postgres -q -v ON_ERROR_STOP=1 )
"${psql[@]}" postgres <<'SQL'
CREATE TABLE concerts (id bigint PRIMARY KEY, title text);
CREATE TABLE seats (id bigint PRIMARY KEY, concert_id bigint NOT NULL REFERENCES concerts,
                    status text NOT NULL DEFAULT 'AVAILABLE', reservation_id bigint);
CREATE TABLE reservations (id bigserial PRIMARY KEY, user_id bigint NOT NULL,
                           concert_id bigint NOT NULL, seat_id bigint NOT NULL,
                           created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO concerts VALUES (1, 'Bench Flash Sale');
INSERT INTO seats (id, concert_id) SELECT g, 1 FROM generate_series(1, 50000) g;
VACUUM ANALYZE;
SQL
# shared_buffers: four times the data (tables and indexes), at least 128 MB, so every page
# stays in memory through the runs.
data_mb="$("${psql[@]}" -At postgres -c "SELECT ceil(pg_database_size('postgres') / 1048576.0)")"
buffers_mb=$(( data_mb * 4 > 128 ? data_mb * 4 : 128 ))
pg_stop
pg_start "${buffers_mb}MB"
echo "postgres $("${psql[@]}" -At postgres -c 'SHOW server_version'): data ${data_mb} MB;" \
  "$("${psql[@]}" -At postgres -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers','synchronous_commit','fsync','wal_level','max_connections','wal_sync_method','commit_delay')")"
cat > "$work/hold.sql" <<'SQL'
\set seat random(1, 50000)
\set user random(1, 10000)
BEGIN;
SELECT id FROM concerts WHERE id = 1 FOR UPDATE;
WITH held AS (UPDATE seats SET status = 'HELD' WHERE id = :seat AND status = 'AVAILABLE' RETURNING id)
INSERT INTO reservations (user_id, concert_id, seat_id) SELECT :user, 1, id FROM held;
COMMIT;
SQL
# The server side's CPU: the postmaster's own plus its reaped backends' (cutime, cstime).
pg_cpu_s() { awk '{print ($14 + $15 + $16 + $17) / '"$(getconf CLK_TCK)"'}' "/proc/$(head -1 "$pgdata/postmaster.pid")/stat"; }
best_tps=0
best_cpu=0
best_label=""
pg_run() {  # $1: query mode, $2: clients
  "${psql[@]}" postgres -c "TRUNCATE reservations" \
    -c "UPDATE seats SET status = 'AVAILABLE' WHERE status <> 'AVAILABLE'" \
    -c "VACUUM ANALYZE seats, reservations" -c "CHECKPOINT" >/dev/null
  local before after tps tx cpu
  before="$(pg_cpu_s)"
  "$pgbin/pgbench" -h 127.0.0.1 -p 55432 -U postgres -n -M "$1" -c "$2" -j 2 -T "$seconds" \
    -f "$work/hold.sql" postgres > "$work/pg.txt"
  sleep 0.5  # the backends exit and are reaped once pgbench disconnects
  after="$(pg_cpu_s)"
  tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pg.txt" | tail -1)"
  tx="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pg.txt")"
  cpu="$(python3 -c "print(1e6 * ($after - $before) / max(1, $tx))")"
  local lat
  lat="$(sed -n 's/^latency average = \(.*\)$/\1/p' "$work/pg.txt")"
  printf 'pgbench -M %-8s -c %-4s -j 2: %8.0f tx/s, latency average %s, server CPU %.0f us per tx, holds made %s\n' \
    "$1" "$2" "$tps" "$lat" "$cpu" "$("${psql[@]}" -At postgres -c "SELECT count(*) FROM reservations")"
  if python3 -c "import sys; sys.exit(0 if $tps > $best_tps else 1)"; then
    best_tps="$tps" best_cpu="$cpu" best_label="-M $1 -c $2"
  fi
}
pg_run simple "$clients"
pg_run prepared "$clients"
pg_run prepared 64
pg_run prepared 8  # what a pool sized to the cores (PgBouncer in front) would let through
echo "postgres best: $best_label"
pg_tps="$best_tps"
pg_cpu="$best_cpu"

echo "== Result"
python3 - "$cm_rps" "$pg_tps" "$cm_cpu" "$pg_cpu" <<'PY'
import sys
cm, pg, cm_cpu, pg_cpu = (float(a) for a in sys.argv[1:5])
print(f"concertmania hold requests/s: {cm:,.0f}   server CPU per request: {cm_cpu:.1f} us")
print(f"postgres (row lock) hold tx/s: {pg:,.0f}   server CPU per transaction: {pg_cpu:.1f} us")
print(f"ratio: {cm / pg:.1f}x the rate, {pg_cpu / cm_cpu:.1f}x less server CPU per hold")
print(f'BENCH_JSON {{"name":"flash_sale_vs_postgres","concertmania_rps":{cm:.0f},"postgres_tps":{pg:.0f},'
      f'"ratio":{cm/pg:.2f},"concertmania_cpu_us_per_request":{cm_cpu:.2f},'
      f'"postgres_cpu_us_per_tx":{pg_cpu:.2f}}}')
PY
