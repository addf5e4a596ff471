import type { JWTPayload } from 'jose';
import { startLoopbackServer } from './loopback-server.ts';
import { createSigningKey, type SignOptions, type SigningKey } from './signing-key.ts';

/**
 * An OpenID Connect issuer on loopback: `/.well-known/openid-configuration` names the issuer
 * (its own URL) and `jwks_uri` (`/jwks`), which serves the public key. `issue()` signs ID tokens.
 * Also serves as the JWKS of JWT auth.
 *
 * @example
 *   const issuer = await startOidcIssuer();
 *   const jwt = await issuer.issue({ sub: 'repo:acme/infra', aud: 'burrow' });
 */
export interface OidcIssuer {
  url: string;
  jwksUrl: string;
  key: SigningKey;
  issue(claims: JWTPayload, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const key = await createSigningKey();
  let issuerUrl = '';
  const server = await startLoopbackServer((request) => {
    if (request.url.pathname === '/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: issuerUrl,
          jwks_uri: `${issuerUrl}/jwks`,
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
        },
      };
    }
    if (request.url.pathname === '/jwks') return { status: 200, body: { keys: [key.publicJwk] } };
    return { status: 404, body: { error: 'not found' } };
  });
  issuerUrl = server.url;
  return {
    url: server.url,
    jwksUrl: `${server.url}/jwks`,
    key,
    issue: (claims, options) => key.sign({ iss: issuerUrl, ...claims }, options),
    close: () => server.close(),
  };
}
