/**
 * Which gateway a certificate was made for — Burrow's pinning of the inner TLS (issue 12).
 *
 *   gateway server certificate  SAN URI `urn:burrow:gateway:<gatewayId>` (beside the reference's
 *                               DNS localhost / IP 127.0.0.1, ::1, which reference callers check);
 *                               a caller refuses a gateway whose certificate does not name the
 *                               gateway it dialed (a relay holding some other gateway's
 *                               certificate cannot stand in for this one)
 *   gateway client certificate  CN `<actorType>:<gatewayId>` (reference §2.2, e.g.
 *                               `platform:<id>`, `user:<id>`); a gateway refuses a caller whose
 *                               certificate was made for another gateway
 *
 * Both readers take the certificate as DER, PEM or a parsed certificate.
 */
import { parseCertificate, type CertificateInput } from './certificate-input.ts';
import * as x509 from './peculiar-x509.ts';

/** The URI SAN prefix naming a gateway on its server certificate. */
export const GATEWAY_IDENTITY_URI_PREFIX = 'urn:burrow:gateway:';

/**
 * The URI SAN naming `gatewayId`.
 *
 * @example
 *   gatewayIdentityUri('6c1e…') // 'urn:burrow:gateway:6c1e…'
 */
export function gatewayIdentityUri(gatewayId: string): string {
  return `${GATEWAY_IDENTITY_URI_PREFIX}${gatewayId}`;
}

/**
 * Every gateway ID a server certificate names in its URI SANs (normally exactly one; none on a
 * reference gateway's certificate).
 *
 * @example
 *   readGatewayIdentities(socket.getPeerX509Certificate()) // ['6c1e…']
 */
export function readGatewayIdentities(input: CertificateInput): string[] {
  const certificate = parseCertificate(input);
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return [];
  return san.names.items
    .filter((name) => name.type === 'url' && name.value.startsWith(GATEWAY_IDENTITY_URI_PREFIX))
    .map((name) => name.value.slice(GATEWAY_IDENTITY_URI_PREFIX.length));
}

/**
 * The gateway a client certificate was made for: what follows the last `:` of its CN
 * (`<actorType>:<gatewayId>`), or undefined when the CN has no such form.
 *
 * @example
 *   readCallerGatewayId(socket.getPeerX509Certificate()) // '6c1e…' for CN=platform:6c1e…
 */
export function readCallerGatewayId(input: CertificateInput): string | undefined {
  const certificate = parseCertificate(input);
  const commonNames = certificate.subjectName.getField('CN');
  if (commonNames.length !== 1) return undefined;
  const cn = commonNames[0] as string;
  const colon = cn.lastIndexOf(':');
  if (colon <= 0 || colon === cn.length - 1) return undefined;
  return cn.slice(colon + 1);
}
