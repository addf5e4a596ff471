/**
 * Reading the custom JSON extensions back from a peer's certificate.
 *
 * The gateway calls this on the inner client cert to learn the target, the actor and the PAM
 * session; the relay on the outer client cert for the gateway name. Every extension present must
 * be well-formed: invalid UTF-8, invalid JSON, a non-object, a missing or mistyped field, or the
 * same OID twice is CertificateError('MALFORMED') — the caller then closes the connection, as the
 * reference does. Unknown extra JSON fields are ignored (Go's json.Unmarshal does the same), so a
 * newer platform can add fields without breaking us.
 *
 * `…100.3` has two shapes under one OID: with a `sessionId` key it is read as PAM info
 * `{"sessionId","resourceType"}`, otherwise as relay client info `{"name"}`.
 */
import { CertificateError } from '../certificate-error.ts';
import {
  GATEWAY_ACTOR_OID,
  GATEWAY_ROUTING_INFO_OID,
  PAM_INFO_OID,
} from './burrow-extension-oids.ts';
import type {
  GatewayActor,
  GatewayRouting,
  PamSessionInfo,
  RelayClientInfo,
} from './burrow-extensions.ts';
import { parseCertificate, type CertificateInput } from './certificate-input.ts';

/**
 * The custom extensions found in a certificate (absent ones are undefined).
 *
 * @example
 *   const { routing, actor, pamSession } = readBurrowExtensions(peerDer);
 */
export interface BurrowExtensions {
  readonly routing?: GatewayRouting;
  readonly actor?: GatewayActor;
  readonly pamSession?: PamSessionInfo;
  readonly relayClient?: RelayClientInfo;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the custom extensions of a certificate given as DER (node:tls
 * `getPeerCertificate().raw`), PEM, or an X509Certificate.
 *
 * @example
 *   const ext = readBurrowExtensions(tlsSocket.getPeerCertificate().raw);
 *   if (!ext.routing) return socket.destroy();
 *   net.connect(ext.routing.targetPort, ext.routing.targetHost);
 */
export function readBurrowExtensions(input: CertificateInput): BurrowExtensions {
  const certificate = parseCertificate(input);
  const result: {
    routing?: GatewayRouting;
    actor?: GatewayActor;
    pamSession?: PamSessionInfo;
    relayClient?: RelayClientInfo;
  } = {};
  const seen = new Set<string>();
  for (const extension of certificate.extensions) {
    const oid = extension.type;
    if (oid !== GATEWAY_ROUTING_INFO_OID && oid !== GATEWAY_ACTOR_OID && oid !== PAM_INFO_OID) {
      continue;
    }
    if (seen.has(oid)) throw malformed(oid, 'appears more than once');
    seen.add(oid);
    const json = parseJsonObject(oid, extension.value);
    if (oid === GATEWAY_ROUTING_INFO_OID) {
      result.routing = {
        targetHost: stringField(oid, json, 'targetHost'),
        targetPort: portField(oid, json, 'targetPort'),
      };
    } else if (oid === GATEWAY_ACTOR_OID) {
      const actor: { type: string; id?: string; name?: string } = {
        type: stringField(oid, json, 'type'),
      };
      if (json.id !== undefined) actor.id = stringField(oid, json, 'id');
      if (json.name !== undefined) actor.name = stringField(oid, json, 'name');
      result.actor = actor;
    } else if (json.sessionId !== undefined) {
      result.pamSession = {
        sessionId: stringField(oid, json, 'sessionId'),
        resourceType: stringField(oid, json, 'resourceType'),
      };
    } else {
      result.relayClient = { name: stringField(oid, json, 'name') };
    }
  }
  return result;
}

function parseJsonObject(oid: string, value: ArrayBuffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(value));
  } catch (cause) {
    throw malformed(oid, 'is not UTF-8 JSON', cause);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformed(oid, 'is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function stringField(oid: string, json: Record<string, unknown>, key: string): string {
  const value = json[key];
  if (typeof value !== 'string') throw malformed(oid, `field "${key}" is not a string`);
  return value;
}

function portField(oid: string, json: Record<string, unknown>, key: string): number {
  const value = json[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw malformed(oid, `field "${key}" is not a port number`);
  }
  return value;
}

function malformed(oid: string, problem: string, cause?: unknown): CertificateError {
  return new CertificateError('MALFORMED', `certificate extension ${oid} ${problem}`, { cause });
}
