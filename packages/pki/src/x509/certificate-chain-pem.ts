/**
 * The PEM chains the reference hands to servers and clients (§2.2 "Chains returned to consumers"):
 *
 * - `clientCertificateChain` → servers (relay :8443, gateway inner TLS): the client CA and every
 *   CA above it; servers trust every cert in it for client auth (node:tls `ca`, Go `ClientCAs`).
 * - `relayServerCertificateChain` / `gatewayServerCertificateChain` → clients: the server CA and
 *   the root; clients trust it to verify the server (node:tls `ca`, Go `RootCAs`).
 *
 * Both are "this CA, then its issuers up to the root", nearest first, as concatenated PEM blocks.
 * The root must be included: OpenSSL (node:tls) only accepts a chain that ends in a self-signed
 * trust anchor.
 */
import type { CertificateAuthority } from './certificate-authority.ts';
import { certificateToPem } from './certificate-pem.ts';

/**
 * PEM chain to hand to TLS *clients* so they can verify servers issued by `serverCa`.
 *
 * @example
 *   tls.connect({ host, port: 8443, ca: serverCertificateChainPem(relayServerCa), key, cert });
 */
export function serverCertificateChainPem(serverCa: CertificateAuthority): string {
  return caChainPem(serverCa);
}

/**
 * PEM chain to hand to TLS *servers* so they accept client certificates issued by `clientCa`.
 *
 * @example
 *   tls.createServer({ key, cert, ca: clientCertificateChainPem(relayClientCa), requestCert: true });
 */
export function clientCertificateChainPem(clientCa: CertificateAuthority): string {
  return caChainPem(clientCa);
}

function caChainPem(ca: CertificateAuthority): string {
  return [ca.certificate, ...ca.issuerCertificates].map(certificateToPem).join('');
}
