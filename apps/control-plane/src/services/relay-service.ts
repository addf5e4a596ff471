import net from 'node:net';
import { RELAY_SSH_PORT, RELAY_TLS_PORT } from '@burrow/tunnel-protocol';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
} from '../domain/errors.ts';
import { authorize } from '../domain/permissions.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { Relay, RelayAddress, RelayStore } from '../stores/relay-store.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';
import { verifyRelayAuthSecret } from './relay-auth-secret.ts';
import { probeRelay } from './relay-reachability-probe.ts';
import { issueRelayCredentials, type RelayRegistrationCredentials } from './relay-credentials.ts';

/**
 * Relay registration, heartbeat and listing (reference §3.2, §3.5, §5.8).
 *
 * - An org relay is upserted per identity: the identity's relay keeps its name (a different
 *   name is refused) but may move host and ports. A name another identity's relay uses is
 *   refused.
 * - An instance relay is upserted by name; host and ports are updated.
 * - Names are unambiguous: an org relay cannot take an instance relay's name (gateways look a
 *   name up among their org's relays first), and a host:port another relay uses is refused
 *   (409), so no registration can redirect a gateway to a relay it did not name.
 * - Org relays are registered and heartbeated by identities with `relays.register` (the relay
 *   role, or admin); a relay identity heartbeats only its own relay. Instance relays use
 *   RELAY_AUTH_SECRET.
 * - A heartbeat is only recorded after the control plane itself completed a TLS handshake with
 *   the relay's TLS port; a failed one answers 400 in Burrow's words (the relay's own answer is
 *   only logged).
 */
export interface RelayRegistrationInput {
  name: string;
  host: string;
  sshPort?: number | undefined;
  tlsPort?: number | undefined;
}

export class RelayService {
  readonly #relays: RelayStore;
  readonly #cas: CertificateAuthorities;
  readonly #relayAuthSecret: string | undefined;

  constructor(deps: {
    relays: RelayStore;
    cas: CertificateAuthorities;
    /** Instance relays authenticate with it; undefined = instance relay endpoints refuse. */
    relayAuthSecret: string | undefined;
  }) {
    this.#relays = deps.relays;
    this.#cas = deps.cas;
    this.#relayAuthSecret = deps.relayAuthSecret;
  }

  async registerOrgRelay(
    identity: Identity,
    input: RelayRegistrationInput,
    version?: string,
  ): Promise<{ relay: Relay; credentials: RelayRegistrationCredentials }> {
    return this.#issue(this.upsertOrgRelay(identity, input), version);
  }

  /** Creates or moves the identity's org relay without issuing certificates (the checks above). */
  upsertOrgRelay(identity: Identity, input: RelayRegistrationInput): Relay {
    authorize(identity, 'relays.register');
    const address = relayAddress(input);
    const own = this.#relays.findOrgRelayOfIdentity(identity.orgId, identity.id);
    refuseDeleted(own);
    refuseDeleted(this.#relays.findOrgRelay(identity.orgId, address.name));
    if (own && own.name !== address.name) {
      throw new InvalidRequestError(
        `This identity already registered relay ${own.name}; an identity can register only one relay`,
      );
    }
    const sameName = this.#relays.findOrgRelay(identity.orgId, address.name);
    if (sameName && sameName.identityId !== identity.id) {
      throw new InvalidRequestError(
        `Relay name ${address.name} is already used by another identity`,
      );
    }
    if (this.#relays.findInstanceRelay(address.name)) {
      throw new ConflictError(
        `Relay name ${address.name} belongs to an instance relay; an org relay cannot take it`,
      );
    }
    this.#refuseTakenAddress(address, own?.id);
    return this.#relays.upsertOrgRelay(identity.orgId, identity.id, address);
  }

  /** `authorization` is the request's Authorization header: `Bearer <RELAY_AUTH_SECRET>`. */
  async registerInstanceRelay(
    authorization: string | undefined,
    input: RelayRegistrationInput,
    version?: string,
  ): Promise<{ relay: Relay; credentials: RelayRegistrationCredentials }> {
    verifyRelayAuthSecret(this.#relayAuthSecret, authorization);
    const address = relayAddress(input);
    this.#refuseTakenAddress(address, this.#relays.findInstanceRelay(address.name)?.id);
    refuseDeleted(this.#relays.findInstanceRelay(address.name));
    const relay = this.#relays.upsertInstanceRelay(address);
    return this.#issue(relay, version);
  }

  /** The relay's own identity (or an admin) heartbeats an org relay. */
  async heartbeatOrgRelay(identity: Identity, name: string, version?: string): Promise<Relay> {
    authorize(identity, 'relays.register');
    const relay = this.#relays.findOrgRelay(identity.orgId, name);
    if (relay && relay.identityId !== identity.id && identity.role !== 'admin') {
      throw new ForbiddenError(`Relay ${name} was registered by another identity`);
    }
    return this.#heartbeat(relay, name, version);
  }

  async heartbeatInstanceRelay(
    authorization: string | undefined,
    name: string,
    version?: string,
  ): Promise<Relay> {
    verifyRelayAuthSecret(this.#relayAuthSecret, authorization);
    return this.#heartbeat(this.#relays.findInstanceRelay(name), name, version);
  }

  /**
   * An enrolled relay (its ID from its resource token) connects: registered as its identity's org
   * relay under its own name, at the address it sends, else the one it has.
   */
  async connectEnrolledRelay(
    identity: Identity,
    relayId: string,
    address: {
      host?: string | undefined;
      sshPort?: number | undefined;
      tlsPort?: number | undefined;
    },
    version?: string,
  ): Promise<{ relay: Relay; credentials: RelayRegistrationCredentials }> {
    const current = this.#relays.get(relayId);
    if (!current) throw new InvalidRequestError(`Relay ${relayId} not found`);
    return this.registerOrgRelay(
      identity,
      {
        name: current.name,
        host: address.host ?? current.host,
        sshPort: address.sshPort ?? current.sshPort,
        tlsPort: address.tlsPort ?? current.tlsPort,
      },
      version,
    );
  }

  /** An enrolled relay heartbeats by its ID: as {@link heartbeatOrgRelay} under its name. */
  async heartbeatEnrolledRelay(
    identity: Identity,
    relayId: string,
    version?: string,
  ): Promise<Relay> {
    const name = this.#relays.get(relayId)?.name ?? relayId;
    return this.heartbeatOrgRelay(identity, name, version);
  }

  /** The org's relays and the instance relays: the ones the identity's gateways may use. */
  listFor(identity: Identity): Relay[] {
    authorize(identity, 'relays.list');
    return this.#relays.listForOrg(identity.orgId);
  }

  /** Certificates for the relay; its version and when they expire are kept for the console. */
  async #issue(
    relay: Relay,
    version: string | undefined,
  ): Promise<{ relay: Relay; credentials: RelayRegistrationCredentials }> {
    this.#relays.setVersion(relay.id, version);
    const { credentials, expiresAt } = await issueRelayCredentials(this.#cas, relay);
    this.#relays.setCertificatesExpireAt(relay.id, expiresAt);
    return { relay, credentials };
  }

  async #heartbeat(
    relay: Relay | undefined,
    name: string,
    version: string | undefined,
  ): Promise<Relay> {
    if (!relay) throw new NotFoundError(`Relay ${name} not found`);
    // The relay learns of its deletion here and stops (relay-heartbeat.ts).
    if (relay.deletedAt !== null) throw new NotFoundError(`Relay ${name} was deleted`);
    try {
      await probeRelay(this.#cas, relay);
    } catch (error) {
      // What the host answered stays in the control plane's log (error handler): a heartbeat
      // must not become a way to read other hosts' answers.
      throw new InvalidRequestError(
        `Relay ${relay.name} is not reachable: the control plane could not complete a TLS handshake with it`,
        {},
        { cause: error },
      );
    }
    const now = Date.now();
    this.#relays.setHeartbeat(relay.id, now);
    this.#relays.setVersion(relay.id, version);
    return { ...relay, heartbeat: now };
  }

  /** 409 when another relay already uses this host with one of these ports. */
  #refuseTakenAddress(address: RelayAddress, ownId: string | undefined): void {
    const taken = this.#relays
      .findUsingAddress(address.host, [address.sshPort, address.tlsPort])
      .find((relay) => relay.id !== ownId);
    if (taken) {
      throw new ConflictError(
        `${address.host} port ${address.sshPort} or ${address.tlsPort} is already claimed by another relay`,
      );
    }
  }
}

/** A deleted relay's name stays taken: it must not come back by registering again. */
function refuseDeleted(relay: Relay | undefined): void {
  if (relay?.deletedAt != null) {
    throw new ForbiddenError(
      `Relay ${relay.name} was deleted; it cannot register again (use another name)`,
    );
  }
}

function relayAddress(input: RelayRegistrationInput): RelayAddress {
  const host = input.host.trim();
  if (!isHostName(host)) {
    throw new InvalidRequestError(
      `host must be a DNS name or an IP address without port or scheme, got "${input.host}"`,
    );
  }
  const sshPort = input.sshPort ?? RELAY_SSH_PORT;
  const tlsPort = input.tlsPort ?? RELAY_TLS_PORT;
  if (sshPort === tlsPort) throw new InvalidRequestError('sshPort and tlsPort must differ');
  return { name: input.name, host, sshPort, tlsPort };
}

function isHostName(host: string): boolean {
  if (net.isIP(host) !== 0) return true;
  if (host.length === 0 || host.length > 253) return false;
  return host
    .split('.')
    .every((label) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}
