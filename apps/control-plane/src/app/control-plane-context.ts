import {
  DEFAULT_IDENTITY_PROVIDER_ENDPOINTS,
  JwksCache,
  resourceTokenKey,
  type IdentityProviderEndpoints,
} from '@burrow/auth-methods';
import type { KeyAlgorithm, SshKeyType } from '@burrow/pki';
import { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';
import { AccessTokens } from '../services/access-tokens.ts';
import { AuditLog } from '../services/audit-log.ts';
import { DynamicSecretDatabase } from '../services/dynamic-secret-database.ts';
import { DynamicSecretLeases } from '../services/dynamic-secret-leases.ts';
import { DynamicSecretService } from '../services/dynamic-secret-service.ts';
import { PamPasswordRotation } from '../services/pam-password-rotation.ts';
import { CertificateAuthorities } from '../services/certificate-authorities.ts';
import { GatewayService } from '../services/gateway-service.ts';
import { GatewayTunnelClient } from '../services/gateway-tunnel.ts';
import { PamConnectionCheck } from '../services/pam-connection-check.ts';
import { IdentityDirectory } from '../services/identity-directory.ts';
import { LoginMethodService } from '../services/login-method-service.ts';
import { PamAccessService } from '../services/pam-access.ts';
import { PamCatalog } from '../services/pam-catalog.ts';
import { PamSshCa } from '../services/pam-ssh-ca.ts';
import { PamGrantService } from '../services/pam-grant-service.ts';
import { PamRecordingIntake } from '../services/pam-recording-intake.ts';
import { PamSessionService } from '../services/pam-session-service.ts';
import { GatewayCommands } from '../services/gateway-commands.ts';
import { RelayService } from '../services/relay-service.ts';
import { ResourceTokenAuth } from '../services/resource-token-auth.ts';
import { Revocation } from '../services/revocation.ts';
import { TokenAuthService } from '../services/token-auth-service.ts';
import { UniversalAuthService } from '../services/universal-auth-service.ts';
import { UserAccounts } from '../services/user-accounts.ts';
import { AccessTokenStore } from '../stores/access-token-store.ts';
import { AuditEventStore } from '../stores/audit-event-store.ts';
import { DynamicSecretGrantStore } from '../stores/dynamic-secret-grant-store.ts';
import { DynamicSecretLeaseStore } from '../stores/dynamic-secret-lease-store.ts';
import { DynamicSecretStore } from '../stores/dynamic-secret-store.ts';
import { PamAccountRotationStore } from '../stores/pam-account-rotation-store.ts';
import { CertificateAuthorityStore } from '../stores/certificate-authority-store.ts';
import { GatewayStore } from '../stores/gateway-store.ts';
import { IdentityStore } from '../stores/identity-store.ts';
import { InstanceSettingsStore } from '../stores/instance-settings-store.ts';
import { LoginMethodStore } from '../stores/login-method-store.ts';
import { OrganizationStore } from '../stores/organization-store.ts';
import { createPamStores, type PamStores } from '../stores/pam-stores.ts';
import { RelayStore } from '../stores/relay-store.ts';
import { ResourceTokenAuthStore } from '../stores/resource-token-auth-store.ts';
import { TokenAuthStore } from '../stores/token-auth-store.ts';
import { UniversalAuthStore } from '../stores/universal-auth-store.ts';
import { UserStore } from '../stores/user-store.ts';

/**
 * What the composition root builds once per app: the stores over one database, the CAs, access
 * tokens, the tunnel client, and the services the plugins call. build-app.ts hands each plugin
 * only the services it uses; nothing else receives this whole record.
 */
export interface ControlPlaneContext {
  db: Db;
  settings: InstanceSettingsStore;
  organizations: OrganizationStore;
  users: UserStore;
  identities: IdentityStore;
  universalAuth: UniversalAuthStore;
  tokenAuth: TokenAuthStore;
  /** kubernetes, aws, gcp, azure, oidc and jwt auth configurations. */
  loginMethods: LoginMethodStore;
  /** Identity providers' key sets, shared by every login. */
  jwks: JwksCache;
  identityProviders: IdentityProviderEndpoints;
  /** Seals secrets stored in login method configurations (root key). */
  secretBox: SecretBox;
  /** PAM resources, accounts (sealed passwords), sessions and events, gateways' recording keys. */
  pam: PamStores;
  accessTokens: AccessTokens;
  relays: RelayStore;
  gateways: GatewayStore;
  cas: CertificateAuthorities;
  tunnel: GatewayTunnelClient;
  /** Instance relays authenticate with it; undefined = instance relay endpoints refuse. */
  relayAuthSecret: string | undefined;
  services: ControlPlaneServices;
}

/** The services the HTTP plugins call (each one names its own dependencies). */
export interface ControlPlaneServices {
  directory: IdentityDirectory;
  universalAuth: UniversalAuthService;
  tokenAuth: TokenAuthService;
  loginMethods: LoginMethodService;
  relays: RelayService;
  /** Enrolled gateways and relays: enrollment tokens and resource access tokens. */
  resourceTokens: ResourceTokenAuth;
  gateways: GatewayService;
  pamCatalog: PamCatalog;
  pamGrants: PamGrantService;
  pamAccess: PamAccessService;
  pamSessions: PamSessionService;
  pamRecordings: PamRecordingIntake;
  revocation: Revocation;
  dynamicSecrets: DynamicSecretService;
  dynamicSecretLeases: DynamicSecretLeases;
  pamRotation: PamPasswordRotation;
  audit: AuditLog;
  userAccounts: UserAccounts;
}

export interface ContextOptions {
  db: Db;
  rootKey: Buffer;
  keyAlgorithm: KeyAlgorithm;
  sshKeyType: SshKeyType;
  relayAuthSecret: string | undefined;
  /** Google and Microsoft key URLs; default: the public ones. */
  identityProviders?: IdentityProviderEndpoints | undefined;
}

export function createContext(options: ContextOptions): ControlPlaneContext {
  const { db } = options;
  const identities = new IdentityStore(db);
  const organizations = new OrganizationStore(db);
  const users = new UserStore(db);
  const relays = new RelayStore(db);
  const gateways = new GatewayStore(db);
  const universalAuth = new UniversalAuthStore(db);
  const tokenAuth = new TokenAuthStore(db);
  const loginMethods = new LoginMethodStore(db);
  const pam = createPamStores(db, new SecretBox(options.rootKey));
  const cas = new CertificateAuthorities({
    store: new CertificateAuthorityStore(db, new SecretBox(options.rootKey)),
    keyAlgorithm: options.keyAlgorithm,
    sshKeyType: options.sshKeyType,
  });
  const accessTokenStore = new AccessTokenStore(db);
  const accessTokens = new AccessTokens({ store: accessTokenStore, identities });
  const tunnel = new GatewayTunnelClient({ cas, gateways, relays, organizations });
  const pamSshCa = new PamSshCa(cas);
  const relayService = new RelayService({ relays, cas, relayAuthSecret: options.relayAuthSecret });
  const directory = new IdentityDirectory({ identities, universalAuth, tokenAuth });
  const pamStores = { accounts: pam.accounts, resources: pam.resources, sessions: pam.sessions };
  const audit = new AuditLog(new AuditEventStore(db));
  const pamGrants = new PamGrantService({ grants: pam.grants, directory, audit });
  const dynamicSecretDatabase = new DynamicSecretDatabase(tunnel);
  const dynamicSecretLeaseStore = new DynamicSecretLeaseStore(db);
  const dynamicSecrets = new DynamicSecretService({
    secrets: new DynamicSecretStore(db, new SecretBox(options.rootKey)),
    grants: new DynamicSecretGrantStore(db),
    leases: dynamicSecretLeaseStore,
    gateways,
    directory,
    database: dynamicSecretDatabase,
  });
  const dynamicSecretLeases = new DynamicSecretLeases({
    leases: dynamicSecretLeaseStore,
    secrets: dynamicSecrets,
    database: dynamicSecretDatabase,
    audit,
  });
  return {
    db,
    settings: new InstanceSettingsStore(db),
    organizations,
    users,
    identities,
    universalAuth,
    tokenAuth,
    loginMethods,
    jwks: new JwksCache(),
    identityProviders: options.identityProviders ?? DEFAULT_IDENTITY_PROVIDER_ENDPOINTS,
    secretBox: new SecretBox(options.rootKey),
    pam,
    accessTokens,
    relays,
    gateways,
    cas,
    tunnel,
    relayAuthSecret: options.relayAuthSecret,
    services: {
      directory,
      universalAuth: new UniversalAuthService({ directory, universalAuth, accessTokens }),
      tokenAuth: new TokenAuthService({ directory, tokenAuth, accessTokens }),
      loginMethods: new LoginMethodService({ directory, loginMethods, accessTokens }),
      relays: relayService,
      resourceTokens: new ResourceTokenAuth({
        store: new ResourceTokenAuthStore(db),
        identities,
        gateways,
        relays,
        relayService,
        key: resourceTokenKey(options.rootKey),
      }),
      gateways: new GatewayService({
        gateways,
        relays,
        identities,
        sessionKeys: pam.sessionKeys,
        cas,
        tunnel,
      }),
      pamCatalog: new PamCatalog({
        resources: pam.resources,
        accounts: pam.accounts,
        grants: pam.grants,
        gateways,
        sshCa: pamSshCa,
        audit,
        connectionCheck: new PamConnectionCheck(tunnel),
      }),
      pamGrants,
      pamAccess: new PamAccessService({
        ...pamStores,
        grants: pamGrants,
        gateways,
        organizations,
        cas,
        tunnel,
      }),
      pamSessions: new PamSessionService({
        ...pamStores,
        gateways,
        recordings: pam.recordings,
        sshCa: pamSshCa,
      }),
      pamRecordings: new PamRecordingIntake({
        sessions: pam.sessions,
        recordings: pam.recordings,
        gateways,
      }),
      revocation: new Revocation({
        db,
        identities,
        accessTokens: accessTokenStore,
        universalAuth,
        gateways,
        relays,
        sessions: pam.sessions,
        commands: new GatewayCommands({ cas, gateways, organizations, tunnel }),
        leases: dynamicSecretLeases,
      }),
      dynamicSecrets,
      dynamicSecretLeases,
      pamRotation: new PamPasswordRotation({
        accounts: pam.accounts,
        resources: pam.resources,
        rotations: new PamAccountRotationStore(db),
        tunnel,
        audit,
      }),
      audit,
      userAccounts: new UserAccounts({ users, organizations, identities, accessTokens, audit }),
    },
  };
}
