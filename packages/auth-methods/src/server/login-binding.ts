import { AuthError } from './auth-error.ts';
import { splitList } from './bound-claims.ts';

/**
 * Login methods fail closed. An identity-provider credential (a Google ID token, a signed STS
 * request, an OIDC or Kubernetes token, an Azure managed identity token) proves who *some*
 * principal is, not that it is *this* identity's principal: a configuration that binds no
 * principal (no allowed service account or project, no principal ARN or account, no bound
 * subject, audience or claim, no namespace or service account name, no service principal) would
 * hand a token to anyone who can get such a credential — any GCE VM, any AWS account, any GitHub
 * workflow. So:
 *
 * - creating such a configuration is refused (400, INVALID_ARGUMENT) naming the fields to set;
 * - a stored configuration without a binding (written before this rule) accepts no login: it is
 *   refused (401, NOT_BOUND) before any identity provider is asked, naming the fields an admin
 *   must set. Rows are not migrated: no binding can be invented for them.
 *
 * A pattern made only of `*` binds nothing and does not count.
 *
 * Each method says what it lacks with its own `…MissingBinding(config)`: undefined when bound,
 * otherwise the fields to set, e.g. "allowedServiceAccounts or allowedProjects".
 *
 * @example
 *   refuseUnboundConfiguration('GCP auth', gcpMissingBinding(config));
 *   refuseUnboundLogin('GCP auth', gcpMissingBinding(config));
 */
export function bindsSomething(list: string | readonly string[] | undefined): boolean {
  const patterns = typeof list === 'string' || list === undefined ? splitList(list) : list;
  return patterns.some((pattern) => !/^\**$/.test(pattern.trim()));
}

/** True when some bound claim has a value other than wildcards. */
export function bindsSomeClaim(claims: Record<string, string> | undefined): boolean {
  return Object.values(claims ?? {}).some((allowed) => bindsSomething(allowed));
}

export function refuseUnboundConfiguration(method: string, missing: string | undefined): void {
  if (missing === undefined) return;
  throw new AuthError(
    'INVALID_ARGUMENT',
    `${method} needs ${missing}: without a binding it would accept anyone who can get such a credential`,
  );
}

export function refuseUnboundLogin(method: string, missing: string | undefined): void {
  if (missing === undefined) return;
  throw new AuthError(
    'NOT_BOUND',
    `${method} of this identity binds no principal, so it accepts no login; an admin must set ${missing}`,
  );
}
