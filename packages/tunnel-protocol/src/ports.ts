/** Default relay ports (reference §1). Gateways dial the SSH port; callers dial the TLS port. */
export const RELAY_SSH_PORT = 2222;
export const RELAY_TLS_PORT = 8443;
