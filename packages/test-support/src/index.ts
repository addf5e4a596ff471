/**
 * @burrow/test-support — what the tests of several packages share, so that each is written once:
 * - a free loopback port, waiting until a port accepts, a fresh self-signed TLS certificate,
 *   process liveness by PID, a manual clock for schedules that take one, a TCP proxy that can
 *   turn into a black hole (a peer that stops answering without closing);
 * - a fake control plane serving @burrow/platform-api routes, its answers checked by their schemas;
 * - a throwaway PostgreSQL server (initdb + pg_ctl) and a throwaway OpenSSH sshd; Debian's nginx
 *   with TLS and basic auth; a Kubernetes-API-shaped server (token check, pods, logs -f, the exec
 *   WebSocket upgrade);
 * - identity providers, each a real protocol implementation on loopback: an OIDC issuer
 *   (discovery + JWKS), a Kubernetes TokenReview API over HTTPS with its own CA, an AWS STS that
 *   checks SigV4 signatures, Google Cloud's metadata server, OAuth token endpoint, IAM signJwt
 *   and key endpoints, and Azure's IMDS and tenant JWKS;
 * - Debian's Chromium, headless and off the network (playwright-core), for the console's tests;
 * - a check for repeated keys in a JSON text (log lines).
 *
 * Private and not for production: only ever a devDependency, except of @burrow/stack, whose
 * local demo (`scripts/run-stack.sh`) runs the same PostgreSQL server.
 */
export * from './asciinema-player.ts';
export * from './blackhole-proxy.ts';
export * from './fake-control-plane.ts';
export * from './fake-recording-intake.ts';
export * from './free-port.ts';
export * from './go-test-peer.ts';
export * from './headless-chromium.ts';
export * from './identity-providers/aws-sts-server.ts';
export * from './identity-providers/azure-server.ts';
export * from './identity-providers/google-cloud-server.ts';
export * from './identity-providers/kubernetes-api-server.ts';
export * from './identity-providers/loopback-server.ts';
export * from './identity-providers/oidc-issuer.ts';
export * from './identity-providers/signing-key.ts';
export * from './kubernetes-api-target.ts';
export * from './manual-clock.ts';
export * from './notify-socket.ts';
export * from './nginx-server.ts';
export * from './openssh-server.ts';
export * from './postgres-server.ts';
export * from './process-state.ts';
export * from './repeated-json-keys.ts';
export * from './self-signed-certificate.ts';
export * from './wait-for-port.ts';
