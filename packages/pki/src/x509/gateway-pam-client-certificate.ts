/**
 * Gateway client certificate for a PAM user session (reference §2.2): the access CLI shows it in
 * the inner mTLS session; the gateway takes the target, the actor and the session from it, and
 * ends the session at its notAfter.
 *
 *   subject  O=<orgId>, OU=gateway-client, CN=<actorType>:<gatewayId>
 *   validity the session duration (default 5 min)
 *   keyUsage digitalSignature|keyEncipherment|keyAgreement (RSA; see leaf-key-usage.ts),
 *            EKU clientAuth
 *   ext      …100.1 {"targetHost","targetPort"} (port 0 when the resource has none),
 *            …100.2 {"type","id","name"}, …100.3 {"sessionId","resourceType"}
 *            (raw JSON, non-critical)
 */
import { CertificateError } from '../certificate-error.ts';
import {
  gatewayActorExtension,
  gatewayRoutingExtension,
  pamSessionExtension,
} from './burrow-extensions.ts';
import { GATEWAY_CLIENT_CERT_LIFETIME_MS } from './gateway-platform-client-certificate.ts';
import {
  issueLeafCertificate,
  type IssuedCertificate,
  type LeafCertificateOptions,
} from './leaf-certificate.ts';

/**
 * Options of issueGatewayPamClientCertificate. `lifetimeMs` is the session duration.
 *
 * @example
 *   const options: GatewayPamClientCertificateOptions = {
 *     issuer, orgId, gatewayId, actor: { type: 'user', id: userId, name: 'alice' },
 *     targetHost: 'db.internal', targetPort: 5432, sessionId, resourceType: 'postgres',
 *     lifetimeMs: 3_600_000,
 *   };
 */
export interface GatewayPamClientCertificateOptions extends LeafCertificateOptions {
  readonly orgId: string;
  readonly gatewayId: string;
  readonly actor: { readonly type: string; readonly id: string; readonly name: string };
  readonly targetHost: string;
  /** Default 0 (resources without a port). */
  readonly targetPort?: number;
  readonly sessionId: string;
  readonly resourceType: string;
}

/**
 * Issues a PAM user → gateway client certificate for one session.
 *
 * @example
 *   const cert = await issueGatewayPamClientCertificate({
 *     issuer: gatewayClientCa, orgId, gatewayId, actor: { type: 'user', id, name },
 *     targetHost: 'db.internal', targetPort: 5432, sessionId, resourceType: 'postgres',
 *     lifetimeMs: durationMs,
 *   });
 */
export async function issueGatewayPamClientCertificate(
  options: GatewayPamClientCertificateOptions,
): Promise<IssuedCertificate> {
  for (const key of ['orgId', 'gatewayId'] as const) {
    if (typeof options[key] !== 'string' || options[key].length === 0) {
      throw new CertificateError('INVALID_ARGUMENT', `${key} must be a non-empty string`);
    }
  }
  const { actor } = options;
  return issueLeafCertificate(options, {
    subject: { O: options.orgId, OU: 'gateway-client', CN: `${actor.type}:${options.gatewayId}` },
    role: 'client',
    defaultLifetimeMs: GATEWAY_CLIENT_CERT_LIFETIME_MS,
    extensions: [
      gatewayRoutingExtension({
        targetHost: options.targetHost,
        targetPort: options.targetPort ?? 0,
      }),
      gatewayActorExtension({ type: actor.type, id: actor.id, name: actor.name }),
      pamSessionExtension({ sessionId: options.sessionId, resourceType: options.resourceType }),
    ],
  });
}
