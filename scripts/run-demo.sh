#!/usr/bin/env bash
# Starts Concert Mania with its embedded defaults and the demo data: installs what is missing,
# builds the server (Release), and runs `concertmania serve --demo` on port 8080 with data in
# ./data. Extra arguments go to `serve` (see `concertmania serve --help`).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/install-deps.sh"
(cd "$repo" && cmake --preset release >/dev/null)
cmake --build "$repo/build/release" --target concertmania
exec "$repo/build/release/app/concertmania" serve --demo "$@"
