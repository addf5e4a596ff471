import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './auth-error.ts';
import { providerJson } from './provider-request.ts';

/**
 * JSON Web Key Sets of identity providers, fetched over HTTP(S) (optionally with a pinned CA)
 * and kept for a while. A token whose `kid` is not in the cached set triggers one refetch (keys
 * rotate), at most once per {@link JWKS_REFETCH_COOLDOWN_MS}, so unknown-key tokens cannot make
 * the control plane hammer a provider.
 *
 * @example
 *   const jwks = new JwksCache();
 *   const { payload } = await jwtVerify(token, jwks.keyGetter(jwksUrl), { audience });
 */
export const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
export const JWKS_REFETCH_COOLDOWN_MS = 30 * 1000;

interface Entry {
  keys: JWTVerifyGetKey;
  kids: Set<string | undefined>;
  fetchedAt: number;
}

export class JwksCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** A jose key resolver for the JWKS at `url`. */
  keyGetter(url: string, caCert?: string): JWTVerifyGetKey {
    return async (protectedHeader, token) => {
      const cacheKey = `${url}\n${caCert ?? ''}`;
      let entry = this.#entries.get(cacheKey);
      const age = entry ? this.#now() - entry.fetchedAt : Infinity;
      const kidUnknown = entry !== undefined && !entry.kids.has(protectedHeader.kid);
      if (age > JWKS_MAX_AGE_MS || (kidUnknown && age > JWKS_REFETCH_COOLDOWN_MS)) {
        entry = await this.#fetch(url, caCert);
        this.#entries.set(cacheKey, entry);
      }
      return (entry as Entry).keys(protectedHeader, token);
    };
  }

  async #fetch(url: string, caCert: string | undefined): Promise<Entry> {
    const document = (await providerJson('the JWKS', url, { caCert })) as Partial<JSONWebKeySet>;
    if (!Array.isArray(document.keys)) {
      throw new AuthError('PROVIDER_UNAVAILABLE', `the JWKS at ${new URL(url).origin} has no keys`);
    }
    const jwks = { keys: document.keys };
    return {
      keys: createLocalJWKSet(jwks),
      kids: new Set(jwks.keys.map((key) => key.kid)),
      fetchedAt: this.#now(),
    };
  }
}
