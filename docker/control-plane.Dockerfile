# Burrow control-plane image (burrow-control-plane). Build from the repository root:
#   docker build -f docker/control-plane.Dockerfile -t burrow/control-plane .
# The base images are build arguments so the image can be built from a locally made base where no
# registry can be reached (docker build --build-arg NODE_IMAGE=... --build-arg BUILD_IMAGE=...).
# The build image needs Node 24 with its headers, python3, make and a C++ compiler (native modules).
# The runtime is RUNTIME_IMAGE (the Debian that NODE_IMAGE is built on) with only Node's binary
# copied in from NODE_IMAGE: no npm, yarn, corepack or C headers in the final image.
ARG NODE_IMAGE=node:24-bookworm-slim
ARG BUILD_IMAGE=node:24-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS node

FROM ${BUILD_IMAGE} AS build
# The app, as a workspace path; its production dependencies are deployed to /out.
ARG APP_DIR=apps/control-plane
ARG PNPM_VERSION=12.21.0
# Where node-gyp finds Node's headers (the official images keep them under /usr/local).
ARG NODEDIR=/usr/local
ENV CI=true \
    npm_config_nodedir=${NODEDIR} \
    TURBO_TELEMETRY_DISABLED=1
WORKDIR /src
RUN npm install --global pnpm@${PNPM_VERSION}
COPY . .
# pnpm 12 cannot use --frozen-lockfile with the packageManager pin (see scripts/test.sh).
RUN pnpm install --no-frozen-lockfile --prefer-frozen-lockfile --reporter=append-only \
 && pnpm --filter "{./${APP_DIR}}..." run build \
 && pnpm --filter "./${APP_DIR}" deploy --prod /out
# better-sqlite3 ships prebuilt binaries for 8 platforms and SQLite's C sources (27 MB); at run
# time it loads only the binary its lib/binding.js picks for this platform, the one kept here (the
# build and runtime stages share platform and libc). The last line proves it still opens a database.
RUN cd "$(dirname "$(readlink -f /out/node_modules/better-sqlite3/package.json)")" \
 && keep="$(node -p "require('./lib/binding.js').getPrebuildPath()")" \
 && test -f "$keep" \
 && find prebuilds -name '*.node' ! -name "$(basename "$keep")" -delete \
 && rm -rf deps src \
 && node -e "new (require('/out/node_modules/better-sqlite3'))(':memory:').prepare('select 1').get()"

FROM ${RUNTIME_IMAGE} AS runtime
ARG NODE_IMAGE
ARG RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://example.invalid/burrow
LABEL org.opencontainers.image.title="burrow-control-plane" \
      org.opencontainers.image.description="Burrow control plane: identities, CAs, relay and gateway registration, heartbeats (fastify + SQLite)." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.vendor="Burrow" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY docker/entrypoint.sh /usr/local/bin/burrow-entrypoint
# A fixed non-root uid/gid shared by every Burrow image, so files on shared volumes (the bootstrap
# job's 0600 env files) are readable by the services that need them and by no one else.
RUN groupadd --system --gid 10001 burrow \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin burrow \
 && chmod 0755 /usr/local/bin/burrow-entrypoint \
 && mkdir -p /var/lib/burrow/bootstrap /var/lib/burrow/data /var/lib/burrow/postgres-secret /var/lib/burrow/access \
 && chown 10001:10001 /var/lib/burrow/bootstrap /var/lib/burrow/data /var/lib/burrow/postgres-secret /var/lib/burrow/access \
 && chmod 0700 /var/lib/burrow/bootstrap /var/lib/burrow/data /var/lib/burrow/postgres-secret /var/lib/burrow/access
COPY --from=build /out /app
# The compose stack's one-shot bootstrap and demo jobs (compose.yaml), run by plain node with this
# image: under /app, so that their @burrow/platform-api resolves from the deployed node_modules.
COPY docker/src/compose-jobs /app/compose-jobs
ENV NODE_ENV=production \
    BURROW_HOST=0.0.0.0 \
    BURROW_PORT=8080 \
    BURROW_DATA_DIR=/var/lib/burrow/data
USER 10001:10001
WORKDIR /app
EXPOSE 8080

# Alive = GET /healthz answers 200 on the port the server listens on.
# node:http, not fetch: fetch's first use costs seconds of start-up on a busy host.
HEALTHCHECK --interval=10s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('node:http').get('http://127.0.0.1:'+(process.env.BURROW_PORT||8080)+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/burrow-entrypoint", "/app/dist/main.js"]
CMD ["serve"]
