# Shared by the flash-sale comparison scripts (sourced, not run): a server on loopback with a
# bench admin and no per-address limits, and one bench_http_holds sale against it. The caller
# sets `build` (the Release build directory), `work` (a scratch directory), `connections` and
# `seconds`; start_server sets `server_pid`.

start_server() {  # $1: data directory (its log goes to $1.log), then extra `serve` flags
  local data=$1
  shift
  rm -f "$work/port"
  "$build/app/concertmania" serve --data "$data" --address 127.0.0.1 --port 0 \
    --port-file "$work/port" --fast-password-hash --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --hold-rate 0 --signup-rate-per-ip 0 \
    --login-rate-per-ip 0 --max-connections-per-ip 0 --access-log false --log-level info \
    "$@" 2>"$data.log" &
  server_pid=$!
  for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { tail -5 "$data.log"; exit 1; }
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
}

sale() {
  "$build/bench/bench_http_holds" --port "$(cat "$work/port")" --admin-email bench-admin@bench.io \
    --admin-password bench-admin-pass --connections "$connections" --seconds "$seconds" \
    --server-pid "$server_pid"
}
