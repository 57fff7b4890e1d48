#!/usr/bin/env bash
# The flash-sale benchmark, both sides in one run, on this machine, loopback only:
#  1. Concert Mania: a fresh `concertmania serve` (Release) and bench_http_holds against it.
#  2. The seed's design: PostgreSQL (Debian's package, a throwaway cluster on 127.0.0.1), one
#     transaction per hold: SELECT ... FOR UPDATE on the concert row, then the seat update and
#     the reservation insert, driven by pgbench with the same client count.
# Prints both figures and their ratio. Usage: bench/flash_sale_vs_postgres.sh [seconds] [clients]
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
su postgres -c "$pgbin/pg_ctl -D $pgdata -l $work/pg.log -w -o '-h 127.0.0.1 -p 55432 -k $work -c max_connections=$((clients + 20)) -c shared_buffers=512MB' start >/dev/null"
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
SQL
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
pg_pid="$(head -1 "$pgdata/postmaster.pid")"
pg_cpu_s() { awk '{print ($14 + $15 + $16 + $17) / '"$(getconf CLK_TCK)"'}' "/proc/$pg_pid/stat"; }
pg_cpu_before="$(pg_cpu_s)"
"$pgbin/pgbench" -h 127.0.0.1 -p 55432 -U postgres -n -c "$clients" -j 2 -T "$seconds" \
  -f "$work/hold.sql" postgres | tee "$work/pg.txt"
sleep 0.5  # the backends exit and are reaped once pgbench disconnects
pg_cpu_after="$(pg_cpu_s)"
pg_tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pg.txt" | tail -1)"
pg_tx="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pg.txt")"
pg_cpu="$(python3 -c "print(1e6 * ($pg_cpu_after - $pg_cpu_before) / max(1, $pg_tx))")"
held="$("${psql[@]}" -At postgres -c "SELECT count(*) FROM reservations")"
echo "postgres holds made: $held"

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
