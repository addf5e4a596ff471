# Burrow access-cli image (burrow). Build from the repository root:
#   docker build -f docker/access-cli.Dockerfile -t burrow/access-cli .
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
ARG APP_DIR=apps/access-cli
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

FROM ${RUNTIME_IMAGE} AS runtime
ARG NODE_IMAGE
ARG RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://example.invalid/burrow
LABEL org.opencontainers.image.title="burrow" \
      org.opencontainers.image.description="Burrow access CLI (burrow), with psql for PAM sessions to PostgreSQL (burrow-pam-psql)." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.vendor="Burrow" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY docker/entrypoint.sh /usr/local/bin/burrow-entrypoint
COPY docker/pam-psql.sh /usr/local/bin/burrow-pam-psql
# psql for `docker-compose run --rm access` (burrow-pam-psql): Debian's client binary alone, without
# postgresql-client-common's wrapper scripts (which would pull in Perl).
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpq5 libreadline8 >/dev/null \
 && cd /tmp \
 && apt-get download -qq postgresql-client-15 2>/dev/null \
 && dpkg-deb -x postgresql-client-15_*.deb /tmp/postgresql-client \
 && cp /tmp/postgresql-client/usr/lib/postgresql/15/bin/psql /usr/local/bin/psql \
 && rm -rf /tmp/postgresql-client /tmp/*.deb /var/lib/apt/lists/* /var/cache/apt/* \
 && psql --version
# A fixed non-root uid/gid shared by every Burrow image, so files on shared volumes (the bootstrap
# job's 0600 env files) are readable by the services that need them and by no one else.
RUN groupadd --system --gid 10001 burrow \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin burrow \
 && chmod 0755 /usr/local/bin/burrow-entrypoint /usr/local/bin/burrow-pam-psql \
 && mkdir -p /var/lib/burrow/bootstrap \
 && chown 10001:10001 /var/lib/burrow/bootstrap \
 && chmod 0700 /var/lib/burrow/bootstrap
COPY --from=build /out /app
ENV NODE_ENV=production \
    BURROW_ENTRYPOINT=/usr/local/bin/burrow-entrypoint \
    BURROW_CLI_MAIN=/app/dist/main.js
USER 10001:10001
WORKDIR /app

# No HEALTHCHECK: a command-line tool, not a server.
ENTRYPOINT ["/usr/local/bin/burrow-entrypoint", "/app/dist/main.js"]
CMD ["--help"]
