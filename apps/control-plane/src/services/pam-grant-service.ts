import { ConflictError, ForbiddenError, NotFoundError } from '../domain/errors.ts';
import { grantCovers, normalizeAccountPath } from '../domain/pam-grant-path.ts';
import { authorize, can } from '../domain/permissions.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { PamGrant, PamGrantStore } from '../stores/pam-grant-store.ts';
import type { AuditLog } from './audit-log.ts';
import type { IdentityDirectory } from './identity-directory.ts';

/**
 * PAM grants: admins grant an identity an account (`prod/orders-db`) or a folder (`prod/`), list
 * and revoke grants; `requireAccess` is what `pam access` asks before it opens a session.
 *
 * Admins need no grant (`pam.access.any`): they can grant themselves anything, so a grant would
 * add a step, not a protection. Roles without `pam.access` (auditor, relay, gateway) get no
 * grants at all: a grant could not make them able to open a session.
 *
 * @example
 *   grants.create(admin, { identityId: alice.id, path: 'prod/' });
 *   grants.requireAccess(alice, 'prod/orders-db'); // passes
 *   grants.requireAccess(alice, 'staging/orders-db'); // 403
 */
export class PamGrantService {
  readonly #grants: PamGrantStore;
  readonly #directory: IdentityDirectory;

  readonly #audit: AuditLog;

  constructor(deps: { grants: PamGrantStore; directory: IdentityDirectory; audit: AuditLog }) {
    this.#grants = deps.grants;
    this.#directory = deps.directory;
    this.#audit = deps.audit;
  }

  create(caller: Identity, input: { identityId: string; path: string }): PamGrant {
    authorize(caller, 'pam.grants.manage');
    const grantee = this.#directory.grantee(
      caller,
      input.identityId,
      'pam.access',
      'access PAM accounts',
    );
    const grant = this.#grants.create({
      orgId: caller.orgId,
      identityId: grantee.id,
      path: input.path,
      createdBy: caller.id,
    });
    if (!grant) {
      throw new ConflictError(`Identity ${grantee.id} already has a grant on ${input.path}`);
    }
    this.#record(caller, 'create-pam-grant', grant, grantee.name);
    return grant;
  }

  list(caller: Identity, identityId?: string): PamGrant[] {
    authorize(caller, 'pam.grants.manage');
    return this.#grants.list(caller.orgId, identityId);
  }

  delete(caller: Identity, grantId: string): PamGrant {
    authorize(caller, 'pam.grants.manage');
    const grant = this.#grants.get(grantId);
    if (!grant || grant.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM grant ${grantId} not found`);
    }
    this.#grants.delete(grant.id);
    this.#record(caller, 'delete-pam-grant', grant);
    return grant;
  }

  /** Named by its path; details say whose it is. */
  #record(caller: Identity, eventType: string, grant: PamGrant, grantee?: string): void {
    this.#audit.recordChange(caller, {
      eventType,
      resourceType: 'pam-grant',
      resourceId: grant.id,
      resourceName: grant.path,
      details: { identityId: grant.identityId, ...(grantee ? { identity: grantee } : {}) },
    });
  }

  /**
   * Throws a 403 unless the caller may open a session on `path` (an account path, as `pam
   * access` names it). Decided on the path alone, before the account is looked up, so a refusal
   * does not tell whether the account exists.
   */
  requireAccess(caller: Identity, path: string): void {
    authorize(caller, 'pam.access');
    if (can(caller, 'pam.access.any')) return;
    const accountPath = normalizeAccountPath(path);
    if (this.#grants.pathsOf(caller.id).some((grant) => grantCovers(grant, accountPath))) return;
    throw new ForbiddenError(
      `No grant gives this identity access to ${accountPath}; an admin can grant the account or its folder (POST /api/v1/pam/grants)`,
    );
  }
}
