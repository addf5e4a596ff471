import type { FastifyRequest } from 'fastify';
import type { Identity } from '../stores/identity-store.ts';
import type { ControlPlaneContext } from './control-plane-context.ts';
import { notFound } from './http-error.ts';
import { requireAdmin, requireOrg } from './authorization.ts';

/**
 * Authenticates the machine identity behind `Authorization: Bearer <access token>` (counting one
 * use of the token) or throws 401/403.
 *
 * @example
 *   const caller = authenticate(context, request);
 */
export function authenticate(context: ControlPlaneContext, request: FastifyRequest): Identity {
  const { identity } = context.accessTokens.authenticate(request.headers.authorization, request.ip);
  request.log.debug({ identityId: identity.id }, 'identity authenticated');
  return identity;
}

/** The identity `identityId`, which must be in the caller's organization; the caller must be admin. */
export function manageableIdentity(
  context: ControlPlaneContext,
  caller: Identity,
  identityId: string,
): Identity {
  const target = context.identities.get(identityId);
  if (!target || target.orgId !== caller.orgId) throw notFound(`Identity ${identityId} not found`);
  requireOrg(caller, target.orgId);
  requireAdmin(caller);
  return target;
}
