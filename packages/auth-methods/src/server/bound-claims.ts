import type { JWTPayload } from 'jose';
import { AuthError } from './auth-error.ts';

/**
 * The reference's "bound" checks for OIDC and JWT auth (Infisical's boundIssuer, boundAudiences,
 * boundSubject, boundClaims). Lists are comma-separated strings, as in the reference API. Subject
 * and claim values may use `*` as a wildcard (any run of characters), as the reference's glob
 * matching does; an empty bound means "anything".
 *
 * @example
 *   assertBoundClaims(payload, { boundAudiences: 'burrow', boundClaims: { repository: 'acme/*' } }, 'OIDC token');
 */
export interface ClaimBindings {
  boundIssuer?: string | undefined;
  boundAudiences?: string | undefined;
  boundSubject?: string | undefined;
  /** Claim name → comma-separated allowed values (each may contain `*`). */
  boundClaims?: Record<string, string> | undefined;
}

/** `"a, b,,c"` → `['a', 'b', 'c']`. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** True when `value` matches `pattern`, where `*` stands for any run of characters. */
export function globMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`, 's').test(value);
}

export function assertBoundClaims(
  payload: JWTPayload,
  bindings: ClaimBindings,
  what: string,
): void {
  if (bindings.boundIssuer && payload.iss !== bindings.boundIssuer) {
    throw new AuthError('NOT_BOUND', `${what} issuer is not the bound issuer`);
  }
  const audiences = splitList(bindings.boundAudiences);
  if (audiences.length > 0) {
    const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    if (!tokenAudiences.some((aud) => audiences.includes(aud))) {
      throw new AuthError('NOT_BOUND', `${what} audience is not one of the bound audiences`);
    }
  }
  if (bindings.boundSubject && !globMatches(bindings.boundSubject, String(payload.sub ?? ''))) {
    throw new AuthError('NOT_BOUND', `${what} subject is not the bound subject`);
  }
  for (const [claim, allowed] of Object.entries(bindings.boundClaims ?? {})) {
    const patterns = splitList(allowed);
    const actual = payload[claim];
    const values = Array.isArray(actual) ? actual : actual === undefined ? [] : [actual];
    const ok = values.some((value) =>
      patterns.some((pattern) =>
        globMatches(pattern, typeof value === 'string' ? value : JSON.stringify(value)),
      ),
    );
    if (!ok) {
      throw new AuthError('NOT_BOUND', `${what} claim "${claim}" is not bound to this identity`);
    }
  }
}
