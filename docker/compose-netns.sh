#!/usr/bin/env bash
# docker/compose.yaml run as its users run it — `docker-compose up -d` — with a real engine whose
# bridge networks, published ports and iptables rules live in a network namespace of its own, then
# checked from outside the containers.
#
#   bash docker/compose-netns.sh <data-root>    (as root; build-images.sh calls it)
#
# <data-root> is a stopped engine's data root holding burrow/<app>:$BURROW_TAG (default local) and
# $POSTGRES_IMAGE (default burrow-local/postgres:15-bookworm), as docker/build-images.sh leaves it:
# the images are not built again.
#
#   1. Snapshot of the host's networking: `ip addr`, `ip route` (all tables), `ip rule`,
#      `iptables -S` (filter and nat), `ip netns list`.
#   2. `ip netns add burrow-compose-<pid>`, loopback up with 198.18.77.1 added to it: the
#      namespace's "machine address", as a LAN IP is on a real host (an address on lo is as local
#      as any other; this kernel has no dummy interfaces), which postgres must not reach.
#   3. The private dockerd runs in that namespace (nsenter --net: `ip netns exec` would remount
#      /sys without the cgroup tree dockerd needs) with its defaults — bridge networking, iptables,
#      userland proxy — so every interface, route and rule it makes is inside the namespace.
#   4. The two commands docker/README.md gives a developer, exactly, in docker/ without a
#      docker/.env (BURROW_VERSION and POSTGRES_IMAGE from the environment name the images built
#      here; Debian's docker-compose 1.29):
#        docker-compose up -d              then a wait on every service's health
#        docker-compose run --rm access    with SQL on stdin (psql runs it as a script)
#   5. Checks, from outside the containers: control plane /healthz through its published port;
#      relay and gateway healthy (their HEALTHCHECK) and the gateway healthy in GET /api/v2/gateways;
#      the gateway reaches postgres (test-connection) while the control plane's container, the
#      namespace's host side and postgres itself (outwards) cannot cross the `internal` network;
#      the access command's psql read back its own row, and the PAM session it printed holds that
#      INSERT in its recording (GET /api/v1/pam/sessions/:id as the admin); every generated secret
#      is a 0600 file of uid 10001 and appears in no container's log nor in the access output;
#      a second `docker-compose up -d` finds the bootstrap and demo jobs' work done;
#      `docker-compose restart relay` and the gateway reconnects by itself (not restarted);
#      then what docker/README.md tells a developer who wants `burrow` on the machine itself:
#      RELAY_HOST=<the machine's address> and `docker-compose up -d` again (the relay registers
#      under 198.18.77.1; test-connection and `docker-compose run --rm access` still go through it
#      from the containers); on the namespace's host side, not in a container, this checkout's
#      built access CLI (README's `burrow`) logs in as the demo's developer, `burrow pam access
#      demo/postgres` goes through the published relay port, psql INSERTs and SELECTs through it,
#      and `burrow pam sessions show` finds that INSERT in the session's recording;
#      non-root processes and read-only root filesystems; JSON log lines on stdout;
#      `docker-compose stop` drains on SIGTERM within its timeout (no exit 137);
#      `docker-compose down -v` leaves no container, volume, network, interface or rule behind.
#   6. On every exit (trap): the host side's `burrow pam access` stopped, compose down, dockerd
#      stopped by its PID, the namespace deleted, the scratch tree removed; then the host snapshot
#      is taken again and must be identical.
#
# Exit 0 passed, 1 failed, 3 this machine cannot run it (no network namespace, or no dockerd in one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_ROOT="${1:?usage: bash docker/compose-netns.sh <docker data root with the burrow images>}"
TAG="${BURROW_TAG:-local}"
POSTGRES_IMAGE="${POSTGRES_IMAGE:-burrow-local/postgres:15-bookworm}"
NS="burrow-compose-$$"
MACHINE_IP=198.18.77.1
DOCKER=/usr/bin/docker

log() { printf '\n[compose-netns %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[compose-netns] FAILED: %s\n' "$*" >&2; exit 1; }
cannot_run() { printf '[compose-netns] CANNOT RUN HERE: %s\n' "$*" >&2; exit 3; }

[ "$(id -u)" = 0 ] || die "run as root (ip netns and dockerd need it)"
[ -d "$DATA_ROOT" ] || die "$DATA_ROOT is not a directory"
for tool in ip nsenter iptables docker-compose curl; do
  command -v "$tool" >/dev/null || cannot_run "$tool is not installed"
done
cd "$ROOT"
# shellcheck source=../scripts/toolchain.sh
. scripts/toolchain.sh

host_state() {
  ip -o addr show | sed -E 's/ +(valid|preferred)_lft +[^ ]+//g'
  ip route show table all
  ip rule show
  iptables -S
  iptables -t nat -S
  ip netns list
}
in_ns() { ip netns exec "$NS" "$@"; }

WORK="$(mktemp -d /tmp/bcn.XXXXXX)" # short: the exec root holds unix sockets
host_state >"$WORK/host-before.txt" 2>&1
NS_CREATED=
DOCKERD_PID=
COMPOSE_UP=
HOST_ACCESS_PID=
cleanup() {
  local rc=$?
  set +e
  if [ -n "$HOST_ACCESS_PID" ]; then
    kill -TERM "$HOST_ACCESS_PID" 2>/dev/null
    wait "$HOST_ACCESS_PID" 2>/dev/null
  fi
  if [ -n "$COMPOSE_UP" ]; then
    compose down -v --timeout 10 >/dev/null 2>&1
  fi
  if [ -n "$DOCKERD_PID" ]; then
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
    kill -9 "$DOCKERD_PID" 2>/dev/null
  fi
  [ -n "$NS_CREATED" ] && ip netns delete "$NS"
  grep -o -e " $WORK[^ ]*" -e " $DATA_ROOT[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  host_state >"$WORK/host-after.txt" 2>&1
  if ! diff -u "$WORK/host-before.txt" "$WORK/host-after.txt" >&2; then
    printf '[compose-netns] FAILED: the host networking changed (diff above)\n' >&2
    rc=1
  else
    printf '[compose-netns] host networking unchanged: ip addr, ip route (all tables), ip rule, iptables -S (filter, nat), ip netns list compared before and after\n' >&2
  fi
  rm -rf "$WORK"
  log "exit $rc: compose down, dockerd stopped, namespace $NS deleted, $WORK removed"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- namespace and engine
log "network namespace $NS (loopback up, with the machine address $MACHINE_IP)"
ip netns add "$NS" 2>"$WORK/netns.err" || cannot_run "ip netns add: $(cat "$WORK/netns.err")"
NS_CREATED=1
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$MACHINE_IP/32" dev lo

mkdir -p "$WORK/exec"
export DOCKER_HOST="unix://$WORK/docker.sock"
log "dockerd in $NS: bridge networking and iptables on (inside the namespace), data root $DATA_ROOT"
nsenter --net="/run/netns/$NS" /usr/sbin/dockerd --data-root "$DATA_ROOT" --exec-root "$WORK/exec" \
  --pidfile "$WORK/dockerd.pid" -H "$DOCKER_HOST" >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for i in $(seq 1 60); do
  "$DOCKER" version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -20 "$WORK/dockerd.log" >&2; DOCKERD_PID=; cannot_run "dockerd exited in the namespace"; }
  [ "$i" = 60 ] && { tail -20 "$WORK/dockerd.log" >&2; cannot_run "dockerd not ready after 60 s in the namespace"; }
  sleep 1
done
"$DOCKER" info --format 'engine {{.ServerVersion}}, storage {{.Driver}}, networks: {{.Plugins.Network}}' >&2
docker-compose version --short | sed 's/^/docker-compose /' >&2
for image in "burrow/control-plane:$TAG" "burrow/relay:$TAG" "burrow/gateway:$TAG" "burrow/access-cli:$TAG" "$POSTGRES_IMAGE"; do
  "$DOCKER" image inspect "$image" >/dev/null 2>&1 || die "$image is not in $DATA_ROOT"
done
engine_state() { # containers, volumes and networks, by name
  "$DOCKER" ps -a --format 'container {{.Names}}'
  "$DOCKER" volume ls --format 'volume {{.Name}}'
  "$DOCKER" network ls --format 'network {{.Name}}'
}
engine_state | sort >"$WORK/engine-before.txt"
in_ns ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$WORK/ns-links-before.txt"
{ in_ns iptables -S; in_ns iptables -t nat -S; } >"$WORK/ns-rules-before.txt"

# ---------------------------------------------------------------- the two commands, as a user types them
# In docker/, with no docker/.env: the defaults are what a developer gets. Only the image names
# come from the environment (compose reads it as it reads docker/.env): the images built here.
[ ! -e docker/.env ] || die "docker/.env exists: CI runs compose.yaml with its defaults (move the file away)"
export BURROW_VERSION="$TAG" POSTGRES_IMAGE
compose() { (cd "$ROOT/docker" && docker-compose --ansi never "$@"); }
CP_PORT=8080 # CONTROL_PLANE_PORT's default

log "cd docker && docker-compose up -d"
COMPOSE_UP=1
start=$SECONDS
(cd docker && docker-compose up -d) 2>&1 | sed 's/^/  /' >&2 || { compose logs --no-color --tail 30 >&2; die "docker-compose up -d"; }
echo "  docker-compose up -d returned after $((SECONDS - start)) s" >&2
declare -A CID
for service in control-plane bootstrap relay gateway postgres demo; do CID[$service]="$(compose ps -q "$service")"; done
cid() { echo "${CID[$1]}"; }
health() { "$DOCKER" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}no healthcheck{{end}}' "$(cid "$1")"; }
wait_healthy() { # Docker's own health status, within 180 s
  local service=$1 status deadline=$((SECONDS + 180))
  while :; do
    status="$(health "$service")"
    [ "$status" = healthy ] && return 0
    [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$(cid "$service")")" = true ] ||
      { compose logs --no-color --tail 30 "$service" >&2; die "$service is not running"; }
    [ $SECONDS -lt "$deadline" ] || break
    sleep 1
  done
  "$DOCKER" inspect -f '{{json .State.Health}}' "$(cid "$service")" >&2
  compose logs --no-color --tail 30 "$service" >&2
  die "$service not healthy after 180 s (status $status)"
}
for service in control-plane relay postgres gateway; do wait_healthy "$service"; done
[ "$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$(cid bootstrap)")" = 0 ] || die "the bootstrap job did not exit 0"
echo "  all services healthy $((SECONDS - start)) s after up (bootstrap job exited 0)" >&2
echo "  the bootstrap job's output (docker-compose logs bootstrap):" >&2
compose logs --no-color bootstrap 2>&1 | sed 's/^/    /' >&2
compose ps >&2

# ---------------------------------------------------------------- checks from outside
log "control plane: GET /healthz through its published port 127.0.0.1:$CP_PORT (namespace host side)"
healthz="$(in_ns curl -fsS --max-time 10 "http://127.0.0.1:$CP_PORT/healthz")" || die "control plane /healthz"
echo "  GET /healthz: $healthz" >&2
echo "  Docker health: control-plane $(health control-plane), relay $(health relay), gateway $(health gateway), postgres $(health postgres)" >&2

compose run --rm --no-deps --entrypoint cat bootstrap /var/lib/burrow/bootstrap/admin.env 2>/dev/null |
  sed -n 's/^INFISICAL_TOKEN=//p' >"$WORK/admin-token"
[ -s "$WORK/admin-token" ] || die "no admin token in the bootstrap volume"
api() { # api METHOD ROUTE [JSON]: the admin's call through the published control-plane port
  in_ns curl -sS --max-time 30 -X "$1" -H "authorization: Bearer $(cat "$WORK/admin-token")" \
    ${3:+-H 'content-type: application/json' --data "$3"} "http://127.0.0.1:$CP_PORT/api$2"
}
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=eval("JSON.parse(s)"+process.argv[1]);console.log(typeof v==="object"?JSON.stringify(v):v)})' "$1"; }
GATEWAY_NAME=gateway-1 # GATEWAY_NAME's default
gateway_json="$(api GET /v2/gateways | json ".find(g=>g.name==='$GATEWAY_NAME')")"
echo "  GET /api/v2/gateways: $gateway_json" >&2
[ "$(echo "$gateway_json" | json .isHealthy)" = true ] || die "gateway not healthy in GET /api/v2/gateways"
GATEWAY_ID="$(echo "$gateway_json" | json .id)"
test_connection() { api POST "/v2/gateways/$GATEWAY_ID/test-connection" "{\"targetHost\":\"$1\",\"targetPort\":$2}"; }

log "the private network: the gateway reaches postgres, nothing else crosses it"
answer="$(test_connection postgres 5432)"
echo "  gateway -> postgres:5432 (test-connection through relay and gateway): $answer" >&2
[ "$(echo "$answer" | json .reachable)" = true ] || die "the gateway does not reach postgres"
PG_IP="$("$DOCKER" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(cid postgres)")"
CP_IP="$("$DOCKER" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(cid control-plane)")"
probe='const [h,p]=process.argv.slice(1);const s=require("node:net").connect(+p,h);s.setTimeout(3000);s.on("connect",()=>{console.log("connected");process.exit(0)}).on("timeout",()=>{console.log("timed out");process.exit(1)}).on("error",e=>{console.log(e.code);process.exit(1)})'
for target in postgres "$PG_IP"; do
  if out="$(compose exec -T control-plane node -e "$probe" "$target" 5432)"; then
    die "the control plane's container reached $target:5432 ($out)"
  fi
  echo "  control-plane container (public network) -> $target:5432: not reached ($out)" >&2
done
if out="$(in_ns node -e "$probe" "$PG_IP" 5432)"; then
  die "the namespace's host side reached postgres at $PG_IP:5432 ($out)"
fi
echo "  namespace host side -> $PG_IP:5432: not reached ($out)" >&2
for target in "$MACHINE_IP/8443" "$CP_IP/8080"; do
  if compose exec -T postgres timeout 5 bash -c "echo >/dev/tcp/$target" 2>/dev/null; then
    die "postgres reached $target outside its network"
  fi
  echo "  postgres container -> ${target/\//:}: no route out" >&2
done

log "cd docker && docker-compose run --rm access   (SQL on stdin: psql runs it as a script)"
marker="compose-ci-$$"
cat >"$WORK/demo.sql" <<SQL
\\set ON_ERROR_STOP on
CREATE TABLE orders (id int PRIMARY KEY, item text);
INSERT INTO orders VALUES (1, '$marker');
SELECT id, item FROM orders;
SQL
start=$SECONDS
(cd docker && docker-compose run --rm access) <"$WORK/demo.sql" >"$WORK/psql.out" 2>"$WORK/access.err" ||
  { cat "$WORK/access.err" "$WORK/psql.out" >&2; compose logs --no-color --tail 30 demo gateway >&2; die "docker-compose run --rm access (exit $?)"; }
echo "  returned after $((SECONDS - start)) s; what the user sees on stderr:" >&2
sed 's/^/    /' "$WORK/access.err" >&2
echo "  and psql on stdout:" >&2
sed 's/^/    /' "$WORK/psql.out" >&2
grep -q "$marker" "$WORK/psql.out" || die "psql did not read back the row"
CID[demo]="$(compose ps -q demo)"
[ "$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$(cid demo)")" = 0 ] || die "the demo job did not exit 0"
echo "  the demo job's output (docker-compose logs demo):" >&2
compose logs --no-color demo 2>&1 | sed 's/^/    /' >&2
SESSION_ID="$(sed -n 's/.*PAM session \([^ ]*\) for.*/\1/p' "$WORK/access.err" | head -n 1)"
[ -n "$SESSION_ID" ] || die "no PAM session ID in the access output"
for i in $(seq 1 60); do
  api GET "/v1/pam/sessions/$SESSION_ID" >"$WORK/session.json" 2>&1 && grep -q "$marker" "$WORK/session.json" && break
  [ "$i" = 60 ] && { head -c 2000 "$WORK/session.json" >&2; die "the recording of session $SESSION_ID lacks the INSERT"; }
  sleep 1
done
echo "  GET /api/v1/pam/sessions/$SESSION_ID (as the admin): the recording holds the INSERT of $marker" >&2

log "secrets: 0600 files of uid 10001 in their volumes, never in a log"
compose run --rm --no-deps --entrypoint sh demo -c \
  'stat -c "%a %u %n" /var/lib/burrow/bootstrap/* /var/lib/burrow/postgres-secret/* /var/lib/burrow/access/*' \
  2>/dev/null >"$WORK/secret-files.txt"
sed 's/^/  /' "$WORK/secret-files.txt" >&2
grep -q ' /var/lib/burrow/access/developer.env$' "$WORK/secret-files.txt" || die "no developer.env in the access volume"
grep -q ' /var/lib/burrow/postgres-secret/password$' "$WORK/secret-files.txt" || die "no generated postgres password"
grep -q ' /var/lib/burrow/bootstrap/admin-password$' "$WORK/secret-files.txt" || die "no generated admin password"
if grep -v '^600 10001 ' "$WORK/secret-files.txt" >&2; then die "secret files above are not 0600 uid 10001"; fi
compose run --rm --no-deps --entrypoint sh demo -c \
  'cat /var/lib/burrow/bootstrap/* /var/lib/burrow/postgres-secret/* /var/lib/burrow/access/*' 2>/dev/null |
  sed -n 's/^[A-Z_]*\(TOKEN\|SECRET\)=//p; t; /^[^#=]*$/p' | awk 'length($0) >= 16' >"$WORK/secret-values.txt"
# The admin token and password, relay/gateway/developer client secrets, the database password.
[ "$(wc -l <"$WORK/secret-values.txt")" = 6 ] || die "expected 6 secret values, found $(wc -l <"$WORK/secret-values.txt")"
compose logs --no-color >"$WORK/all-logs.txt" 2>&1
cat "$WORK/access.err" "$WORK/psql.out" >>"$WORK/all-logs.txt"
if grep -F -f "$WORK/secret-values.txt" "$WORK/all-logs.txt" >/dev/null; then die "a secret appears in the logs or the access output"; fi
echo "  $(wc -l <"$WORK/secret-values.txt") secret values (tokens, client secrets, passwords): none in docker-compose logs or the access output" >&2

log "docker-compose up -d again: the bootstrap and demo jobs find their work done"
(cd docker && docker-compose up -d) 2>&1 | sed 's/^/  /' >&2 || die "second docker-compose up -d"
for job in bootstrap demo; do
  "$DOCKER" wait "$(cid "$job")" >/dev/null
  [ "$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$(cid "$job")")" = 0 ] || die "$job exited non-zero on the second up"
  last="$("$DOCKER" logs --tail 1 "$(cid "$job")" 2>&1)"
  echo "  $last" >&2
  case "$last" in *"already done"*) ;; *) die "$job did not find its work done" ;; esac
done

log "docker-compose restart relay: the gateway reconnects by itself"
gw_started="$("$DOCKER" inspect -f '{{.State.StartedAt}}' "$(cid gateway)")"
compose restart relay 2>&1 | sed 's/^/  /' >&2
wait_healthy relay
for i in $(seq 1 90); do
  answer="$(test_connection postgres 5432)"
  [ "$(echo "$answer" | json .reachable)" = true ] && break
  [ "$i" = 90 ] && { compose logs --no-color --tail 30 gateway >&2; die "no round trip through the restarted relay after 90 s: $answer"; }
  sleep 1
done
wait_healthy gateway
[ "$("$DOCKER" inspect -f '{{.State.StartedAt}}' "$(cid gateway)")" = "$gw_started" ] || die "the gateway container was restarted"
echo "  relay healthy again, gateway healthy and not restarted, test-connection to postgres:5432: $answer" >&2

log "burrow on the machine itself: RELAY_HOST=$MACHINE_IP (the machine's address), docker-compose up -d again"
# What docker/README.md tells a developer who wants `burrow` outside the containers: the relay
# advertised under an address of this machine, which the containers reach as well as the machine
# does (the published ports 2222 and 8443 answer on every address). Exported, so that every later
# compose command sees the same configuration: compose recreates the relay, which registers again
# under the new host; the gateway (not recreated) registers again before it redials, and follows.
export RELAY_HOST="$MACHINE_IP"
(cd docker && docker-compose up -d) 2>&1 | sed 's/^/  /' >&2 || die "docker-compose up -d with RELAY_HOST=$RELAY_HOST"
for service in relay gateway demo; do CID[$service]="$(compose ps -q "$service")"; done
for service in relay gateway; do wait_healthy "$service"; done
relay_json="$(api GET /v1/relays | json ".find(r=>r.name==='relay-1')")" || die "GET /api/v1/relays" # RELAY_NAME's default
echo "  GET /api/v1/relays: $relay_json" >&2
[ "$(echo "$relay_json" | json .host)" = "$MACHINE_IP" ] || die "the relay is not registered under $MACHINE_IP"
for i in $(seq 1 90); do
  answer="$(test_connection postgres 5432)"
  [ "$(echo "$answer" | json .reachable)" = true ] && break
  [ "$i" = 90 ] && { compose logs --no-color --tail 30 relay gateway >&2; die "no round trip through the relay at $MACHINE_IP after 90 s: $answer"; }
  sleep 1
done
echo "  control plane -> relay at $MACHINE_IP:8443 -> gateway -> postgres:5432 (test-connection): $answer" >&2
(cd docker && docker-compose run --rm access -c "SELECT item FROM orders WHERE id = 1") </dev/null >"$WORK/psql2.out" 2>"$WORK/access2.err" ||
  { cat "$WORK/access2.err" "$WORK/psql2.out" >&2; die "docker-compose run --rm access with RELAY_HOST=$MACHINE_IP"; }
grep -q "$marker" "$WORK/psql2.out" || { cat "$WORK/access2.err" "$WORK/psql2.out" >&2; die "the access command with RELAY_HOST=$MACHINE_IP did not read the row"; }
echo "  docker-compose run --rm access -c \"SELECT item FROM orders WHERE id = 1\" still works: $(grep "$marker" "$WORK/psql2.out" | tr -d ' ')" >&2

log "burrow pam access demo/postgres on the namespace's host side (not in a container) and psql through it"
# The access CLI built in this checkout, as README's `burrow`, logged in as the demo's developer
# (the login the demo job wrote into the access volume) against the published control-plane port.
[ -f "$ROOT/apps/access-cli/dist/main.js" ] || die "apps/access-cli is not built (pnpm build)"
compose run --rm --no-deps --entrypoint cat demo /var/lib/burrow/access/developer.env 2>/dev/null >"$WORK/developer.env"
grep -q '^INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET=' "$WORK/developer.env" || die "no developer login in the access volume"
# An array, not a function: started with `&`, the PID is burrow's own (ip netns exec and env exec).
host_burrow=(ip netns exec "$NS" env BURROW_CONFIG_DIR="$WORK/burrow-config" INFISICAL_API_URL="http://127.0.0.1:$CP_PORT"
  node --env-file="$WORK/developer.env" "$ROOT/apps/access-cli/dist/main.js")
"${host_burrow[@]}" login >"$WORK/host-access.out" 2>&1 || { cat "$WORK/host-access.out" >&2; die "burrow login on the host side"; }
"${host_burrow[@]}" pam access demo/postgres --reason "compose-netns host side" >>"$WORK/host-access.out" 2>&1 &
HOST_ACCESS_PID=$!
for i in $(seq 1 300); do # 60 s for the local port: "Listening on 127.0.0.1:<port>"
  grep -q 'Listening on' "$WORK/host-access.out" && break
  kill -0 "$HOST_ACCESS_PID" 2>/dev/null && [ "$i" != 300 ] ||
    { HOST_ACCESS_PID=; cat "$WORK/host-access.out" >&2; die "burrow pam access opened no local port"; }
  sleep 0.2
done
conninfo="$(sed -n 's/.*psql "\(host=[^"]*\)".*/\1/p' "$WORK/host-access.out" | head -n 1)"
[ -n "$conninfo" ] || { cat "$WORK/host-access.out" >&2; die "burrow pam access printed no psql command"; }
host_marker="compose-host-$$"
in_ns psql "$conninfo" -X -v ON_ERROR_STOP=1 \
  -c "INSERT INTO orders VALUES (2, '$host_marker')" -c 'SELECT id, item FROM orders ORDER BY id' \
  >"$WORK/host-psql.out" 2>&1 || { cat "$WORK/host-access.out" "$WORK/host-psql.out" >&2; die "psql through burrow pam access on the host side"; }
kill -TERM "$HOST_ACCESS_PID" 2>/dev/null || true # Ctrl-C: the session ends and its recording is flushed
wait "$HOST_ACCESS_PID" || true
HOST_ACCESS_PID=
echo "  burrow login; burrow pam access demo/postgres (stdout and stderr):" >&2
sed 's/^/    /' "$WORK/host-access.out" >&2
echo "  psql \"$conninfo\" -c \"INSERT ...\" -c \"SELECT ...\":" >&2
sed 's/^/    /' "$WORK/host-psql.out" >&2
grep -q "$marker" "$WORK/host-psql.out" && grep -q "$host_marker" "$WORK/host-psql.out" ||
  die "psql on the host side did not read back both rows (the access command's and its own)"
HOST_SESSION_ID="$(sed -n 's/.*PAM session \([^ ]*\) for.*/\1/p' "$WORK/host-access.out" | head -n 1)"
[ -n "$HOST_SESSION_ID" ] || die "no PAM session ID in burrow's output"
for i in $(seq 1 60); do
  "${host_burrow[@]}" pam sessions show "$HOST_SESSION_ID" >"$WORK/host-session.txt" 2>&1 && grep -q "$host_marker" "$WORK/host-session.txt" && break
  [ "$i" = 60 ] && { head -c 2000 "$WORK/host-session.txt" >&2; die "the recording of session $HOST_SESSION_ID lacks the INSERT"; }
  sleep 1
done
echo "  burrow pam sessions show $HOST_SESSION_ID (as the developer):" >&2
sed 's/^/    /' "$WORK/host-session.txt" >&2
if grep -F -f "$WORK/secret-values.txt" "$WORK/host-access.out" "$WORK/host-psql.out" "$WORK/host-session.txt" \
  "$WORK/access2.err" "$WORK/psql2.out" >/dev/null; then
  die "a secret appears in burrow's or psql's output"
fi
echo "  the recording holds the INSERT of $host_marker; no secret in burrow's or psql's output" >&2

log "container hygiene: users, read-only root filesystems, JSON logs"
for service in control-plane relay gateway postgres; do
  c="$(cid "$service")"
  ro="$("$DOCKER" inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c")"
  uids="$("$DOCKER" top "$c" -eo pid,uid | awk 'NR > 1 {print $2}' | sort -u | tr '\n' ' ')"
  echo "  $service: read-only root filesystem $ro, process uids: $uids" >&2
  [ "$ro" = true ] || die "$service: root filesystem is writable"
  case " $uids" in *" 0 "*) die "$service runs a process as root" ;; esac
done
for service in control-plane relay gateway; do
  "$DOCKER" logs "$(cid "$service")" 2>/dev/null >"$WORK/$service.stdout"
  bad="$(node -e 'const l=require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean);const b=l.filter(x=>{try{return typeof JSON.parse(x)!=="object"}catch{return true}});console.log(l.length+" "+b.length+(b.length?" first: "+b[0]:""))' "$WORK/$service.stdout")"
  echo "  $service stdout: ${bad%% *} lines, non-JSON: ${bad#* }" >&2
  [ "${bad#* }" = 0 ] || die "$service writes non-JSON lines on stdout"
done

log "docker-compose stop: SIGTERM, drained within the 10 s timeout"
start=$SECONDS
compose stop --timeout 10 2>&1 | sed 's/^/  /' >&2
echo "  stopped in $((SECONDS - start)) s" >&2
for service in control-plane relay gateway postgres; do
  code="$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$(cid "$service")")"
  echo "  $service exit code $code" >&2
  [ "$code" != 137 ] || die "$service did not stop on SIGTERM (killed after the timeout)"
done

log "docker-compose down -v"
compose down -v 2>&1 | sed 's/^/  /' >&2
COMPOSE_UP=
engine_state | sort >"$WORK/engine-after.txt"
diff -u "$WORK/engine-before.txt" "$WORK/engine-after.txt" >&2 || die "containers, volumes or networks left behind"
in_ns ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$WORK/ns-links-after.txt"
{ in_ns iptables -S; in_ns iptables -t nat -S; } >"$WORK/ns-rules-after.txt"
diff -u "$WORK/ns-links-before.txt" "$WORK/ns-links-after.txt" >&2 || die "interfaces left in the namespace"
diff -u "$WORK/ns-rules-before.txt" "$WORK/ns-rules-after.txt" >&2 || die "iptables rules left in the namespace"
echo "  containers, volumes, networks, the namespace's interfaces and iptables rules: as before up" >&2
log "compose stack passed"
