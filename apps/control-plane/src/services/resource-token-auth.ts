import {
  digestSecret,
  generateSecret,
  signResourceAccessToken,
  verifyResourceAccessToken,
  type ResourceType,
} from '@burrow/auth-methods';
import { InvalidRequestError, NotFoundError, UnauthorizedError } from '../domain/errors.ts';
import { authorize } from '../domain/permissions.ts';
import type { Gateway, GatewayStore } from '../stores/gateway-store.ts';
import type { Identity, IdentityStore } from '../stores/identity-store.ts';
import type { Relay, RelayStore } from '../stores/relay-store.ts';
import type { ResourceTokenAuthStore } from '../stores/resource-token-auth-store.ts';
import type { RelayRegistrationInput, RelayService } from './relay-service.ts';

/**
 * Enrolled gateways and relays (reference §3.2, §5.1, §7 "Resource auth"; routes in
 * @burrow/platform-api routes/resource-token-auth.ts).
 *
 * - An admin creates the gateway or relay with the token auth method. It gets an identity of its
 *   own with the gateway or relay role, so everything it may do is the role table's
 *   (domain/permissions.ts) and every ownership check (its own gateway, its own relay, sessions
 *   on its gateway) applies unchanged.
 * - An enrollment token: 256 random bits, shown once, stored as a digest, one hour, spent by
 *   the first enrollment; minting another voids the older ones.
 * - Enrolling signs a resource access token (resource-access-token.ts) carrying the resource's
 *   current token version. Every use checks the signature, the version, that the resource and
 *   its identity still exist and that they are of the token's kind and organization. Revoking
 *   bumps the version; deleting the gateway or relay refuses its tokens from then on.
 */
export const ENROLLMENT_TOKEN_TTL_MS = 60 * 60 * 1000;

export interface AuthenticatedResource {
  identity: Identity;
  type: ResourceType;
  resourceId: string;
}

const KIND = { gateway: 'Gateway', relay: 'Relay' } as const;

export class ResourceTokenAuth {
  readonly #store: ResourceTokenAuthStore;
  readonly #identities: IdentityStore;
  readonly #gateways: GatewayStore;
  readonly #relays: RelayStore;
  readonly #relayService: RelayService;
  readonly #key: Uint8Array;
  readonly #now: () => number;

  constructor(deps: {
    store: ResourceTokenAuthStore;
    identities: IdentityStore;
    gateways: GatewayStore;
    relays: RelayStore;
    relayService: RelayService;
    /** The HS256 key of resource access tokens (resourceTokenKey(rootKey)). */
    key: Uint8Array;
    now?: () => number;
  }) {
    this.#store = deps.store;
    this.#identities = deps.identities;
    this.#gateways = deps.gateways;
    this.#relays = deps.relays;
    this.#relayService = deps.relayService;
    this.#key = deps.key;
    this.#now = deps.now ?? Date.now;
  }

  /** An admin creates a gateway that will enroll with a token (it has no relay yet). */
  createGateway(admin: Identity, name: string): Gateway {
    authorize(admin, 'gateways.enroll');
    if (this.#gateways.findLiveByName(admin.orgId, name)) {
      throw new InvalidRequestError(`Gateway name ${name} is already used`);
    }
    const identity = this.#identities.create({
      orgId: admin.orgId,
      name: `${name} (enrolled gateway)`,
      role: 'gateway',
    });
    const gateway = this.#gateways.upsert({
      orgId: admin.orgId,
      identityId: identity.id,
      name,
      relayId: null,
    });
    this.#store.create('gateway', gateway.id, admin.orgId);
    return gateway;
  }

  /** An admin creates an org relay that will enroll with a token (name and address checked as at registration). */
  createRelay(admin: Identity, input: RelayRegistrationInput): Relay {
    authorize(admin, 'relays.enroll');
    const identity = this.#identities.create({
      orgId: admin.orgId,
      name: `${input.name} (enrolled relay)`,
      role: 'relay',
    });
    let relay: Relay;
    try {
      relay = this.#relayService.upsertOrgRelay(identity, input);
    } catch (error) {
      this.#identities.markDeleted(identity.id);
      throw error;
    }
    this.#store.create('relay', relay.id, admin.orgId);
    return relay;
  }

  /** A fresh one-time enrollment token for the admin's enrolled gateway or relay. */
  mintEnrollmentToken(
    admin: Identity,
    type: ResourceType,
    resourceId: string,
  ): { token: string; expiresAt: number } {
    this.#manageable(admin, type, resourceId);
    const token = generateSecret();
    const expiresAt = this.#now() + ENROLLMENT_TOKEN_TTL_MS;
    this.#store.replaceEnrollmentToken(type, resourceId, digestSecret(token), expiresAt);
    return { token, expiresAt };
  }

  /** Voids every access and enrollment token of the admin's enrolled gateway or relay. */
  revoke(admin: Identity, type: ResourceType, resourceId: string): void {
    this.#manageable(admin, type, resourceId);
    this.#store.revoke(type, resourceId);
  }

  /** Spends an enrollment token: the resource's access token, or 401 (unknown, used, expired). */
  enroll(type: ResourceType, enrollmentToken: string): { accessToken: string; resourceId: string } {
    const auth = this.#store.useEnrollmentToken(type, digestSecret(enrollmentToken), this.#now());
    if (!auth || !this.#liveResource(type, auth.resourceId)) {
      throw new UnauthorizedError(
        `${KIND[type]} enrollment token is not valid: unknown, already used or expired (mint a new one)`,
      );
    }
    const accessToken = signResourceAccessToken(this.#key, auth, this.#now());
    return { accessToken, resourceId: auth.resourceId };
  }

  /** The identity a resource access token acts as, or 401. */
  authenticate(token: string): AuthenticatedResource {
    let claims;
    try {
      claims = verifyResourceAccessToken(this.#key, token);
    } catch {
      throw new UnauthorizedError('Access token is not valid');
    }
    const { type, resourceId } = claims;
    const auth = this.#store.get(type, resourceId);
    const resource = this.#liveResource(type, resourceId);
    const identity = resource?.identityId ? this.#identities.get(resource.identityId) : undefined;
    if (
      !auth ||
      auth.orgId !== claims.orgId ||
      auth.tokenVersion !== claims.tokenVersion ||
      !identity ||
      identity.role !== type ||
      identity.orgId !== claims.orgId
    ) {
      throw new UnauthorizedError(
        `${KIND[type]} access token is no longer valid: the ${type} was deleted or its access revoked (enroll again with a new enrollment token)`,
      );
    }
    return { identity, type, resourceId };
  }

  #liveResource(type: ResourceType, id: string): Gateway | Relay | undefined {
    const resource = type === 'gateway' ? this.#gateways.get(id) : this.#relays.get(id);
    return resource && resource.deletedAt === null ? resource : undefined;
  }

  #manageable(admin: Identity, type: ResourceType, resourceId: string): void {
    authorize(admin, type === 'gateway' ? 'gateways.enroll' : 'relays.enroll');
    const resource = this.#liveResource(type, resourceId);
    if (!resource || resource.orgId !== admin.orgId) {
      throw new NotFoundError(`${KIND[type]} ${resourceId} not found`);
    }
    if (!this.#store.get(type, resourceId)) {
      throw new InvalidRequestError(
        `${KIND[type]} ${resource.name} logs in as a machine identity, not with enrollment tokens`,
      );
    }
  }
}
