import type { webcrypto } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/**
 * An RS256 signing key of a test identity provider, with its `kid` and public JWK / SPKI PEM.
 *
 * @example
 *   const key = await createSigningKey();
 *   const jwt = await key.sign({ sub: 'x', aud: 'y' }, { expiresInSeconds: 600 });
 */
export interface SigningKey {
  kid: string;
  publicJwk: JWK;
  publicKeyPem: string;
  privateKey: webcrypto.CryptoKey;
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
}

export interface SignOptions {
  /** Seconds until `exp`; negative for an already expired token. Default 600. */
  expiresInSeconds?: number;
  /** Override the `kid` header (e.g. to name a key the provider does not publish). */
  kid?: string;
}

export async function createSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const publicKeyPem = await exportSPKI(publicKey);
  return {
    kid,
    publicJwk,
    publicKeyPem,
    privateKey,
    async sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const lifetime = options.expiresInSeconds ?? 600;
      return new SignJWT({ iat: lifetime < 0 ? now + lifetime - 60 : now, ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? kid })
        .setExpirationTime(now + lifetime)
        .sign(privateKey);
    },
  };
}

/** Flips one character of the signature: same header and claims, signature no longer valid. */
export function tamperSignature(jwt: string): string {
  const [header, payload, signature = ''] = jwt.split('.');
  const last = signature.at(-2) === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, -2)}${last}${signature.slice(-1)}`;
}

/** Changes a claim but keeps the original signature (which then no longer matches). */
export function tamperClaims(jwt: string, changes: JWTPayload): string {
  const [header, payload = '', signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload;
  const forged = Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url');
  return `${header}.${forged}.${signature}`;
}
