/**
 * What the relay reads from a caller's verified client certificate: its CN (the route), and the
 * gateway name in extension 1.3.6.1.4.1.12345.100.3 (`{"name": "<gatewayName>"}`), for logging
 * only. Both from the DER through @burrow/pki, whose parse of a certificate seen before is cached
 * (a caller shows the same one for many streams), instead of node:tls building the certificate as
 * a JS object on every stream (`getPeerCertificate()`, ≈ 0.05 ms: issue 20).
 */
import { parseCertificate, readBurrowExtensions } from '@burrow/pki';

/**
 * The certificate's Subject CN, or undefined when it has none or more than one.
 * Throws (CertificateError MALFORMED) when the certificate cannot be parsed.
 *
 * @example
 *   const commonName = readCallerCommonName(socket.getPeerX509Certificate().raw);
 */
export function readCallerCommonName(certificateDer: Buffer): string | undefined {
  const commonNames = parseCertificate(certificateDer).subjectName.getField('CN');
  return commonNames.length === 1 ? commonNames[0] : undefined;
}

/**
 * The gateway name the caller's certificate carries, or undefined when the extension is absent.
 * Throws (CertificateError MALFORMED) when the extension is present but not valid JSON of that
 * shape; the relay then refuses the caller, as the reference does.
 *
 * @example
 *   const gatewayName = readCallerGatewayName(socket.getPeerX509Certificate().raw);
 */
export function readCallerGatewayName(certificateDer: Buffer): string | undefined {
  return readBurrowExtensions(certificateDer).relayClient?.name;
}
