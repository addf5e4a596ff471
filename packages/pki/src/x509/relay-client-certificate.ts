/**
 * Relay client certificate (reference §2.2), shown by the platform or access CLI to the relay on
 * :8443. The relay routes by its CN and logs the gateway name from the JSON extension.
 *
 *   subject  O=<orgName>-<orgId>, OU=relay-client, CN=<gatewayId>
 *            (CN 00000000-0000-0000-0000-000000000000 = heartbeat probe, 60 s lifetime)
 *   validity 5 min by default (PAM: the session duration)
 *   keyUsage digitalSignature|keyEncipherment|keyAgreement (RSA; see leaf-key-usage.ts),
 *            EKU clientAuth
 *   ext      1.3.6.1.4.1.12345.100.3 (non-critical) = raw JSON {"name":"<gatewayName>"}
 */
import { CertificateError } from '../certificate-error.ts';
import { relayClientExtension } from './burrow-extensions.ts';
import {
  issueLeafCertificate,
  type IssuedCertificate,
  type LeafCertificateOptions,
} from './leaf-certificate.ts';

/**
 * Default relay client cert lifetime: 5 minutes, as in the reference.
 *
 * @example
 *   await issueRelayClientCertificate({ ...options, lifetimeMs: RELAY_CLIENT_CERT_LIFETIME_MS });
 */
export const RELAY_CLIENT_CERT_LIFETIME_MS = 5 * 60 * 1000;

/**
 * Options of issueRelayClientCertificate.
 *
 * @example
 *   const options: RelayClientCertificateOptions = { issuer, orgId, orgName, gatewayId, gatewayName };
 */
export interface RelayClientCertificateOptions extends LeafCertificateOptions {
  readonly orgId: string;
  readonly orgName: string;
  /** Routing key: becomes the CN. */
  readonly gatewayId: string;
  readonly gatewayName: string;
}

/**
 * Issues a relay client certificate.
 *
 * @example
 *   const cert = await issueRelayClientCertificate({
 *     issuer: relayClientCa, orgId, orgName: 'acme', gatewayId, gatewayName: 'gw-eu-1',
 *   });
 */
export async function issueRelayClientCertificate(
  options: RelayClientCertificateOptions,
): Promise<IssuedCertificate> {
  for (const key of ['orgId', 'orgName', 'gatewayId'] as const) {
    if (typeof options[key] !== 'string' || options[key].length === 0) {
      throw new CertificateError('INVALID_ARGUMENT', `${key} must be a non-empty string`);
    }
  }
  return issueLeafCertificate(options, {
    subject: {
      O: `${options.orgName}-${options.orgId}`,
      OU: 'relay-client',
      CN: options.gatewayId,
    },
    role: 'client',
    defaultLifetimeMs: RELAY_CLIENT_CERT_LIFETIME_MS,
    extensions: [relayClientExtension({ name: options.gatewayName })],
  });
}
