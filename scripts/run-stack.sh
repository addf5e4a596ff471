#!/usr/bin/env bash
# Runs the whole Burrow stack locally on its embedded defaults (SQLite, loopback, no Docker):
# control plane, relay, gateway and a demo target; proves a round trip; Ctrl-C stops everything.
# Extra arguments go to burrow-stack (e.g. --once, --keep-data, --help).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
echo "[stack] installing dependencies and building" >&2
pnpm install --frozen-lockfile --reporter=silent >&2
pnpm build --output-logs=errors-only >&2
exec node stack/dist/main.js "$@"
