import { formatDurationSeconds, parseDurationSeconds } from '../domain/duration-string.ts';
import { InvalidRequestError, NotFoundError } from '../domain/errors.ts';
import { authorize, can } from '../domain/permissions.ts';
import type { AuditActor } from '../stores/audit-event-store.ts';
import type {
  DynamicSecretLease,
  DynamicSecretLeaseStore,
} from '../stores/dynamic-secret-lease-store.ts';
import type { DynamicSecret } from '../stores/dynamic-secret-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import { actorOf, PLATFORM_ACTOR, type AuditLog } from './audit-log.ts';
import {
  newRoleName,
  newRolePassword,
  type DynamicSecretDatabase,
} from './dynamic-secret-database.ts';
import type { DynamicSecretService } from './dynamic-secret-service.ts';
import { PostgresCallError } from './postgres-through-gateway.ts';

/**
 * Leases: create (a fresh role in the private database, credentials answered once), renew,
 * revoke, list; and the revocation of what is due, which the sweeper calls.
 *
 * Persistence first: a lease row is written before its role is created, so a role never exists
 * without a scheduled revocation — if the control plane dies right after CREATE ROLE, the row's
 * expiry still drops it (the revocation statement uses IF EXISTS by default).
 *
 * Revocation that fails (gateway, relay or database down) marks the lease `revocation pending`
 * with the reason and retries at `nextAttemptAt`, backing off from REVOCATION_RETRY_FIRST_MS
 * to REVOCATION_RETRY_MAX_MS. Audit: every create, renew and revoke, and an expiry's revocation,
 * once with its outcome (a retried revocation is recorded at its first failure and when it
 * finally succeeds, not at every retry).
 *
 * @example
 *   const { lease, password } = await leases.create(alice, { dynamicSecretName: 'orders-ro', ttl: '1h' });
 *   await leases.revokeDue(Date.now());
 */
export const REVOCATION_RETRY_FIRST_MS = 1_000;
export const REVOCATION_RETRY_MAX_MS = 60_000;

export interface LeaseView {
  lease: DynamicSecretLease;
  secret: DynamicSecret;
}

export class DynamicSecretLeases {
  readonly #leases: DynamicSecretLeaseStore;
  readonly #secrets: DynamicSecretService;
  readonly #database: DynamicSecretDatabase;
  readonly #audit: AuditLog;
  /** Leases whose revocation is running now (a request and the sweeper never run it twice at once). */
  readonly #revoking = new Map<string, Promise<DynamicSecretLease>>();
  /** Told when a lease's expiry is set, so the sweeper can wake up in time. */
  onScheduleChanged: () => void = () => undefined;

  constructor(deps: {
    leases: DynamicSecretLeaseStore;
    secrets: DynamicSecretService;
    database: DynamicSecretDatabase;
    audit: AuditLog;
  }) {
    this.#leases = deps.leases;
    this.#secrets = deps.secrets;
    this.#database = deps.database;
    this.#audit = deps.audit;
  }

  async create(
    caller: Identity,
    input: { dynamicSecretName: string; ttl?: string | undefined },
  ): Promise<LeaseView & { username: string; password: string }> {
    const secret = this.#secrets.requireLeasable(caller, input.dynamicSecretName);
    const ttlSeconds =
      input.ttl === undefined ? secret.defaultTtlSeconds : parseDurationSeconds(input.ttl, 'ttl');
    if (secret.maxTtlSeconds !== null && ttlSeconds > secret.maxTtlSeconds) {
      throw new InvalidRequestError(
        `ttl ${formatDurationSeconds(ttlSeconds)} is longer than the dynamic secret's maxTTL ${formatDurationSeconds(secret.maxTtlSeconds)}`,
      );
    }
    const username = newRoleName();
    const password = newRolePassword();
    const expireAt = Date.now() + ttlSeconds * 1000;
    const lease = this.#leases.create({
      orgId: caller.orgId,
      dynamicSecretId: secret.id,
      identityId: caller.id,
      username,
      expireAt,
    });
    const audit = {
      orgId: caller.orgId,
      eventType: 'create-dynamic-secret-lease',
      actor: actorOf(caller),
      resourceType: 'dynamic-secret-lease',
      resourceId: lease.id,
      resourceName: secret.name,
    };
    try {
      await this.#database.run(this.#secrets.adminTarget(secret), secret.creationStatement, {
        username,
        password,
        expiration: new Date(expireAt).toISOString(),
        database: secret.database,
      });
    } catch (error) {
      const reason = (error as Error).message;
      if (
        error instanceof PostgresCallError &&
        (error.databaseAnswered || error.beforeStatements)
      ) {
        // The database refused (its implicit transaction rolled back) or was never asked: no role.
        this.#leases.delete(lease.id);
      } else {
        // Unknown whether the role was made: revoke it as soon as possible.
        this.#leases.markRevocationPending(lease.id, `creation failed: ${reason}`, Date.now());
        this.onScheduleChanged();
      }
      this.#audit.record({ ...audit, outcome: 'failure', details: { role: username, reason } });
      throw new InvalidRequestError(
        `No lease: the role could not be created: ${reason}`,
        {},
        { cause: error },
      );
    }
    this.#audit.record({
      ...audit,
      outcome: 'success',
      details: {
        role: username,
        expireAt: new Date(expireAt).toISOString(),
        ttl: formatDurationSeconds(ttlSeconds),
      },
    });
    this.onScheduleChanged();
    return { lease: this.#leases.get(lease.id) as DynamicSecretLease, secret, username, password };
  }

  list(caller: Identity, dynamicSecretName: string): LeaseView[] {
    const secret = can(caller, 'dynamic-secrets.leases.read-any')
      ? this.#secrets.get(caller, dynamicSecretName)
      : this.#secrets.requireLeasable(caller, dynamicSecretName);
    const owner = can(caller, 'dynamic-secrets.leases.read-any') ? undefined : caller.id;
    return this.#leases.listLive(secret.id, owner).map((lease) => ({ lease, secret }));
  }

  get(caller: Identity, leaseId: string): LeaseView {
    return this.#visible(caller, leaseId, 'dynamic-secrets.leases.read-any');
  }

  async renew(caller: Identity, leaseId: string, ttl: string | undefined): Promise<LeaseView> {
    const { lease, secret } = this.#visible(caller, leaseId, 'dynamic-secrets.lease.any');
    // A member whose grant was taken back keeps no way to stretch what it holds.
    if (!can(caller, 'dynamic-secrets.lease.any'))
      this.#secrets.requireLeasable(caller, secret.name);
    if (lease.status !== 'active') {
      throw new InvalidRequestError(
        `Lease ${lease.id} is ${lease.status}; only an active lease can be renewed`,
      );
    }
    const now = Date.now();
    if (lease.expireAt <= now) throw new InvalidRequestError(`Lease ${lease.id} has expired`);
    const ttlSeconds =
      ttl === undefined ? secret.defaultTtlSeconds : parseDurationSeconds(ttl, 'ttl');
    const expireAt = lease.expireAt + ttlSeconds * 1000;
    if (secret.maxTtlSeconds !== null && expireAt > lease.createdAt + secret.maxTtlSeconds * 1000) {
      throw new InvalidRequestError(
        `Renewing by ${formatDurationSeconds(ttlSeconds)} would keep the lease past its maxTTL (${formatDurationSeconds(secret.maxTtlSeconds)} from its creation, ${new Date(lease.createdAt + secret.maxTtlSeconds * 1000).toISOString()})`,
      );
    }
    const audit = {
      orgId: lease.orgId,
      eventType: 'renew-dynamic-secret-lease',
      actor: actorOf(caller),
      resourceType: 'dynamic-secret-lease',
      resourceId: lease.id,
      resourceName: secret.name,
    };
    try {
      await this.#database.run(this.#secrets.adminTarget(secret), secret.renewStatement, {
        username: lease.username,
        password: '',
        expiration: new Date(expireAt).toISOString(),
        database: secret.database,
      });
    } catch (error) {
      const reason = (error as Error).message;
      this.#audit.record({
        ...audit,
        outcome: 'failure',
        details: { role: lease.username, reason },
      });
      throw new InvalidRequestError(`The lease was not renewed: ${reason}`, {}, { cause: error });
    }
    this.#leases.setExpiry(lease.id, expireAt);
    this.#audit.record({
      ...audit,
      outcome: 'success',
      details: { role: lease.username, expireAt: new Date(expireAt).toISOString() },
    });
    this.onScheduleChanged();
    return { lease: this.#leases.get(lease.id) as DynamicSecretLease, secret };
  }

  /** Revokes now; a failure is answered as the lease in `revocation pending` (retried by the sweeper). */
  async revoke(caller: Identity, leaseId: string): Promise<LeaseView> {
    const { lease, secret } = this.#visible(caller, leaseId, 'dynamic-secrets.lease.any');
    if (lease.status === 'revoked') return { lease, secret };
    const revoked = await this.#revokeOnce(
      lease,
      secret,
      actorOf(caller),
      'revoke-dynamic-secret-lease',
    );
    return { lease: revoked, secret };
  }

  /** Revokes every lease due at `now` (expired, or a pending retry whose time came). */
  async revokeDue(now: number): Promise<void> {
    for (const lease of this.#leases.due(now)) {
      const secret = this.#secrets.byId(lease.dynamicSecretId);
      if (!secret) continue;
      const eventType =
        lease.status === 'active' ? 'expire-dynamic-secret-lease' : 'revoke-dynamic-secret-lease';
      await this.#revokeOnce(lease, secret, PLATFORM_ACTOR, eventType);
    }
  }

  nextDueAt(): number | undefined {
    return this.#leases.nextDueAt();
  }

  /**
   * An identity was deleted: its leases end now (the sweeper drops their roles within seconds,
   * recorded as expiries). A departed service keeps no database role until its TTL runs out.
   */
  identityDeleted(identityId: string): number {
    const ended = this.#leases.expireAllOf(identityId, Date.now());
    if (ended > 0) this.onScheduleChanged();
    return ended;
  }

  #revokeOnce(
    lease: DynamicSecretLease,
    secret: DynamicSecret,
    actor: AuditActor,
    eventType: string,
  ): Promise<DynamicSecretLease> {
    const running = this.#revoking.get(lease.id);
    if (running) return running;
    const attempt = this.#attemptRevocation(lease, secret, actor, eventType).finally(() =>
      this.#revoking.delete(lease.id),
    );
    this.#revoking.set(lease.id, attempt);
    return attempt;
  }

  async #attemptRevocation(
    lease: DynamicSecretLease,
    secret: DynamicSecret,
    actor: AuditActor,
    eventType: string,
  ): Promise<DynamicSecretLease> {
    const audit = {
      orgId: lease.orgId,
      eventType,
      actor,
      resourceType: 'dynamic-secret-lease',
      resourceId: lease.id,
      resourceName: secret.name,
    };
    try {
      await this.#database.run(this.#secrets.adminTarget(secret), secret.revocationStatement, {
        username: lease.username,
        password: '',
        expiration: new Date(lease.expireAt).toISOString(),
        database: secret.database,
      });
    } catch (error) {
      const reason = (error as Error).message;
      const delay = Math.min(
        REVOCATION_RETRY_MAX_MS,
        REVOCATION_RETRY_FIRST_MS * 2 ** Math.min(lease.revokeAttempts, 16),
      );
      this.#leases.markRevocationPending(lease.id, reason, Date.now() + delay);
      if (lease.status === 'active') {
        this.#audit.record({
          ...audit,
          outcome: 'failure',
          details: {
            role: lease.username,
            reason,
            retry: 'the control plane retries with backoff',
          },
        });
      }
      return this.#leases.get(lease.id) as DynamicSecretLease;
    }
    this.#leases.markRevoked(lease.id);
    this.#audit.record({
      ...audit,
      outcome: 'success',
      details: { role: lease.username, attempts: lease.revokeAttempts + 1 },
    });
    return this.#leases.get(lease.id) as DynamicSecretLease;
  }

  /**
   * The lease if the caller may see it: its own, or any of its organization with `anyAction`.
   * Others' leases and other organizations' are 404 (their existence is not told).
   */
  #visible(
    caller: Identity,
    leaseId: string,
    anyAction: 'dynamic-secrets.lease.any' | 'dynamic-secrets.leases.read-any',
  ): LeaseView {
    if (!can(caller, anyAction)) authorize(caller, 'dynamic-secrets.lease');
    const lease = this.#leases.get(leaseId);
    const mayAct =
      lease &&
      lease.orgId === caller.orgId &&
      (lease.identityId === caller.id || can(caller, anyAction));
    const secret = lease && this.#secrets.byId(lease.dynamicSecretId);
    if (!lease || !mayAct || !secret) throw new NotFoundError(`Lease ${leaseId} not found`);
    return { lease, secret };
  }
}
