#!/bin/sh
# Entrypoint of every Burrow image: burrow-entrypoint <main.js> [command and flags ...]
#
# If BURROW_ENV_FILE names a file, Node loads it as KEY=value settings before the app starts
# (node --env-file): that is how the compose bootstrap job hands each service its machine-identity
# secrets without putting them in compose.yaml. Variables already set in the container's
# environment win over the file. The file is read, never executed.
set -eu
main="$1"
shift
if [ -n "${BURROW_ENV_FILE:-}" ]; then
  if [ ! -r "$BURROW_ENV_FILE" ]; then
    echo "burrow-entrypoint: BURROW_ENV_FILE=$BURROW_ENV_FILE is missing or unreadable (did the bootstrap job run?)" >&2
    exit 2
  fi
  exec node --env-file="$BURROW_ENV_FILE" "$main" "$@"
fi
exec node "$main" "$@"
