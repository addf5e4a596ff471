#!/usr/bin/env bash
# Puts Burrow's four commands on PATH from this checkout: burrow, burrow-relay, burrow-gateway and
# burrow-control-plane, each a small sh wrapper in a bin directory that runs the built app with
# the Node 24 of scripts/toolchain.sh (so they work where the machine's own `node` is older).
#
#   ./scripts/install-cli.sh                     # builds, then installs into ~/.local/bin
#   ./scripts/install-cli.sh --bin-dir /usr/local/bin
#   ./scripts/install-cli.sh --uninstall         # removes the wrappers it wrote, nothing else
#
# Options: --bin-dir DIR (or BURROW_BIN_DIR; default ~/.local/bin), --no-build (use dist/ as it
# is), --uninstall, -h/--help. The wrappers point at this checkout: re-run after moving it.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin_dir="${BURROW_BIN_DIR:-}"
build=1
uninstall=0
usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) [ $# -ge 2 ] || { echo "install-cli.sh: --bin-dir needs a directory" >&2; exit 2; }; bin_dir="$2"; shift 2 ;;
    --bin-dir=*) bin_dir="${1#--bin-dir=}"; shift ;;
    --no-build) build=0; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install-cli.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -z "$bin_dir" ]; then
  [ -n "${HOME:-}" ] || { echo "install-cli.sh: HOME is not set: pass --bin-dir" >&2; exit 2; }
  bin_dir="$HOME/.local/bin"
fi

# command name -> app directory
commands=("burrow:access-cli" "burrow-relay:relay" "burrow-gateway:gateway" "burrow-control-plane:control-plane")
marker="written by Burrow's scripts/install-cli.sh"

if [ "$uninstall" = 1 ]; then
  for entry in "${commands[@]}"; do
    file="$bin_dir/${entry%%:*}"
    if [ -f "$file" ] && grep -q "$marker" "$file"; then rm -f "$file" && echo "removed $file"; fi
  done
  exit 0
fi

cd "$repo"
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
if [ "$build" = 1 ]; then
  echo "[install-cli] installing dependencies (pnpm install)" >&2
  pnpm install --frozen-lockfile --reporter=silent >&2
  echo "[install-cli] building (pnpm build)" >&2
  pnpm build --output-logs=errors-only >&2
fi
node_bin="$(readlink -f "$(command -v node)")"
mkdir -p "$bin_dir"
for entry in "${commands[@]}"; do
  name="${entry%%:*}"
  main="$repo/apps/${entry#*:}/dist/main.js"
  [ -f "$main" ] || { echo "install-cli.sh: $main is missing: run without --no-build" >&2; exit 1; }
  file="$bin_dir/$name"
  if [ -e "$file" ] && ! grep -q "$marker" "$file" 2>/dev/null; then
    echo "install-cli.sh: $file exists and is not ours; not replacing it" >&2
    exit 1
  fi
  printf '#!/bin/sh\n# %s: %s\nexec %q %q "$@"\n' "$name" "$marker" "$node_bin" "$main" >"$file.tmp"
  chmod 0755 "$file.tmp"
  mv -f "$file.tmp" "$file"
  echo "installed $file -> $main"
done
case ":$PATH:" in
  *":$bin_dir:"*) echo "$bin_dir is on PATH: try 'burrow --help'" ;;
  *) echo "$bin_dir is not on PATH; add it, e.g.: echo 'export PATH=\"$bin_dir:\$PATH\"' >> ~/.bashrc" ;;
esac
