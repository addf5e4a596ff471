import { randomUUID } from 'node:crypto';
import { issueGatewayPamClientCertificate, serverCertificateChainPem } from '@burrow/pki';
import type { RouteResponse, routes } from '@burrow/platform-api';
import { ConflictError, InvalidRequestError, NotFoundError } from '../domain/errors.ts';
import type { GatewayStore } from '../stores/gateway-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { OrganizationStore } from '../stores/organization-store.ts';
import type { PamAccountStore } from '../stores/pam-account-store.ts';
import type { PamResourceStore } from '../stores/pam-resource-store.ts';
import type { PamSessionStore } from '../stores/pam-session-store.ts';
import type { Relay } from '../stores/relay-store.ts';
import { issueRelayClientCredentials } from './caller-credentials.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';
import type { GatewayTunnelClient } from './gateway-tunnel.ts';
import type { PamGrantService } from './pam-grant-service.ts';
import { normalizeAccountPath } from '../domain/pam-grant-path.ts';
import { httpRoutingTarget } from '../domain/pam-connection-details.ts';
import { relayHostForClients } from './gateway-credentials.ts';
import { parseSessionDuration } from './pam-session-duration.ts';

/**
 * `POST /api/v1/pam/accounts/access` (reference §8.1): opens a session on an account the caller
 * may open (a grant on it or its folder, or the admin role: pam-grant-service.ts) and mints
 * what the access CLI needs to reach the account's gateway for exactly that long:
 *
 *   relay client cert    CN=<gatewayId> (the relay routes by it), lifetime = duration
 *   gateway client cert  CN=identity:<gatewayId>; …100.1 {targetHost, targetPort} = the resource,
 *                        …100.2 {type:"identity", id, name}, …100.3 {sessionId, resourceType};
 *                        lifetime = duration (the gateway ends the session at its NotAfter)
 *
 * Answer (platform-api's PamAccessGrant; every field filled): {sessionId, accountType,
 * resourceType, metadata, relayHost, relayClientCertificate, relayClientPrivateKey,
 * relayServerCertificateChain, gatewayClientCertificate, gatewayClientPrivateKey,
 * gatewayServerCertificateChain, relays}. No password in it. `relays`
 * (Burrow HA, additive) lists every relay that holds the gateway with a relay client certificate
 * for each, in the order to try them; the first is the one in relayHost/relayClient*.
 */
/** The answer, as platform-api declares it. */
export type PamAccessGrant = RouteResponse<typeof routes.accessPamAccount>;

/** One relay the access CLI can reach the gateway through. */
type PamRelayRoute = NonNullable<PamAccessGrant['relays']>[number];

export interface PamAccessDeps {
  grants: PamGrantService;
  accounts: PamAccountStore;
  resources: PamResourceStore;
  sessions: PamSessionStore;
  gateways: GatewayStore;
  organizations: OrganizationStore;
  cas: CertificateAuthorities;
  tunnel: GatewayTunnelClient;
}

export class PamAccessService {
  readonly #deps: PamAccessDeps;

  constructor(deps: PamAccessDeps) {
    this.#deps = deps;
  }

  /** `accessTokenId`: the token the caller used; revoking it ends the session (revocation.ts). */
  async grant(
    caller: Identity,
    request: { path: string; duration: string; reason?: string | undefined },
    now = Date.now(),
    accessTokenId?: string,
  ): Promise<PamAccessGrant> {
    const deps = this.#deps;
    deps.grants.requireAccess(caller, request.path);
    const durationMs = parseSessionDuration(request.duration);
    const path = normalizeAccountPath(request.path);
    const account = deps.accounts.findByPath(caller.orgId, path);
    if (!account) throw new NotFoundError(`PAM account ${path} not found`);
    const resource = deps.resources.get(account.resourceId);
    if (!resource) throw new NotFoundError(`PAM resource of ${path} not found`);
    const gateway = deps.gateways.get(resource.gatewayId);
    if (!gateway || gateway.deletedAt !== null) {
      throw new ConflictError(`The gateway of ${resource.name} was deleted`);
    }
    const holding = deps.tunnel.relaysOf(gateway, now);
    const relay = holding[0];
    if (!relay) throw new InvalidRequestError(`Gateway ${gateway.name} has no relay`);
    const org = deps.organizations.get(gateway.orgId);
    if (!org) throw new NotFoundError('Organization not found');

    const sessionId = randomUUID();
    const { cas } = deps;
    const relayClient = {
      orgId: org.id,
      orgName: org.name,
      gatewayId: gateway.id,
      gatewayName: gateway.name,
      lifetimeMs: durationMs,
      now: new Date(now),
    };
    const route = async (holder: Relay): Promise<PamRelayRoute> => {
      const credentials = await issueRelayClientCredentials(cas, holder, relayClient);
      return {
        relayHost: relayHostForClients(holder),
        relayClientCertificate: credentials.certificate,
        relayClientPrivateKey: credentials.privateKey,
        relayServerCertificateChain: credentials.serverCertificateChain,
      };
    };
    const [primary, otherRoutes, gatewayIssuer, gatewayServerCa] = await Promise.all([
      route(relay),
      Promise.all(holding.slice(1).map(route)),
      cas.x509(gateway.orgId, 'gateway-client'),
      cas.x509(gateway.orgId, 'gateway-server'),
    ]);
    const gatewayClient = await issueGatewayPamClientCertificate({
      issuer: gatewayIssuer,
      orgId: gateway.orgId,
      gatewayId: gateway.id,
      actor: { type: 'identity', id: caller.id, name: caller.name },
      ...('url' in resource.connectionDetails
        ? httpRoutingTarget(resource.connectionDetails)
        : {
            targetHost: resource.connectionDetails.host,
            targetPort: resource.connectionDetails.port,
          }),
      sessionId,
      resourceType: resource.resourceType,
      keyAlgorithm: cas.keyAlgorithm,
      lifetimeMs: durationMs,
      now: new Date(now),
    });
    deps.sessions.create({
      id: sessionId,
      orgId: caller.orgId,
      accountId: account.id,
      identityId: caller.id,
      gatewayId: gateway.id,
      accountPath: account.path,
      resourceType: resource.resourceType,
      reason: request.reason ?? null,
      createdAt: now,
      expiresAt: now + durationMs,
      accessTokenId,
    });
    return {
      sessionId,
      accountType: resource.resourceType,
      resourceType: resource.resourceType,
      metadata: {
        username: account.username,
        ...(resource.resourceType === 'postgres'
          ? { database: resource.connectionDetails.database }
          : {}),
        ...('url' in resource.connectionDetails ? { url: resource.connectionDetails.url } : {}),
        accountName: account.name,
        resourceName: resource.name,
      },
      ...primary,
      gatewayClientCertificate: gatewayClient.certificatePem,
      gatewayClientPrivateKey: gatewayClient.privateKeyPem,
      gatewayServerCertificateChain: serverCertificateChainPem(gatewayServerCa),
      relays: [primary, ...otherRoutes],
    };
  }
}
