#!/usr/bin/env bash
# Runs the whole Burrow stack locally on its embedded defaults (SQLite, loopback, no Docker):
# control plane, relay, gateway and a demo target; proves a round trip; Ctrl-C stops everything.
# Arguments go to burrow-stack (--once, --keep-data, --help); a bad one is refused before the
# install and build, which take about 2 minutes on 2 cores on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
node stack/src/stack-options.ts "$@" # exit 2 with the usage for a bad argument
for arg in "$@"; do case "$arg" in -h | --help) exit 0 ;; esac; done

started=$SECONDS
if [ ! -d node_modules/.pnpm ]; then
  echo "[stack] installing dependencies (first run: downloads packages and compiles better-sqlite3 and ssh2, up to a minute)" >&2
else
  echo "[stack] checking dependencies (pnpm install)" >&2
fi
pnpm install --frozen-lockfile --reporter=silent >&2
if [ ! -f stack/dist/main.js ]; then
  echo "[stack] building every package and app (pnpm build; first run: about 2 minutes on 2 cores, cached afterwards)" >&2
else
  echo "[stack] building what changed (pnpm build)" >&2
fi
pnpm build --output-logs=errors-only >&2
echo "[stack] ready after $((SECONDS - started)) s; starting the stack" >&2
exec node stack/dist/main.js "$@"
