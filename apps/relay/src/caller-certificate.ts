/**
 * What the relay reads from a caller's verified client certificate besides its CN: the gateway
 * name in extension 1.3.6.1.4.1.12345.100.3 (`{"name": "<gatewayName>"}`), for logging only.
 */
import { readBurrowExtensions } from '@burrow/pki';

/**
 * The gateway name the caller's certificate carries, or undefined when the extension is absent.
 * Throws (CertificateError MALFORMED) when the extension is present but not valid JSON of that
 * shape; the relay then refuses the caller, as the reference does.
 *
 * @example
 *   const gatewayName = readCallerGatewayName(socket.getPeerCertificate().raw);
 */
export function readCallerGatewayName(certificateDer: Buffer): string | undefined {
  return readBurrowExtensions(certificateDer).relayClient?.name;
}
