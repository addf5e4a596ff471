#!/usr/bin/env bash
# The full test suite from a fresh clone: toolchain, system tools, dependencies, lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh

echo "[test] installing dependencies" >&2
pnpm install --frozen-lockfile --reporter=append-only >&2

echo "[test] lint" >&2
pnpm lint
echo "[test] typecheck" >&2
pnpm typecheck
echo "[test] tests" >&2
log=$(mktemp)
# Every test's scratch files go to one fresh TMPDIR, which must be empty when the tests are done:
# a test that leaves a file or directory behind fails the run, by name. (0711: the SSH tests'
# throwaway login user must reach its home inside a suite's own directory.)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/burrow-tests.XXXXXX")
chmod 711 "$scratch"
trap 'rm -f "$log"; rm -rf "$scratch"' EXIT
status=0
# `pnpm test` lets every suite finish after one fails (turbo --continue=dependencies-successful):
# a suite cut off mid-test cannot stop its processes or remove its scratch dirs, and the summary
# then counts every failure, not only the first.
TMPDIR=$scratch pnpm test 2>&1 | tee "$log" || status=$?
left=$(ls -A "$scratch")
if [ -n "$left" ]; then
  echo "[test] FAILED: the tests left this behind in their TMPDIR ($scratch):" >&2
  echo "$left" | sed 's/^/[test]   /' >&2
  [ "$status" -ne 0 ] || status=1
fi
# One plain closing line for whoever reads the run: the sum of every jest suite's counts.
summarize() {
  awk '/Tests: / {
    if (match($0, /[0-9]+ failed/)) failed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ passed/)) passed += substr($0, RSTART, RLENGTH) + 0
  } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$log"
}
if [ "$status" -ne 0 ]; then
  summarize
  exit "$status"
fi
# The bench end to end with tiny sizes (~30 s): proves every path still starts, measures and stops.
# Nothing is asserted about speed; the results go to a scratch dir.
echo "[test] bench --quick" >&2
pnpm bench --quick
summarize
