import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AuthError } from './auth-error.ts';

/**
 * Resource access tokens: what an enrolled gateway or relay authenticates with (reference §5.1,
 * §3.2, §7 "Resource auth"). A compact JWS (JWT), HS256, with the reference's claims:
 *
 *   header  {"alg":"HS256","typ":"JWT"}
 *   payload {"gatewayId"|"relayId": <uuid>, "orgId": <uuid>,
 *            "authTokenType": "GATEWAY_ACCESS_TOKEN"|"RELAY_ACCESS_TOKEN",
 *            "tokenVersion": <integer ≥ 1>, "iat": <seconds>}
 *
 * No expiry (as the reference): revocation bumps the resource's stored tokenVersion, and the
 * control plane checks the version and that the resource still exists on every use. The key is
 * derived from the control plane's root key (HKDF-SHA256), so it survives restarts and never
 * leaves the control plane. Verification is synchronous (node:crypto HMAC, constant-time
 * comparison) because every request authenticates before anything else runs; only HS256 with
 * exactly this header shape is accepted (no `alg: none`, no key confusion).
 *
 * @example
 *   const key = resourceTokenKey(rootKey);
 *   const token = signResourceAccessToken(key, { type: 'gateway', resourceId, orgId, tokenVersion: 1 });
 *   verifyResourceAccessToken(key, token); // → { type: 'gateway', resourceId, orgId, tokenVersion: 1 }
 */
export type ResourceType = 'gateway' | 'relay';

export const RESOURCE_TOKEN_TYPE = {
  gateway: 'GATEWAY_ACCESS_TOKEN',
  relay: 'RELAY_ACCESS_TOKEN',
} as const satisfies Record<ResourceType, string>;

const ID_CLAIM = { gateway: 'gatewayId', relay: 'relayId' } as const;

export interface ResourceAccessClaims {
  type: ResourceType;
  resourceId: string;
  orgId: string;
  tokenVersion: number;
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
/**
 * A JWT: three base64url parts, header and payload JSON objects (so both start `eyJ`, "{\"").
 * Identity access tokens (`burrow.at.<hex>`) never look like this.
 */
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

/** The signing key for resource access tokens, derived from the control plane's root key. */
export function resourceTokenKey(rootKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', rootKey, '', 'burrow resource access token v1', 32));
}

/** True when `token` has a JWT's shape (so it is a resource access token, not an identity's). */
export function isResourceAccessTokenShape(token: string): boolean {
  return JWT_SHAPE.test(token);
}

export function signResourceAccessToken(
  key: Uint8Array,
  claims: ResourceAccessClaims,
  now = Date.now(),
): string {
  const payload = base64url(
    JSON.stringify({
      [ID_CLAIM[claims.type]]: claims.resourceId,
      orgId: claims.orgId,
      authTokenType: RESOURCE_TOKEN_TYPE[claims.type],
      tokenVersion: claims.tokenVersion,
      iat: Math.floor(now / 1000),
    }),
  );
  return `${HEADER}.${payload}.${sign(key, `${HEADER}.${payload}`)}`;
}

/** The claims of a token this key signed; throws AuthError INVALID_CREDENTIALS otherwise. */
export function verifyResourceAccessToken(key: Uint8Array, token: string): ResourceAccessClaims {
  const invalid = () => new AuthError('INVALID_CREDENTIALS', 'access token is not valid');
  if (!isResourceAccessTokenShape(token)) throw invalid();
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const expected = Buffer.from(sign(key, `${header}.${payload}`));
  const presented = Buffer.from(signature);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw invalid();
  }
  if (header !== HEADER) throw invalid();
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    throw invalid();
  }
  const type = (Object.keys(RESOURCE_TOKEN_TYPE) as ResourceType[]).find(
    (candidate) => claims.authTokenType === RESOURCE_TOKEN_TYPE[candidate],
  );
  const resourceId = type && claims[ID_CLAIM[type]];
  const { orgId, tokenVersion } = claims;
  if (
    !type ||
    typeof resourceId !== 'string' ||
    typeof orgId !== 'string' ||
    typeof tokenVersion !== 'number' ||
    !Number.isInteger(tokenVersion)
  ) {
    throw invalid();
  }
  return { type, resourceId, orgId, tokenVersion };
}

function sign(key: Uint8Array, input: string): string {
  return createHmac('sha256', key).update(input, 'utf8').digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
