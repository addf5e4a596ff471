import type { KeyObject } from 'node:crypto';
import {
  decodeJwt,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { AuthError } from './auth-error.ts';

/**
 * Verifies a JWT with `jose` and turns each way it can fail into an AuthError whose message says
 * why (never the token): expired, not yet valid, signed by an unknown key, bad signature, wrong
 * issuer or audience, malformed. Only asymmetric algorithms are accepted (the key comes from a
 * provider; a shared-secret HMAC key would let anyone holding it mint tokens).
 *
 * @example
 *   const payload = await verifyJwt(jwt, jwks.keyGetter(url), { audience: identityId }, 'Google ID token');
 */
export const ASYMMETRIC_JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** Clock difference tolerated between the provider and the control plane. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 60;

/** Largest token accepted; identity tokens are a few KiB. */
export const MAX_JWT_LENGTH = 16 * 1024;

export async function verifyJwt(
  jwt: string,
  key: JWTVerifyGetKey | readonly KeyObject[],
  options: Omit<JWTVerifyOptions, 'algorithms' | 'clockTolerance'>,
  what: string,
): Promise<JWTPayload> {
  if (jwt.length > MAX_JWT_LENGTH) {
    throw new AuthError('INVALID_CREDENTIALS', `${what} is longer than ${MAX_JWT_LENGTH} bytes`);
  }
  const verifyOptions: JWTVerifyOptions = {
    ...options,
    algorithms: ASYMMETRIC_JWT_ALGORITHMS,
    clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
  };
  if (typeof key === 'function') {
    try {
      return (await jwtVerify(jwt, key, verifyOptions)).payload;
    } catch (error) {
      throw jwtFailure(error, what);
    }
  }
  // Static keys: the token is good if one of them verifies it.
  for (const candidate of key) {
    try {
      return (await jwtVerify(jwt, candidate, verifyOptions)).payload;
    } catch (error) {
      if (!isWrongKey(error)) throw jwtFailure(error, what);
    }
  }
  throw new AuthError(
    'INVALID_CREDENTIALS',
    `${what} is not signed by any of the configured public keys`,
  );
}

/** The key did not make the signature (or cannot: another key type or algorithm). */
function isWrongKey(error: unknown): boolean {
  return (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSENotSupported ||
    error instanceof TypeError
  );
}

/** Decodes the claims without verifying (only to learn where the verification key lives). */
export function unverifiedClaims(jwt: string, what: string): JWTPayload {
  try {
    return decodeJwt(jwt);
  } catch {
    throw new AuthError('INVALID_CREDENTIALS', `${what} is not a well-formed JWT`);
  }
}

export function jwtFailure(error: unknown, what: string): Error {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) {
    return new AuthError('EXPIRED', `${what} has expired`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError('INVALID_CREDENTIALS', `${what} is signed by an unknown key`);
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthError('INVALID_CREDENTIALS', `${what} names a key the provider lists twice`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError('INVALID_CREDENTIALS', `${what} has an invalid signature`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') {
      return new AuthError('NOT_BOUND', `${what} audience is not allowed for this identity`);
    }
    if (error.claim === 'iss') {
      return new AuthError('NOT_BOUND', `${what} issuer is not allowed for this identity`);
    }
    if (error.claim === 'nbf')
      return new AuthError('INVALID_CREDENTIALS', `${what} is not valid yet`);
    return new AuthError(
      'INVALID_CREDENTIALS',
      `${what} claim "${error.claim}" is invalid: ${error.reason}`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError('INVALID_CREDENTIALS', `${what} uses an algorithm that is not accepted`);
  }
  if (error instanceof errors.JOSEError) {
    return new AuthError('INVALID_CREDENTIALS', `${what} is not a valid JWT (${error.code})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
