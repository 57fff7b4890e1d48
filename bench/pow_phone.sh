#!/usr/bin/env bash
# The proof-of-work gate's figures in one sitting, for each (difficulty, cost) given:
#  - the median time ALTCHA's widget takes to solve on a phone: the fan's page in Debian's
#    Chromium at 390x844 with the CPU throttled (default 4x), through a real server
#    (tests/web/pow_browser.js bench). DevTools' CPU throttling slows the page's main thread
#    but not its Web Workers, where the widget solves (measured here: 0.37 s unthrottled, 0.47 s
#    "throttled 4x"). So the browser runs in a cgroup (v1 cpu controller, as root) whose quota
#    is this machine's cores divided by the factor: every thread, workers included, gets a
#    quarter of a core on average. Without the cgroup the script says so and falls back to
#    DevTools' throttling, which flatters the phone;
#  - a bot's cost per solution in CPU-seconds, and the gateway's per challenge and check
#    (bench_pow, native code on one core).
# Usage: bench/pow_phone.sh [solves] [throttle] [difficulty:cost ...]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
solves="${1:-15}"
throttle="${2:-4}"
shift $(( $# > 2 ? 2 : $# ))
settings=("$@")
[ ${#settings[@]} -gt 0 ] || settings=(2000:1000 20000:100)
build="$repo/build/release"
work="$(mktemp -d /tmp/cm-pow.XXXXXX)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$repo/scripts/install-deps.sh" --for-tests
cmake --preset release >/dev/null
cmake --build "$build" --target concertmania bench_pow >/dev/null

"$build/app/concertmania" serve --data "$work/data" --address 127.0.0.1 --port 0 \
  --port-file "$work/port" --fast-password-hash --admin-email bench-admin@bench.io \
  --admin-password bench-admin-pass --pow-challenge-rate 0 --log-level warn >/dev/null 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$work/port")"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
admin=$(curl -sf "$base/api/users/login" -H 'Content-Type: application/json' \
  -d '{"email":"bench-admin@bench.io","password":"bench-admin-pass"}' | json '["accessToken"]')
venue=$(curl -sf "$base/api/admin/venues" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name":"Bench Hall","grades":["R"],"grid":{"sections":1,"rows":2,"seatsPerRow":10,"rowsPerGrade":2}}' | json '["id"]')

# Runs a command with every thread of it (Chromium's included) held to cores/throttle CPUs.
cgroup=/sys/fs/cgroup/cpu/cm-pow-phone
run_throttled() {
  if mkdir -p "$cgroup" 2>/dev/null && [ -w "$cgroup/cpu.cfs_quota_us" ]; then
    echo 100000 > "$cgroup/cpu.cfs_period_us"
    echo $(( $(nproc) * 100000 / throttle )) > "$cgroup/cpu.cfs_quota_us"
    NODE_PATH="$repo/web/node_modules" POW_CDP_THROTTLE=1 \
      sh -c 'echo $$ > "$0/tasks"; exec "$@"' "$cgroup" "$@"
  else
    echo "pow_phone: no writable cgroup cpu controller: DevTools throttling only (workers unthrottled)" >&2
    NODE_PATH="$repo/web/node_modules" POW_CDP_THROTTLE="$throttle" "$@"
  fi
}
trap 'cleanup; rmdir "$cgroup" 2>/dev/null || true' EXIT

results=()
n=0
for s in "${settings[@]}"; do
  difficulty="${s%%:*}" cost="${s##*:}"
  n=$((n + 1))
  now=$(date +%s%3N)
  concert=$(curl -sf "$base/api/admin/concerts" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"venueId\":$venue,\"title\":\"PoW $s\",\"startsAt\":$((now + 86400000)),\"salesOpenAt\":$((now - 60000)),\"salesCloseAt\":$((now + 3600000)),\"prices\":{\"R\":1000},\"proofOfWork\":{\"difficulty\":$difficulty,\"cost\":$cost}}" | json '["id"]')
  curl -sf -X POST "$base/api/admin/concerts/$concert/open" -H "Authorization: Bearer $admin" >/dev/null
  echo "== difficulty $difficulty, cost $cost: a phone (Chromium, CPU throttled ${throttle}x), $solves solves"
  phone=$(run_throttled node "$repo/tests/web/pow_browser.js" bench "$(cat "$work/port")" \
    "$concert" "phone$n@bench.io" "password-123" "$solves" | grep '^BENCH_JSON' | sed 's/^BENCH_JSON //')
  echo "$phone"
  echo "== the same settings: a bot (native) and the gateway, one core"
  native=$("$build/bench/bench_pow" --difficulty "$difficulty" --cost "$cost" --challenges 10 | tee /dev/stderr | grep '^BENCH_JSON' | sed 's/^BENCH_JSON //')
  results+=("$phone|$native")
done

echo "== Summary"
printf '%s\n' "${results[@]}" > "$work/results.txt"
python3 - "$work/results.txt" <<'PY'
import json, sys
head = ("difficulty", "cost", "phone median s", "phone p90 s", "bot CPU-s/solution", "phone/bot",
        "verify us", "issue us")
print(" ".join(f"{h:>18}" for h in head))
for line in open(sys.argv[1]):
    phone, native = (json.loads(x) for x in line.strip().split("|"))
    bot = native["bot_cpu_s_per_solution"]
    row = (native["difficulty"], native["cost"], phone["median_ms"] / 1000, phone["p90_ms"] / 1000,
           bot, phone["median_ms"] / 1000 / bot, native["verify_us"], native["issue_us"])
    print(" ".join(f"{v:>18.3f}" for v in row))
PY
