#!/usr/bin/env bash
# Installs the Debian packages Concert Mania builds and tests with (DESIGN.md, "Dependencies").
# Idempotent: when everything is present it prints nothing and exits 0.
# prometheus-cpp is not packaged in Debian 12, so /metrics writes the text format itself.
# Then the npm packages of web/package.json (Swagger UI; jsonwebtoken and playwright-core for
# tests), from the lock file, without running install scripts.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build pkg-config
  librocksdb-dev
  libboost1.81-dev libboost-json1.81-dev
  libsimdjson-dev
  libfmt-dev libspdlog-dev
  doctest-dev
  libsodium-dev libssl-dev libjwt-dev zlib1g-dev
  librdkafka-dev
  libcli11-dev
  libqrencode-dev
)
# The browser tests drive Debian's Chromium (with a Korean font, Nanum, so the Korean pages'
# screenshots show Hangul; and read QR codes back with zbarimg), and the
# fuzz smoke needs clang with libFuzzer's runtime, and the alert rules are checked with
# Prometheus's promtool; the container test needs Docker, debootstrap for its base image,
# docker-compose, curl and jq; the failover test a 3-member etcd cluster (etcd-server); the
# waiting room's proof is checked by a verifier in Python as well (python3). Only the test
# command asks for them (--for-tests).
[ "${1:-}" = "--for-tests" ] && packages+=(chromium fonts-nanum clang libclang-rt-14-dev zbar-tools prometheus
  docker.io debootstrap docker-compose curl jq etcd-server python3)
# Node.js and npm: Debian's, unless a node is already on the PATH.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci again only when the lock file changed since the last install.
stamp="$repo/web/node_modules/.installed-lock"
if ! cmp -s "$repo/web/package-lock.json" "$stamp" 2>/dev/null; then
  echo "install-deps: npm ci in web/" >&2
  (cd "$repo/web" && SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$repo/web/package-lock.json" "$stamp"
fi
