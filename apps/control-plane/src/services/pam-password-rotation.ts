import { scramSha256Verifier } from '../crypto/scram-verifier.ts';
import { InvalidRequestError, NotFoundError } from '../domain/errors.ts';
import { authorize } from '../domain/permissions.ts';
import type { AuditActor } from '../stores/audit-event-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { PamAccount, PamAccountStore } from '../stores/pam-account-store.ts';
import type {
  PamAccountRotation,
  PamAccountRotationStore,
} from '../stores/pam-account-rotation-store.ts';
import type { PamResource, PamResourceStore } from '../stores/pam-resource-store.ts';
import { actorOf, PLATFORM_ACTOR, type AuditLog } from './audit-log.ts';
import { newRolePassword } from './dynamic-secret-database.ts';
import type { GatewayTunnelClient } from './gateway-tunnel.ts';
import { withPostgresThroughGateway } from './postgres-through-gateway.ts';

/**
 * Password rotation of PostgreSQL PAM accounts, on demand or on a schedule.
 *
 * The control plane logs in to the account's database through the resource's gateway as the
 * account itself (with the stored password) and runs, in one transaction,
 * `ALTER ROLE <account> PASSWORD '<SCRAM verifier of a new password>'` — a role may always change
 * its own password, so no admin credentials are needed, and the new password itself never
 * reaches the database server. Only after COMMIT succeeded is the new password stored (sealed),
 * so PAM sessions opened from then on use it. Sessions already open are not touched: PostgreSQL
 * checks a password only at login.
 *
 * A rotation that fails (gateway down, the stored password no longer works, the database refuses
 * the ALTER) changes nothing: the stored password still works, and the rotation's status says
 * `failed` with the reason. Known gap: a control plane that dies between the database's COMMIT
 * and the local write loses the new password (the window is one SQLite write).
 *
 * @example
 *   await rotation.rotateNow(admin, accountId); // {status:'success', …} or {status:'failed', message}
 */
/** After a failed scheduled rotation, the next try comes at most this much later. */
export const ROTATION_RETRY_AFTER_FAILURE_MS = 10 * 60 * 1000;

export interface RotationView {
  account: PamAccount;
  rotation: PamAccountRotation;
}

export class PamPasswordRotation {
  readonly #accounts: PamAccountStore;
  readonly #resources: PamResourceStore;
  readonly #rotations: PamAccountRotationStore;
  readonly #tunnel: GatewayTunnelClient;
  readonly #audit: AuditLog;
  readonly #running = new Map<string, Promise<RotationView>>();
  onScheduleChanged: () => void = () => undefined;

  constructor(deps: {
    accounts: PamAccountStore;
    resources: PamResourceStore;
    rotations: PamAccountRotationStore;
    tunnel: GatewayTunnelClient;
    audit: AuditLog;
  }) {
    this.#accounts = deps.accounts;
    this.#resources = deps.resources;
    this.#rotations = deps.rotations;
    this.#tunnel = deps.tunnel;
    this.#audit = deps.audit;
  }

  get(caller: Identity, accountId: string): RotationView {
    authorize(caller, 'pam.inventory.read');
    const { account } = this.#find(caller, accountId);
    return { account, rotation: this.#rotations.get(account.id) };
  }

  setSchedule(
    caller: Identity,
    accountId: string,
    input: { rotationEnabled: boolean; rotationIntervalSeconds?: number | undefined },
  ): RotationView {
    authorize(caller, 'pam.rotation.manage');
    const { account } = this.#find(caller, accountId);
    const current = this.#rotations.get(account.id);
    const interval = input.rotationIntervalSeconds ?? current.intervalSeconds;
    if (input.rotationEnabled && interval === null) {
      throw new InvalidRequestError('rotationIntervalSeconds is needed to rotate on a schedule');
    }
    const next = input.rotationEnabled && interval !== null ? Date.now() + interval * 1000 : null;
    this.#rotations.setSchedule(account.id, input.rotationEnabled, interval, next);
    this.onScheduleChanged();
    return { account, rotation: this.#rotations.get(account.id) };
  }

  rotateNow(caller: Identity, accountId: string): Promise<RotationView> {
    authorize(caller, 'pam.rotation.manage');
    const { account, resource } = this.#find(caller, accountId);
    return this.#rotateOnce(account, resource, actorOf(caller));
  }

  /** Rotates every account whose scheduled time came (the sweeper calls it). */
  async runDue(now: number): Promise<void> {
    for (const accountId of this.#rotations.due(now)) {
      const account = this.#accounts.get(accountId);
      const resource = account && this.#resources.get(account.resourceId);
      if (!account || !resource) continue;
      await this.#rotateOnce(account, resource, PLATFORM_ACTOR);
    }
  }

  nextDueAt(): number | undefined {
    return this.#rotations.nextDueAt();
  }

  #rotateOnce(
    account: PamAccount,
    resource: PamResource,
    actor: AuditActor,
  ): Promise<RotationView> {
    const running = this.#running.get(account.id);
    if (running) return running;
    const attempt = this.#rotate(account, resource, actor).finally(() =>
      this.#running.delete(account.id),
    );
    this.#running.set(account.id, attempt);
    return attempt;
  }

  async #rotate(
    account: PamAccount,
    resource: PamResource,
    actor: AuditActor,
  ): Promise<RotationView> {
    const schedule = this.#rotations.get(account.id);
    const interval =
      schedule.enabled && schedule.intervalSeconds !== null
        ? schedule.intervalSeconds * 1000
        : null;
    const audit = {
      orgId: account.orgId,
      eventType: 'rotate-pam-account-password',
      actor,
      resourceType: 'pam-account',
      resourceId: account.id,
      resourceName: account.path,
    };
    const newPassword = newRolePassword();
    if (resource.resourceType !== 'postgres') throw new Error('only postgres accounts rotate');
    const details = resource.connectionDetails;
    try {
      await withPostgresThroughGateway(
        this.#tunnel,
        {
          gatewayId: resource.gatewayId,
          host: details.host,
          port: details.port,
          database: details.database,
          username: account.username,
          password: this.#accounts.secret(account.id) ?? '',
          ca: details.sslEnabled && details.sslCertificate ? details.sslCertificate : null,
        },
        async (client) => {
          await client.query('BEGIN');
          await client.query(
            `ALTER ROLE ${client.escapeIdentifier(account.username)} PASSWORD ${client.escapeLiteral(scramSha256Verifier(newPassword))}`,
          );
          await client.query('COMMIT');
        },
      );
    } catch (error) {
      const message = `${(error as Error).message}; the previous password still works`;
      const now = Date.now();
      this.#rotations.recordOutcome(account.id, {
        status: 'failed',
        message,
        rotatedAt: null,
        nextRotationAt:
          interval === null ? null : now + Math.min(interval, ROTATION_RETRY_AFTER_FAILURE_MS),
      });
      this.#audit.record({
        ...audit,
        outcome: 'failure',
        details: { username: account.username, reason: message },
      });
      return { account, rotation: this.#rotations.get(account.id) };
    }
    const now = Date.now();
    this.#accounts.setLogin(account.id, { authMethod: undefined, secret: newPassword });
    this.#rotations.recordOutcome(account.id, {
      status: 'success',
      message: null,
      rotatedAt: now,
      nextRotationAt: interval === null ? null : now + interval,
    });
    this.#audit.record({ ...audit, outcome: 'success', details: { username: account.username } });
    return { account, rotation: this.#rotations.get(account.id) };
  }

  #find(caller: Identity, accountId: string): { account: PamAccount; resource: PamResource } {
    const account = this.#accounts.get(accountId);
    const resource = account && this.#resources.get(account.resourceId);
    if (!account || account.orgId !== caller.orgId || !resource) {
      throw new NotFoundError(`PAM account ${accountId} not found`);
    }
    if (resource.resourceType !== 'postgres') {
      throw new InvalidRequestError(
        `Password rotation is built for PostgreSQL accounts; ${account.path} is a ${resource.resourceType} account`,
      );
    }
    return { account, resource };
  }
}
