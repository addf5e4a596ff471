#!/bin/sh
# The compose stack's access command (`docker-compose run --rm access`), in the access-cli image:
#
#   burrow-pam-psql <account> [psql arguments ...]
#
#   1. `burrow login` as the identity in BURROW_ENV_FILE (the demo job's developer.env);
#   2. `burrow pam access <account>` in the background, on a free local port in this container;
#   3. psql through it, with the connection settings `pam access` prints and any arguments given
#      (none: an interactive session; `-c ...` or SQL on stdin: a script);
#   4. when psql exits, the PAM session is ended (SIGTERM, as Ctrl-C) and its recording flushed;
#      the exit status is psql's.
# Everything `burrow` says goes to stderr; psql's output is the only thing on stdout.
set -eu
account="${1:?usage: burrow-pam-psql <account> [psql arguments ...]}"
shift
# The image's ENV names the CLI (BURROW_ENTRYPOINT, BURROW_CLI_MAIN).
burrow() { "$BURROW_ENTRYPOINT" "$BURROW_CLI_MAIN" "$@"; }
# A HOME of this run's own (the image user's is /nonexistent): burrow's login and psql's history
# live there and are removed at the end.
HOME="$(mktemp -d)"
export HOME
log="$HOME/pam-access.log"
access_pid=
finish() {
  status=$?
  if [ -n "$access_pid" ] && kill -0 "$access_pid" 2>/dev/null; then
    kill -TERM "$access_pid" 2>/dev/null || true
    wait "$access_pid" 2>/dev/null || true
    tail -n +"$((shown + 1))" "$log" >&2 || true
  fi
  rm -rf "$HOME"
  exit "$status"
}
shown=0
trap finish EXIT
# Ctrl-C belongs to psql (it cancels the running query); the session ends when psql exits.
trap '' INT

burrow login >&2
# In a session of its own (setsid), so that Ctrl-C in psql reaches psql only.
setsid "$BURROW_ENTRYPOINT" "$BURROW_CLI_MAIN" pam access "$account" \
  --reason "${BURROW_ACCESS_REASON:-docker-compose run access}" >"$log" 2>&1 &
access_pid=$!
# Wait (60 s at most) for the local port: `pam access` prints "Listening on 127.0.0.1:<port>".
i=0
until grep -q 'Listening on' "$log"; do
  if ! kill -0 "$access_pid" 2>/dev/null; then
    cat "$log" >&2
    access_pid=
    exit 1
  fi
  i=$((i + 1))
  if [ "$i" -gt 300 ]; then
    cat "$log" >&2
    echo "burrow-pam-psql: burrow pam access did not open a local port within 60 s" >&2
    exit 1
  fi
  sleep 0.2
done
cat "$log" >&2
shown="$(wc -l <"$log")"
conninfo="$(sed -n 's/.*psql "\(host=[^"]*\)".*/\1/p' "$log" | head -n 1)"
if [ -z "$conninfo" ]; then
  echo "burrow-pam-psql: $account is not a PostgreSQL account (no psql command in the output above)" >&2
  exit 1
fi
psql "$conninfo" "$@"
