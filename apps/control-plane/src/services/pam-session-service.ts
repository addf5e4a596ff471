import { ForbiddenError, GoneError, NotFoundError } from '../domain/errors.ts';
import { authorize, can } from '../domain/permissions.ts';
import type { GatewayStore } from '../stores/gateway-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import { headerNameAndToken, type PamSshAuthMethod } from '../domain/pam-account-login.ts';
import type { PamPostgresConnectionDetails } from '../domain/pam-connection-details.ts';
import type { PamPolicyRules } from '../domain/pam-policy-rules.ts';
import type { PamAccount, PamAccountStore } from '../stores/pam-account-store.ts';
import type { PamRecordingStore } from '../stores/pam-recording-store.ts';
import type {
  PamHttpResource,
  PamResourceStore,
  PamSshResource,
} from '../stores/pam-resource-store.ts';
import type { PamSshCa } from './pam-ssh-ca.ts';
import { sessionStatus } from '../domain/pam-session-status.ts';
import type { PamSession, PamSessionStore } from '../stores/pam-session-store.ts';

/**
 * PAM sessions after `pam access` opened them (reference §8.2): the session's gateway fetches the
 * target credentials (only while the session is active: 410 once ended or expired) and uploads
 * recorded events (idempotent by index; 409 with acknowledgedEvents on a gap); the session's
 * user or gateway ends it (idempotent). Sessions and their recordings are read by admins,
 * auditors and the session's own user (a member lists only its own).
 *
 * The credentials answer is shaped by the resource type (@burrow/platform-api
 * routes/pam-sessions.ts): postgres as it always was; ssh with the login of the account's
 * authMethod — for `certificate`, a key pair and a user certificate of the organization's PAM SSH
 * CA made at this fetch and valid until the session's end at the latest (pam-ssh-ca.ts) — the
 * resource's pinned host keys / host CAs, and the account's policy rules.
 *
 * @example
 *   const { credentials } = sessions.credentials(gatewayIdentity, sessionId);
 */
export interface PamPostgresTargetCredentials {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  sslEnabled: boolean;
  sslRejectUnauthorized: boolean;
  sslCertificate?: string;
}

export interface PamSshTargetCredentials {
  host: string;
  port: number;
  username: string;
  authMethod: PamSshAuthMethod;
  password?: string;
  privateKey?: string;
  certificate?: string;
  hostKeys?: string[];
  hostCertificateAuthorities?: string[];
}

/** http (a web application) and kubernetes (platform-api PamHttpCredentials / PamKubernetesCredentials). */
export type PamHttpTargetCredentials =
  | {
      url: string;
      authMethod: 'basic' | 'bearer' | 'header';
      username?: string;
      password?: string;
      token?: string;
      headerName?: string;
      sslRejectUnauthorized: boolean;
      sslCertificate?: string;
    }
  | {
      url: string;
      authMethod: 'service-account-token';
      serviceAccountToken: string;
      serviceAccountName?: string;
      sslRejectUnauthorized: boolean;
      sslCertificate?: string;
    };

export type PamTargetCredentials =
  PamPostgresTargetCredentials | PamSshTargetCredentials | PamHttpTargetCredentials;

export class PamSessionService {
  readonly #sessions: PamSessionStore;
  readonly #accounts: PamAccountStore;
  readonly #resources: PamResourceStore;
  readonly #gateways: GatewayStore;
  readonly #recordings: PamRecordingStore;
  readonly #sshCa: PamSshCa;

  constructor(deps: {
    sessions: PamSessionStore;
    accounts: PamAccountStore;
    resources: PamResourceStore;
    gateways: GatewayStore;
    recordings: PamRecordingStore;
    sshCa: PamSshCa;
  }) {
    this.#sshCa = deps.sshCa;
    this.#sessions = deps.sessions;
    this.#accounts = deps.accounts;
    this.#resources = deps.resources;
    this.#gateways = deps.gateways;
    this.#recordings = deps.recordings;
  }

  /**
   * The target's credentials with the account's unsealed secret, for the session's gateway, and
   * the account's policy rules (ssh).
   */
  credentials(
    caller: Identity,
    sessionId: string,
    now = new Date(),
  ): { session: PamSession; credentials: PamTargetCredentials; policyRules?: PamPolicyRules } {
    authorize(caller, 'pam.sessions.serve');
    const session = this.#sessionOfOrg(caller, sessionId);
    if (!this.#isSessionGateway(caller, session)) {
      throw new ForbiddenError('Only the gateway of this session may read its credentials');
    }
    const status = sessionStatus(session, now.getTime());
    if (status !== 'active') throw new GoneError(`PAM session ${session.id} has ${status}`);
    const account = this.#accounts.get(session.accountId);
    const resource = account && this.#resources.get(account.resourceId);
    const secret = account && this.#accounts.secret(account.id);
    if (!account || !resource || secret === undefined) {
      throw new NotFoundError(`The account of PAM session ${session.id} no longer exists`);
    }
    if (resource.resourceType === 'ssh') {
      return {
        session,
        credentials: this.#sshCredentials(session, account, resource, secret, now),
        ...(account.policyRules ? { policyRules: account.policyRules } : {}),
      };
    }
    if (resource.resourceType === 'http' || resource.resourceType === 'kubernetes') {
      return {
        session,
        credentials: httpCredentials(account, resource as PamHttpResource, secret),
      };
    }
    const details = resource.connectionDetails as PamPostgresConnectionDetails;
    return {
      session,
      credentials: {
        host: details.host,
        port: details.port,
        database: details.database,
        username: account.username,
        password: secret,
        sslEnabled: details.sslEnabled ?? false,
        sslRejectUnauthorized: details.sslRejectUnauthorized ?? true,
        ...(details.sslCertificate ? { sslCertificate: details.sslCertificate } : {}),
      },
    };
  }

  #sshCredentials(
    session: PamSession,
    account: PamAccount,
    resource: PamSshResource,
    secret: string,
    now: Date,
  ): PamSshTargetCredentials {
    const { host, port, hostKeys, hostCertificateAuthorities } = resource.connectionDetails;
    const authMethod = account.authMethod ?? 'password';
    const login =
      authMethod === 'password'
        ? { password: secret }
        : authMethod === 'public-key'
          ? { privateKey: secret }
          : this.#sshCa.sessionCertificate({
              orgId: session.orgId,
              sessionId: session.id,
              username: account.username,
              notAfter: new Date(session.expiresAt),
              now,
            });
    return {
      host,
      port,
      username: account.username,
      authMethod: authMethod as PamSshAuthMethod,
      ...login,
      ...(hostKeys?.length ? { hostKeys } : {}),
      ...(hostCertificateAuthorities?.length ? { hostCertificateAuthorities } : {}),
    };
  }

  /**
   * Ends the session (its user, its gateway or an admin); `endedNow` is false when it had ended
   * before, `byGateway` when the session's own gateway asked (it has closed it already). Closing
   * it at the gateway is revocation.ts's part. `report` (what was recorded, what is wrong with
   * the recording) is kept only from the session's gateway: nobody else knows.
   */
  end(
    caller: Identity,
    sessionId: string,
    report: { recordedEvents?: number; recordingProblem?: string } = {},
  ): { session: PamSession; endedNow: boolean; byGateway: boolean } {
    const session = this.#sessionOfOrg(caller, sessionId);
    const byGateway = this.#isSessionGateway(caller, session);
    if (session.identityId !== caller.id && !byGateway && !can(caller, 'pam.sessions.end-any')) {
      throw new ForbiddenError('Only the session’s user, its gateway or an admin may end it');
    }
    // Only the session's gateway knows what it recorded.
    if (byGateway && report.recordedEvents !== undefined) {
      this.#recordings.declareRecordedEvents(session.id, report.recordedEvents);
    }
    if (byGateway && report.recordingProblem !== undefined) {
      this.#recordings.declareRecordingProblem(session.id, report.recordingProblem);
    }
    const ended = this.#sessions.end(session.id) as PamSession;
    return { session: ended, endedNow: session.endedAt === null, byGateway };
  }

  /** Every session of the organization for admins and auditors; a member's own otherwise. */
  list(caller: Identity): PamSession[] {
    authorize(caller, 'pam.sessions.read-own');
    const sessions = this.#sessions.list(caller.orgId);
    if (can(caller, 'pam.sessions.read-any')) return sessions;
    return sessions.filter((session) => session.identityId === caller.id);
  }

  /** The session with its recorded events: admins, auditors and the session's own user. */
  get(
    caller: Identity,
    sessionId: string,
  ): { session: PamSession; events: unknown[]; recordingProblems: string[] } {
    authorize(caller, 'pam.sessions.read-own');
    const session = this.#sessionOfOrg(caller, sessionId);
    if (session.identityId !== caller.id && !can(caller, 'pam.sessions.read-any')) {
      throw new ForbiddenError(
        'Only admins, auditors and the session’s own user may read a session and its recording',
      );
    }
    const { events, problems } = this.#recordings.recording(session.id);
    return { session, events, recordingProblems: problems };
  }

  /** The session, if it belongs to the caller's organization. */
  #sessionOfOrg(caller: Identity, id: string): PamSession {
    const session = this.#sessions.get(id);
    if (!session || session.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM session ${id} not found`);
    }
    return session;
  }

  /** True when the caller is the identity of the gateway the session runs through. */
  #isSessionGateway(caller: Identity, session: PamSession): boolean {
    const gateway = this.#gateways.get(session.gatewayId);
    return gateway !== undefined && gateway.identityId === caller.id;
  }
}

/** The credentials answer of an http or kubernetes account (issue 16). */
function httpCredentials(
  account: PamAccount,
  resource: PamHttpResource,
  secret: string,
): PamHttpTargetCredentials {
  const { url, sslRejectUnauthorized, sslCertificate } = resource.connectionDetails;
  const tls = {
    sslRejectUnauthorized: sslRejectUnauthorized ?? true,
    ...(sslCertificate ? { sslCertificate } : {}),
  };
  if (resource.resourceType === 'kubernetes') {
    return {
      url,
      authMethod: 'service-account-token',
      serviceAccountToken: secret,
      serviceAccountName: account.username,
      ...tls,
    };
  }
  if (account.authMethod === 'header') {
    const { headerName, token } = headerNameAndToken(secret);
    return { url, authMethod: 'header', username: account.username, headerName, token, ...tls };
  }
  if (account.authMethod === 'bearer') {
    return { url, authMethod: 'bearer', username: account.username, token: secret, ...tls };
  }
  return { url, authMethod: 'basic', username: account.username, password: secret, ...tls };
}
