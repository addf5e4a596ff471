#!/usr/bin/env bash
# The full test suite from a fresh clone: toolchain, system tools, dependencies, lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh

echo "[test] installing dependencies" >&2
# pnpm 12 refuses --frozen-lockfile here because it cannot record the packageManager pin in the
# lockfile ("registry publishes no pnpm 12.21.0"); install from the lockfile, then insist it is
# unchanged, which is what --frozen-lockfile would have checked.
pnpm install --no-frozen-lockfile --prefer-frozen-lockfile --reporter=append-only >&2
if [ -d .git ] && ! git diff --quiet -- pnpm-lock.yaml; then
  echo "[test] pnpm-lock.yaml is out of date with package.json: run pnpm install and commit it" >&2
  git --no-pager diff --stat -- pnpm-lock.yaml >&2
  exit 1
fi

echo "[test] lint" >&2
pnpm lint
echo "[test] typecheck" >&2
pnpm typecheck
echo "[test] tests" >&2
pnpm test
# The bench end to end with tiny sizes (~30 s): proves every path still starts, measures and stops.
# Nothing is asserted about speed; the results go to a scratch dir.
echo "[test] bench --quick" >&2
pnpm bench --quick
