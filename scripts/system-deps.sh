#!/usr/bin/env bash
# Installs the system tools Burrow's tests use as independent judges and real targets:
# OpenSSH client and server (ssh, ssh-keygen, sshd), OpenSSL, a PostgreSQL server and client, nginx,
# curl, stunnel (the bench's OpenSSH + OpenSSL comparison path), asciinema and tmux (PAM SSH tests),
# Chromium (the web console's browser tests), Go with x/crypto (the Go test peer).
# Only what is missing is installed; needs root (or sudo) for apt-get.
set -euo pipefail

missing=()
command -v ssh >/dev/null || missing+=(openssh-client)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v psql >/dev/null || missing+=(postgresql-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# systemd-analyze judges the units `systemd install` writes (nothing is started with it).
command -v systemd-analyze >/dev/null || missing+=(systemd)
# nginx: the real web server behind the gateway's HTTP proxy tests (TLS, basic auth); the tests run
# their own instance (own config, pid file, loopback port). On a host with systemd, Debian's package
# also starts its default site on :80 (`systemctl disable --now nginx` if unwanted).
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
# kubectl: the real client of the PAM Kubernetes tests. Debian's kubernetes-client (1.20) speaks
# SPDY for `kubectl exec`; the tests' API server speaks the WebSocket exec of kubectl >= 1.30.
command -v kubectl >/dev/null || missing+=(kubernetes-client)
# stunnel: the outer and inner TLS of the bench's openssh-openssl comparison path (pnpm bench).
command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || missing+=(stunnel4)
# asciinema: the independent player of the SSH recordings' asciicast export (asciinema cat); tmux
# drives an interactive ssh with a real terminal in the PAM SSH tests.
command -v asciinema >/dev/null || missing+=(asciinema)
command -v tmux >/dev/null || missing+=(tmux)
# chromium: the web console's browser tests (headless, driven by playwright-core over loopback).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Go and x/crypto/ssh: the Go test peers (packages/test-support/go/reference-{gateway,relay}-peer)
# that play the reference's gateway and relay on the wire; built at test time in GOPATH mode from
# Debian's sources (no module downloads).
command -v go >/dev/null || missing+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/crypto/ssh ] || missing+=(golang-golang-x-crypto-dev)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "[system-deps] need root to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "[system-deps] installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  # --no-install-recommends keeps postgresql from pulling extras; the Debian cluster it creates stays down.
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# sshd refuses to start without its privilege-separation directory.
if [ ! -d /run/sshd ]; then
  if [ "$(id -u)" -eq 0 ]; then mkdir -p /run/sshd; else sudo mkdir -p /run/sshd; fi
fi
echo "[system-deps] ok: $(ssh -V 2>&1), $(openssl version), $(psql --version)" >&2
