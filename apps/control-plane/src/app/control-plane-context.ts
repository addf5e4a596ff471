import {
  DEFAULT_IDENTITY_PROVIDER_ENDPOINTS,
  JwksCache,
  type IdentityProviderEndpoints,
} from '@burrow/auth-methods';
import type { KeyAlgorithm, SshKeyType } from '@burrow/pki';
import { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';
import { AccessTokens } from '../services/access-tokens.ts';
import { CertificateAuthorities } from '../services/certificate-authorities.ts';
import { GatewayTunnelClient } from '../services/gateway-tunnel.ts';
import { AccessTokenStore } from '../stores/access-token-store.ts';
import { CertificateAuthorityStore } from '../stores/certificate-authority-store.ts';
import { GatewayStore } from '../stores/gateway-store.ts';
import { IdentityStore } from '../stores/identity-store.ts';
import { InstanceSettingsStore } from '../stores/instance-settings-store.ts';
import { LoginMethodStore } from '../stores/login-method-store.ts';
import { OrganizationStore } from '../stores/organization-store.ts';
import { createPamStores, type PamStores } from '../stores/pam-stores.ts';
import { RelayStore } from '../stores/relay-store.ts';
import { TokenAuthStore } from '../stores/token-auth-store.ts';
import { UniversalAuthStore } from '../stores/universal-auth-store.ts';

/**
 * Everything the feature plugins share: the stores over one database, the CAs, access tokens
 * and the tunnel client. Built once per app and handed to each plugin as its options.
 */
export interface ControlPlaneContext {
  db: Db;
  settings: InstanceSettingsStore;
  organizations: OrganizationStore;
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
  const relays = new RelayStore(db);
  const gateways = new GatewayStore(db);
  const cas = new CertificateAuthorities({
    store: new CertificateAuthorityStore(db, new SecretBox(options.rootKey)),
    keyAlgorithm: options.keyAlgorithm,
    sshKeyType: options.sshKeyType,
  });
  return {
    db,
    settings: new InstanceSettingsStore(db),
    organizations,
    identities,
    universalAuth: new UniversalAuthStore(db),
    tokenAuth: new TokenAuthStore(db),
    loginMethods: new LoginMethodStore(db),
    jwks: new JwksCache(),
    identityProviders: options.identityProviders ?? DEFAULT_IDENTITY_PROVIDER_ENDPOINTS,
    secretBox: new SecretBox(options.rootKey),
    pam: createPamStores(db, new SecretBox(options.rootKey)),
    accessTokens: new AccessTokens({ store: new AccessTokenStore(db), identities }),
    relays,
    gateways,
    cas,
    tunnel: new GatewayTunnelClient({ cas, gateways, relays, organizations }),
    relayAuthSecret: options.relayAuthSecret,
  };
}
