/**
 * Gateway TLS server certificate (reference §2.2) for the inner mTLS session that callers open
 * through the relay. Callers connect with SNI "localhost", hence the loopback SANs.
 *
 *   subject  O=<orgId>, CN=Gateway
 *   validity 1 day (the gateway re-registers every 6 h for a fresh one)
 *   keyUsage digitalSignature|keyEncipherment (RSA; see leaf-key-usage.ts), EKU serverAuth
 *   SAN      DNS localhost, IP 127.0.0.1, IP ::1 (what reference callers check), and Burrow's
 *            URI urn:burrow:gateway:<gatewayId> (gateway-identity.ts), which Burrow callers pin
 */
import { CertificateError } from '../certificate-error.ts';
import { gatewayIdentityUri } from './gateway-identity.ts';
import {
  issueLeafCertificate,
  type IssuedCertificate,
  type LeafCertificateOptions,
} from './leaf-certificate.ts';
import * as x509 from './peculiar-x509.ts';

/**
 * Gateway server certs live one day, as in the reference (renewed every 6 h).
 *
 * @example
 *   await issueGatewayServerCertificate({ issuer, orgId, gatewayId, lifetimeMs: GATEWAY_SERVER_CERT_LIFETIME_MS });
 */
export const GATEWAY_SERVER_CERT_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Options of issueGatewayServerCertificate.
 *
 * @example
 *   const options: GatewayServerCertificateOptions = { issuer: gatewayServerCa, orgId, gatewayId };
 */
export interface GatewayServerCertificateOptions extends LeafCertificateOptions {
  readonly orgId: string;
  /** The gateway the certificate names (URI SAN); callers check it is the one they dialed. */
  readonly gatewayId: string;
}

/**
 * Issues a gateway TLS server certificate.
 *
 * @example
 *   const cert = await issueGatewayServerCertificate({ issuer: gatewayServerCa, orgId, gatewayId });
 *   new tls.TLSSocket(channel, { isServer: true, key: cert.privateKeyPem, cert: cert.certificatePem });
 */
export async function issueGatewayServerCertificate(
  options: GatewayServerCertificateOptions,
): Promise<IssuedCertificate> {
  for (const key of ['orgId', 'gatewayId'] as const) {
    if (typeof options[key] !== 'string' || options[key].length === 0) {
      throw new CertificateError('INVALID_ARGUMENT', `${key} must be a non-empty string`);
    }
  }
  return issueLeafCertificate(options, {
    subject: { O: options.orgId, CN: 'Gateway' },
    role: 'server',
    defaultLifetimeMs: GATEWAY_SERVER_CERT_LIFETIME_MS,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
          { type: 'url', value: gatewayIdentityUri(options.gatewayId) },
        ],
        false,
      ),
    ],
  });
}
