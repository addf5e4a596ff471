import type { ClientSecretRecord } from '@burrow/auth-methods';
import type { Db } from '../db/database.ts';
import { ForbiddenError, NotFoundError } from '../domain/errors.ts';
import { authorize } from '../domain/permissions.ts';
import type { AccessTokenStore } from '../stores/access-token-store.ts';
import type { Gateway, GatewayStore } from '../stores/gateway-store.ts';
import type { Identity, IdentityStore } from '../stores/identity-store.ts';
import type { PamSession, PamSessionStore } from '../stores/pam-session-store.ts';
import type { Relay, RelayStore } from '../stores/relay-store.ts';
import type { UniversalAuthStore } from '../stores/universal-auth-store.ts';
import type { GatewayCommands, Logger } from './gateway-commands.ts';
import { GATEWAY_RELAY_REGISTRATION_MAX_AGE_MS } from './gateway-tunnel.ts';

/**
 * Revocation that bites (issue 12): what stops, and how fast, when something is revoked.
 *
 *   revoke a token              refused at its next request (401); the PAM sessions it opened end
 *                               and are closed at their gateway
 *   revoke a client secret      the secret and every token it issued, as above
 *   delete an identity          tombstone; all its tokens and client secrets revoked (its logins
 *                               and requests refused from the next one); its gateway and its org
 *                               relay deleted as below; its PAM sessions ended at the gateway;
 *                               its dynamic-secret leases end now (their roles are dropped by
 *                               the schedule within seconds)
 *   delete a gateway            no new certificates; its open sessions end; the gateway is told to
 *                               check in, is refused, and stops — closing its relay tunnels and
 *                               every stream and PAM connection (gateway-commands.ts)
 *   delete a relay              tombstone (the name cannot come back); the gateways that hold it
 *                               are told to check in and close their tunnel to it; the relay
 *                               stops at its next heartbeat (404)
 *   end a PAM session           its user, its gateway or an admin; closed at the gateway with the
 *                               reference's cancellation, which also drops the cached credentials
 *
 * The database changes happen in one transaction before anything is sent, so the refusals hold
 * even when a gateway cannot be reached; the gateway commands then run in parallel, each within
 * its deadline (a few seconds), and the route answers once they were sent.
 *
 * Who may (domain/permissions.ts): identities.manage (identities, client secrets),
 * gateways.delete, relays.delete, pam.sessions.end-any — admins; a session's own user and its
 * gateway for that session.
 * A token's holder may revoke it (the reference's route takes the token itself).
 */
export interface RevocationDeps {
  db: Db;
  identities: IdentityStore;
  accessTokens: AccessTokenStore;
  universalAuth: UniversalAuthStore;
  gateways: GatewayStore;
  relays: RelayStore;
  sessions: PamSessionStore;
  commands: GatewayCommands;
  /** Ends a deleted identity's dynamic-secret leases. */
  leases: { identityDeleted(identityId: string): number };
}

/** What a revocation ended; the gateway commands it sent are logged, not answered. */
interface Fallout {
  sessions: PamSession[];
  gatewayIds: string[];
}

export class Revocation {
  readonly #deps: RevocationDeps;

  constructor(deps: RevocationDeps) {
    this.#deps = deps;
  }

  /** After `POST /api/v1/auth/token/revoke`: ends the sessions the token opened. */
  async tokenRevoked(tokenId: string, logger?: Logger): Promise<void> {
    const sessions = this.#endSessions(this.#deps.sessions.listOpen({ accessTokenId: tokenId }));
    await this.#reach({ sessions, gatewayIds: [] }, logger);
  }

  /** Revokes one universal-auth client secret and the tokens it issued (admin). */
  async revokeClientSecret(
    caller: Identity,
    identityId: string,
    clientSecretId: string,
    logger?: Logger,
  ): Promise<ClientSecretRecord> {
    const identity = this.#manageable(caller, identityId);
    const { universalAuth, accessTokens, sessions, db } = this.#deps;
    const secretOf = () => universalAuth.secrets(identity.id).find((s) => s.id === clientSecretId);
    if (!secretOf()) throw new NotFoundError(`Client secret ${clientSecretId} not found`);
    const fallout = db.transaction((): Fallout => {
      universalAuth.revokeSecrets(identity.id, clientSecretId);
      const open = sessions.listOpen({ clientSecretId });
      accessTokens.revokeAll({ clientSecretId });
      return { sessions: this.#endSessions(open), gatewayIds: [] };
    })();
    await this.#reach(fallout, logger);
    return secretOf() as ClientSecretRecord;
  }

  /** Deletes an identity and revokes everything it holds (admin; not itself). */
  async deleteIdentity(caller: Identity, identityId: string, logger?: Logger): Promise<Identity> {
    const identity = this.#manageable(caller, identityId);
    if (identity.id === caller.id) {
      throw new ForbiddenError('An identity cannot delete itself; ask another admin');
    }
    const { identities, accessTokens, universalAuth, gateways, relays, sessions, db } = this.#deps;
    const fallout = db.transaction((): Fallout => {
      identities.markDeleted(identity.id);
      accessTokens.revokeAll({ identityId: identity.id });
      universalAuth.revokeSecrets(identity.id);
      const open = sessions.listOpen({ identityId: identity.id });
      const result: Fallout = { sessions: [], gatewayIds: [] };
      const gateway = gateways.findByIdentity(identity.id);
      if (gateway && gateway.deletedAt === null) this.#gatewayGone(gateway, result);
      const relay = relays.findOrgRelayOfIdentity(identity.orgId, identity.id);
      if (relay && relay.deletedAt === null) this.#relayGone(relay, result);
      result.sessions.push(...this.#endSessions(open));
      return result;
    })();
    const leases = this.#deps.leases.identityDeleted(identity.id);
    if (leases > 0)
      logger?.info({ identityId: identity.id, leases }, 'dynamic-secret leases ended');
    await this.#reach(fallout, logger);
    return identity;
  }

  /** Deletes a gateway (admin): its sessions end and the gateway stops within seconds. */
  async deleteGateway(caller: Identity, gatewayId: string, logger?: Logger): Promise<Gateway> {
    authorize(caller, 'gateways.delete');
    const gateway = this.#deps.gateways.get(gatewayId);
    if (!gateway || gateway.orgId !== caller.orgId || gateway.deletedAt !== null) {
      throw new NotFoundError(`Gateway ${gatewayId} not found`);
    }
    const fallout: Fallout = { sessions: [], gatewayIds: [] };
    this.#deps.db.transaction(() => this.#gatewayGone(gateway, fallout))();
    await this.#reach(fallout, logger);
    return gateway;
  }

  /** Deletes an org relay (admin): the gateways that hold it close their tunnels to it. */
  async deleteRelay(caller: Identity, relayId: string, logger?: Logger): Promise<Relay> {
    authorize(caller, 'relays.delete');
    const relay = this.#deps.relays.get(relayId);
    if (
      !relay ||
      relay.deletedAt !== null ||
      (relay.orgId !== null && relay.orgId !== caller.orgId)
    ) {
      throw new NotFoundError(`Relay ${relayId} not found`);
    }
    if (relay.orgId === null) {
      throw new ForbiddenError(
        `Relay ${relay.name} is an instance relay; it is managed with the instance's relay auth secret, not by an organization`,
      );
    }
    const fallout: Fallout = { sessions: [], gatewayIds: [] };
    this.#deps.db.transaction(() => this.#relayGone(relay, fallout))();
    await this.#reach(fallout, logger);
    return relay;
  }

  /** Closes an ended session at its gateway (after PamSessionService.end). */
  async sessionEnded(session: PamSession, logger?: Logger): Promise<void> {
    await this.#reach({ sessions: [session], gatewayIds: [] }, logger);
  }

  #manageable(caller: Identity, identityId: string): Identity {
    const target = this.#deps.identities.get(identityId);
    if (!target || target.orgId !== caller.orgId) {
      throw new NotFoundError(`Identity ${identityId} not found`);
    }
    authorize(caller, 'identities.manage');
    return target;
  }

  #gatewayGone(gateway: Gateway, fallout: Fallout): void {
    this.#deps.gateways.markDeleted(gateway.id);
    // Their connections close when the gateway stops; ending them here refuses new ones.
    this.#endSessions(this.#deps.sessions.listOpen({ gatewayId: gateway.id }));
    fallout.gatewayIds.push(gateway.id);
  }

  #relayGone(relay: Relay, fallout: Fallout): void {
    this.#deps.relays.markDeleted(relay.id);
    const since = Date.now() - GATEWAY_RELAY_REGISTRATION_MAX_AGE_MS;
    for (const id of this.#deps.gateways.gatewayIdsOfRelay(relay.id, since)) {
      if (!fallout.gatewayIds.includes(id)) fallout.gatewayIds.push(id);
    }
  }

  #endSessions(open: PamSession[]): PamSession[] {
    return open.map((session) => this.#deps.sessions.end(session.id) ?? session);
  }

  /** Sends the gateway commands, in parallel; each is bounded by its own deadline. */
  async #reach(fallout: Fallout, logger: Logger | undefined): Promise<void> {
    const { commands } = this.#deps;
    const stopping = new Set(fallout.gatewayIds);
    await Promise.all([
      ...fallout.gatewayIds.map((id) => commands.checkIn(id, logger)),
      // A gateway that is stopping closes its sessions anyway.
      ...fallout.sessions
        .filter((session) => !stopping.has(session.gatewayId))
        .map((session) => commands.cancelPamSession(session, logger)),
    ]);
  }
}
