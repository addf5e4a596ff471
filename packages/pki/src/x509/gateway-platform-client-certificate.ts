/**
 * Gateway client certificate for the platform (reference §2.2): the control plane shows it in the
 * inner mTLS session to reach one target (dynamic secrets, app connections, health checks).
 *
 *   subject  O=<orgId>, OU=gateway-client, CN=platform:<gatewayId>
 *   validity 5 min
 *   keyUsage digitalSignature|keyEncipherment|keyAgreement (RSA; see leaf-key-usage.ts),
 *            EKU clientAuth
 *   ext      …100.1 {"targetHost","targetPort"}, …100.2 {"type":"platform"} (raw JSON, non-critical)
 */
import { CertificateError } from '../certificate-error.ts';
import { gatewayActorExtension, gatewayRoutingExtension } from './burrow-extensions.ts';
import {
  issueLeafCertificate,
  type IssuedCertificate,
  type LeafCertificateOptions,
} from './leaf-certificate.ts';

/**
 * Gateway client certs (platform, and PAM by default) live 5 minutes, as in the reference.
 *
 * @example
 *   const renewAt = issuedAt + GATEWAY_CLIENT_CERT_LIFETIME_MS / 2;
 */
export const GATEWAY_CLIENT_CERT_LIFETIME_MS = 5 * 60 * 1000;

/**
 * Options of issueGatewayPlatformClientCertificate.
 *
 * @example
 *   const options: GatewayPlatformClientCertificateOptions = { issuer, orgId, gatewayId, targetHost: 'db', targetPort: 5432 };
 */
export interface GatewayPlatformClientCertificateOptions extends LeafCertificateOptions {
  readonly orgId: string;
  readonly gatewayId: string;
  readonly targetHost: string;
  readonly targetPort: number;
}

/**
 * Issues a platform → gateway client certificate bound to one target.
 *
 * @example
 *   const cert = await issueGatewayPlatformClientCertificate({
 *     issuer: gatewayClientCa, orgId, gatewayId, targetHost: '10.0.0.5', targetPort: 5432,
 *   });
 */
export async function issueGatewayPlatformClientCertificate(
  options: GatewayPlatformClientCertificateOptions,
): Promise<IssuedCertificate> {
  for (const key of ['orgId', 'gatewayId'] as const) {
    if (typeof options[key] !== 'string' || options[key].length === 0) {
      throw new CertificateError('INVALID_ARGUMENT', `${key} must be a non-empty string`);
    }
  }
  return issueLeafCertificate(options, {
    subject: { O: options.orgId, OU: 'gateway-client', CN: `platform:${options.gatewayId}` },
    role: 'client',
    defaultLifetimeMs: GATEWAY_CLIENT_CERT_LIFETIME_MS,
    extensions: [
      gatewayRoutingExtension({ targetHost: options.targetHost, targetPort: options.targetPort }),
      gatewayActorExtension({ type: 'platform' }),
    ],
  });
}
