/**
 * Typed builders for the custom JSON extensions (see burrow-extension-oids.ts for the contract).
 *
 * Each builder writes exactly the reference's keys, in the reference's order, as compact JSON, and
 * refuses values a gateway could not use (INVALID_ARGUMENT): a port outside 0..65535, an empty
 * host or id. Extra properties on the argument objects are never copied into a certificate.
 */
import { CertificateError } from '../certificate-error.ts';
import {
  GATEWAY_ACTOR_OID,
  GATEWAY_ROUTING_INFO_OID,
  PAM_INFO_OID,
  RELAY_CLIENT_INFO_OID,
} from './burrow-extension-oids.ts';
import * as x509 from './peculiar-x509.ts';

/**
 * `…100.1`: where the gateway connects for this caller. PAM certs may carry port 0.
 *
 * @example
 *   const routing: GatewayRouting = { targetHost: 'db.internal', targetPort: 5432 };
 */
export interface GatewayRouting {
  readonly targetHost: string;
  readonly targetPort: number;
}

/**
 * `…100.2`: the caller. `{ type: 'platform' }` for the control plane; `{ type: 'user', id, name }`
 * (or another actor type) for PAM.
 *
 * @example
 *   const actor: GatewayActor = { type: 'user', id: userId, name: 'alice@example.com' };
 */
export interface GatewayActor {
  readonly type: string;
  readonly id?: string;
  readonly name?: string;
}

/**
 * `…100.3` on a gateway client cert: the PAM session.
 *
 * @example
 *   const pam: PamSessionInfo = { sessionId, resourceType: 'postgres' };
 */
export interface PamSessionInfo {
  readonly sessionId: string;
  readonly resourceType: string;
}

/**
 * `…100.3` on a relay client cert: the gateway's name (the relay logs it).
 *
 * @example
 *   const info: RelayClientInfo = { name: 'gw-eu-1' };
 */
export interface RelayClientInfo {
  readonly name: string;
}

/**
 * Builds the routing extension `{"targetHost","targetPort"}`.
 *
 * @example
 *   gatewayRoutingExtension({ targetHost: '10.0.0.5', targetPort: 5432 });
 */
export function gatewayRoutingExtension(routing: GatewayRouting): x509.Extension {
  requireString(routing.targetHost, 'targetHost');
  const port = routing.targetPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CertificateError('INVALID_ARGUMENT', `targetPort must be 0..65535, got ${port}`);
  }
  return jsonExtension(GATEWAY_ROUTING_INFO_OID, {
    targetHost: routing.targetHost,
    targetPort: port,
  });
}

/**
 * Builds the actor extension: `{"type":"platform"}`, or `{"type","id","name"}` when id/name are set.
 *
 * @example
 *   gatewayActorExtension({ type: 'platform' });
 *   gatewayActorExtension({ type: 'user', id: userId, name: 'alice' });
 */
export function gatewayActorExtension(actor: GatewayActor): x509.Extension {
  requireString(actor.type, 'actor type');
  const json: Record<string, string> = { type: actor.type };
  if (actor.id !== undefined) json.id = requireString(actor.id, 'actor id');
  if (actor.name !== undefined) json.name = requireString(actor.name, 'actor name');
  return jsonExtension(GATEWAY_ACTOR_OID, json);
}

/**
 * Builds the PAM extension `{"sessionId","resourceType"}`.
 *
 * @example
 *   pamSessionExtension({ sessionId, resourceType: 'postgres' });
 */
export function pamSessionExtension(pam: PamSessionInfo): x509.Extension {
  return jsonExtension(PAM_INFO_OID, {
    sessionId: requireString(pam.sessionId, 'sessionId'),
    resourceType: requireString(pam.resourceType, 'resourceType'),
  });
}

/**
 * Builds the relay client extension `{"name":"<gatewayName>"}`.
 *
 * @example
 *   relayClientExtension({ name: 'gw-eu-1' });
 */
export function relayClientExtension(info: RelayClientInfo): x509.Extension {
  return jsonExtension(RELAY_CLIENT_INFO_OID, { name: requireString(info.name, 'gateway name') });
}

/**
 * A non-critical extension whose value is the raw JSON bytes of `value`.
 */
function jsonExtension(oid: string, value: object): x509.Extension {
  return new x509.Extension(oid, false, Buffer.from(JSON.stringify(value), 'utf8'));
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CertificateError('INVALID_ARGUMENT', `${what} must be a non-empty string`);
  }
  return value;
}
