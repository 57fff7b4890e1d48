#!/usr/bin/env bash
# Installs the Debian packages Concert Mania builds and tests with (DESIGN.md, "Dependencies").
# Idempotent: when everything is present it prints nothing and exits 0.
# prometheus-cpp is not packaged in Debian 12, so /metrics writes the text format itself.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  librocksdb-dev
  libboost1.81-dev libboost-json1.81-dev
  libsimdjson-dev
  libfmt-dev libspdlog-dev
  doctest-dev
  libsodium-dev libssl-dev libjwt-dev
  librdkafka-dev
  libcli11-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
