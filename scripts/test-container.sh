#!/usr/bin/env bash
# The container test (CTest label `container`; scripts/test.sh runs it after the Release tests):
#   1. starts dockerd when none answers (and stops it at the end);
#   2. makes the base images when they are missing, since no registry can be reached here:
#      `debootstrap --variant=minbase bookworm`, imported as debian:bookworm, and the same
#      rootfs without docs, man pages and locales as debian:bookworm-slim;
#   3. builds deploy/Dockerfile: by default its "prebuilt" route, which copies the programs of
#      the Release build in BUILD_DIR (CM_IMAGE_ROUTE=compiled compiles them inside the image);
#   4. runs the image with a volume and the demo data, waits for its HEALTHCHECK to say healthy,
#      holds two seats over HTTP on 127.0.0.1;
#   5. `docker stop`: the exit code must be 0, the log must say at which seq the journal stopped,
#      and a replay of the volume (`concertmania-replay --verify`) must end at that seq;
#   6. starts a new container on the same volume and finds the hold there, still HELD.
# Usage: scripts/test-container.sh [BUILD_DIR]   (default build/release). Needs root for dockerd.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$(cd "${1:-$repo/build/release}" && pwd)"
route="${CM_IMAGE_ROUTE:-prebuilt}"
# Debian's docker.io client: its BuildKit is built in (the image needs it to skip unused stages).
docker_bin="${DOCKER:-/usr/bin/docker}"
image="concertmania:container-test"
run_id="cmtest-$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/cm-container.XXXXXX")"
started_dockerd=""
containers=("$run_id-first" "$run_id-second")

log() { printf '[container-test %5ds] %s\n' "$SECONDS" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
docker() { "$docker_bin" "$@"; }

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    for c in "${containers[@]}"; do
      docker inspect "$c" >/dev/null 2>&1 || continue
      log "last lines of $c:"; docker logs --tail 40 "$c" >&2 2>&1 || true
    done
  fi
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  docker volume rm -f "$run_id" >/dev/null 2>&1 || true
  if [ -n "$started_dockerd" ]; then
    kill "$started_dockerd" 2>/dev/null || true
    wait "$started_dockerd" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

[ -x "$docker_bin" ] || fail "$docker_bin missing: scripts/install-deps.sh --for-tests installs docker.io"
if [ "$route" = prebuilt ]; then
  for p in app/concertmania replay/concertmania-replay payments/concertmania-fakepg; do
    [ -x "$build_dir/$p" ] || fail "$build_dir/$p missing: build the release preset first"
  done
  # The image copies from build/release of the context; a different BUILD_DIR is not copied.
  [ "$build_dir" = "$repo/build/release" ] || fail "the prebuilt route copies build/release only"
fi

# 1. The engine.
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || fail "no Docker engine answers, and starting dockerd needs root"
  log "starting dockerd"
  dockerd >"$work/dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -20 "$work/dockerd.log"; fail "dockerd did not start"; }
fi

# 2. The base images.
if ! docker image inspect debian:bookworm debian:bookworm-slim >/dev/null 2>&1; then
  log "debootstrap --variant=minbase bookworm"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
  tar -C "$work/rootfs" -c . | docker import --change 'CMD ["bash"]' - debian:bookworm >/dev/null
  tar -C "$work/rootfs" --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' \
    --exclude='./usr/share/locale/*' -c . |
    docker import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
  rm -rf "$work/rootfs"
  log "base images imported"
fi

# 3. The image.
log "docker build ($route route)"
DOCKER_BUILDKIT=1 docker build --progress=plain -f "$repo/deploy/Dockerfile" \
  --build-arg "PROGRAMS=$route" -t "$image" "$repo" >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; fail "docker build"; }
log "image built: $(docker image inspect -f '{{.Size}}' "$image") bytes"
[ "$(docker image inspect -f '{{.Config.User}}' "$image")" = concertmania ] ||
  fail "the image does not run as the concertmania user"

# Starts a container on the volume with the demo data; prints its name once it is healthy.
# The image's own HEALTHCHECK command, only checked every second instead of every ten.
start_server() {
  local name="$run_id-$1"
  docker run -d --name "$name" -v "$run_id:/data" -e CM_DEMO=1 \
    --health-interval=1s -p 127.0.0.1::8080 "$image" >/dev/null
  local status=""
  for _ in $(seq 1 120); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$name")
    [ "$status" = healthy ] && break
    [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || fail "$name exited"
    sleep 0.5
  done
  [ "$status" = healthy ] || fail "$name not healthy after 60 s (status: $status)"
  echo "$name"
}

http_port() { docker port "$1" 8080/tcp | head -1 | sed 's/.*://'; }

# An access token of the demo user.
login() {
  curl -sf -XPOST "http://127.0.0.1:$1/api/users/login" -H 'Content-Type: application/json' \
    -d '{"email":"demo@concertmania.local","password":"demo-user-pass"}' | jq -er .accessToken
}

# 4. Run, and hold two seats.
first=$(start_server first)
log "$first healthy"
[ "$(docker exec "$first" id -u)" = 10001 ] || fail "the server does not run as uid 10001"
port=$(http_port "$first")
token=$(login "$port") || fail "demo login"
concert=$(curl -sf "http://127.0.0.1:$port/api/concerts" |
  jq -er '[.items[] | select(.status == "ON_SALE")][0].id') || fail "no concert on sale"
curl -sf -XPOST "http://127.0.0.1:$port/api/v1/concerts/$concert/reservations" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: $run_id" -d '{"grade":"VIP","count":2}' >"$work/hold.json" ||
  fail "hold refused"
reservation=$(jq -er 'select(.status == "HELD") | .id' "$work/hold.json") || fail "not HELD"
seats=$(jq -c '[.seats[].id]' "$work/hold.json")
log "reservation $reservation holds seats $seats of concert $concert"

# 5. docker stop: exit code 0, and the journal flushed up to the seq the server reported.
docker stop --time 30 "$first" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$first")
[ "$code" = 0 ] || fail "exit code $code after docker stop"
stopped_at=$(docker logs "$first" 2>&1 | sed -n 's/.*stopped at durable seq \([0-9]*\).*/\1/p')
[ -n "$stopped_at" ] || fail "the log does not say where the journal stopped"
docker run --rm -v "$run_id:/data" --entrypoint concertmania-replay "$image" --verify \
  >"$work/replay.txt" 2>&1 || { cat "$work/replay.txt"; fail "replay --verify of the volume"; }
replayed_to=$(sed -n 's/^last seq: *\([0-9]*\)$/\1/p' "$work/replay.txt")
[ "$replayed_to" = "$stopped_at" ] ||
  fail "the server stopped at seq $stopped_at, the volume's journal ends at ${replayed_to:-?}"
log "docker stop: exit 0, journal flushed to seq $stopped_at, replay --verify agrees"

# 6. A new container on the same volume finds the hold.
second=$(start_server second)
port=$(http_port "$second")
token=$(login "$port") || fail "demo login after the restart"
curl -sf "http://127.0.0.1:$port/api/reservations/$reservation" -H "Authorization: Bearer $token" \
  >"$work/after.json" || fail "reservation $reservation not found after the restart"
[ "$(jq -r .status "$work/after.json")" = HELD ] || fail "not HELD after the restart"
[ "$(jq -c '[.seats[].id]' "$work/after.json")" = "$seats" ] || fail "other seats after restart"
docker stop --time 30 "$second" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$second")" = 0 ] || fail "second exit code"
log "PASS: a new container on the volume found reservation $reservation HELD"
