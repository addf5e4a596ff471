# A local stand-in for the official postgres image, for machines that cannot pull it (CI here):
# Debian bookworm's PostgreSQL 15 on the locally made Debian base, with the official image's
# contract as compose.yaml uses it: POSTGRES_USER / POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) /
# POSTGRES_DB create the cluster on first start, data in /var/lib/postgresql/data (PGDATA; mode 1777
# as in the official image, so any --user can initdb into a subdirectory), pg_isready on PATH,
# password (scram-sha-256) logins from the network, runs as the `postgres` user or as uid 10001
# (named `burrow` here; the official image uses nss_wrapper for uids it does not know), and works
# with a read-only root filesystem given tmpfs /var/run/postgresql and /tmp (a tmpfs takes the mode
# of the directory it covers, 3777 as in the official image). docker/build-images.sh builds it:
#   docker build -f docker/local-images/postgres.Dockerfile --build-arg BASE_IMAGE=... docker/local-images
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/lib/postgresql/15 /etc/postgresql/15 \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql \
 && chmod 1777 /var/lib/postgresql/data \
 && chmod 3777 /var/run/postgresql \
 && groupadd --system --gid 10001 burrow \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/postgresql --no-create-home \
      --shell /usr/sbin/nologin burrow
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
