#!/usr/bin/env bash
# The proof-of-work gate's figures in one sitting, for each (difficulty, cost) given:
#  - the median time ALTCHA's widget takes to solve on a phone: the fan's page in Debian's
#    Chromium at 390x844 with the CPU throttled (default 4x), through a real server
#    (tests/web/pow_browser.js bench);
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
  phone=$(NODE_PATH="$repo/web/node_modules" node "$repo/tests/web/pow_browser.js" bench "$(cat "$work/port")" \
    "$concert" "phone$n@bench.io" "password-123" "$solves" "$throttle" | grep '^BENCH_JSON' | sed 's/^BENCH_JSON //')
  echo "$phone"
  echo "== the same settings: a bot (native) and the gateway, one core"
  native=$("$build/bench/bench_pow" --difficulty "$difficulty" --cost "$cost" --challenges 10 | tee /dev/stderr | grep '^BENCH_JSON' | sed 's/^BENCH_JSON //')
  results+=("$phone|$native")
done

echo "== Summary"
printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
print(f"{\"difficulty\":>10} {\"cost\":>6} {\"phone median s\":>15} {\"phone p90 s\":>12} {\"bot CPU-s/solution\":>19} {\"phone/bot\":>10} {\"verify us\":>10} {\"issue us\":>9}")
for line in sys.stdin:
    phone, native = (json.loads(x) for x in line.strip().split("|"))
    print(f"{native[\"difficulty\"]:>10.0f} {native[\"cost\"]:>6.0f} {phone[\"median_ms\"]/1000:>15.2f} {phone[\"p90_ms\"]/1000:>12.2f} "
          f"{native[\"bot_cpu_s_per_solution\"]:>19.3f} {phone[\"median_ms\"]/1000/native[\"bot_cpu_s_per_solution\"]:>10.1f} "
          f"{native[\"verify_us\"]:>10.1f} {native[\"issue_us\"]:>9.1f}")
'
