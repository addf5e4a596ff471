/**
 * Relay TLS server certificate (reference §2.2), presented on the relay's :8443 listener:
 *
 *   subject  CN=<host>, O=<orgId or "Infisical">, OU=Relay
 *   validity 1 day (the relay re-registers every 6 h for a fresh one)
 *   keyUsage digitalSignature|keyEncipherment (RSA; see leaf-key-usage.ts), EKU serverAuth
 *   SAN      IP address when <host> is an IP literal, else DNS name = <host>
 *   certificatePolicies anyPolicy (2.5.29.32.0)
 */
import { isIP } from 'node:net';

import { CertificateError } from '../certificate-error.ts';
import {
  issueLeafCertificate,
  type IssuedCertificate,
  type LeafCertificateOptions,
} from './leaf-certificate.ts';
import * as x509 from './peculiar-x509.ts';

/**
 * Relay server certs live one day, as in the reference (renewed every 6 h).
 *
 * @example
 *   await issueRelayServerCertificate({ issuer, host, lifetimeMs: RELAY_SERVER_CERT_LIFETIME_MS });
 */
export const RELAY_SERVER_CERT_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * OID of the anyPolicy certificate policy (RFC 5280 §4.2.1.4).
 *
 * @example
 *   cert.getExtension(x509.CertificatePolicyExtension)?.policies; // [ANY_POLICY_OID]
 */
export const ANY_POLICY_OID = '2.5.29.32.0';

/**
 * Options of issueRelayServerCertificate.
 *
 * @example
 *   const options: RelayServerCertificateOptions = { issuer: relayServerCa, host: 'relay.example.com' };
 */
export interface RelayServerCertificateOptions extends LeafCertificateOptions {
  /** The relay's public host name or IP address, without port. */
  readonly host: string;
  /** O attribute: the org id for org relays; default "Infisical" (instance relays). */
  readonly organization?: string;
}

/**
 * Issues a relay TLS server certificate.
 *
 * @example
 *   const cert = await issueRelayServerCertificate({ issuer: relayServerCa, host: '203.0.113.7', organization: orgId });
 *   tls.createServer({ key: cert.privateKeyPem, cert: cert.certificatePem, ca: clientChainPem, requestCert: true });
 */
export async function issueRelayServerCertificate(
  options: RelayServerCertificateOptions,
): Promise<IssuedCertificate> {
  const { host } = options;
  const sanType = subjectAltNameType(host);
  return issueLeafCertificate(options, {
    subject: { CN: host, O: options.organization ?? 'Infisical', OU: 'Relay' },
    role: 'server',
    defaultLifetimeMs: RELAY_SERVER_CERT_LIFETIME_MS,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: sanType, value: host }], false),
      new x509.CertificatePolicyExtension([ANY_POLICY_OID], false),
    ],
  });
}

/**
 * 'ip' for IP literals, 'dns' for host names; anything else (a port, a URL, spaces) is
 * INVALID_ARGUMENT, because peers' hostname checks could never match it.
 */
function subjectAltNameType(host: string): 'ip' | 'dns' {
  if (typeof host === 'string' && isIP(host) !== 0) return 'ip';
  const labels = typeof host === 'string' && host.length <= 253 ? host.split('.') : [];
  const isDnsName =
    labels.length > 0 &&
    labels.every((label) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
  if (!isDnsName) {
    throw new CertificateError(
      'INVALID_ARGUMENT',
      `relay host must be a DNS name or IP address, got ${JSON.stringify(host)}`,
    );
  }
  return 'dns';
}
