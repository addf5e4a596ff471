import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setProviderAddressPolicy, type IdentityProviderEndpoints } from '@burrow/auth-methods';
import type { KeyAlgorithm, SshKeyType } from '@burrow/pki';
import { buildApp, type BuildAppOptions, type ControlPlaneApp } from './app/build-app.ts';
import { createContext, type ControlPlaneContext } from './app/control-plane-context.ts';
import { ConfigError } from './config/config-error.ts';
import { ensureDataDir } from './config/data-dir.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { loadRootKey, type RootKey } from './crypto/root-key.ts';
import { openDatabase } from './db/database.ts';
import { CertificateAuthorityStore } from './stores/certificate-authority-store.ts';

/**
 * Assembles a control plane: data directory (0700), root key, migrated database, stores, CAs,
 * and the fastify app. `listen()` is left to the caller (`serve`), so tests use `app.inject()`.
 *
 * @example
 *   const { app } = await createControlPlane({ dataDir: tmp, relayAuthSecret: 's'.repeat(32) });
 *   await app.listen({ host: '127.0.0.1', port: 0 });
 */
export interface ControlPlaneOptions extends BuildAppOptions {
  /** Directory for burrow.sqlite and root.key; ':memory:' for a throwaway in-memory instance. */
  dataDir: string;
  /** 32-byte root key (ENCRYPTION_KEY); default: <dataDir>/root.key, generated once. */
  encryptionKey?: Buffer | undefined;
  relayAuthSecret?: string | undefined;
  keyAlgorithm?: KeyAlgorithm;
  sshKeyType?: SshKeyType;
  /** Google/Microsoft key URLs (BURROW_GCP_*, BURROW_AZURE_LOGIN_URL); default: the public ones. */
  identityProviders?: IdentityProviderEndpoints | undefined;
  /**
   * BURROW_REFUSE_PRIVATE_IDP_ADDRESSES: refuse identity-provider requests to private address
   * ranges (process-wide, @burrow/auth-methods provider-address-policy.ts). Default false.
   */
  refusePrivateIdpAddresses?: boolean | undefined;
}

export interface ControlPlane {
  app: ControlPlaneApp;
  context: ControlPlaneContext;
  rootKeySource: RootKey['source'];
}

export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  let rootKey: RootKey;
  let dataDir = options.dataDir;
  if (dataDir === ':memory:') {
    rootKey = {
      key: options.encryptionKey ?? randomBytes(32),
      source: options.encryptionKey ? 'env' : 'generated',
    };
  } else {
    dataDir = ensureDataDir(dataDir);
    rootKey = loadRootKey({ dataDir, encryptionKey: options.encryptionKey });
  }
  const db = openDatabase(dataDir);
  const box = new SecretBox(rootKey.key);
  try {
    new CertificateAuthorityStore(db, box).assertRootKeyMatches();
  } catch {
    db.close();
    throw new ConfigError(
      rootKey.source === 'env' ? 'ENCRYPTION_KEY' : path.join(dataDir, 'root.key'),
      'does not decrypt the stored CA keys (it is not the key this data directory was created with)',
    );
  }
  setProviderAddressPolicy({ refusePrivateAddresses: options.refusePrivateIdpAddresses ?? false });
  const context = createContext({
    db,
    rootKey: rootKey.key,
    keyAlgorithm: options.keyAlgorithm ?? 'ecdsa-p256',
    sshKeyType: options.sshKeyType ?? 'ed25519',
    relayAuthSecret: options.relayAuthSecret,
    identityProviders: options.identityProviders,
  });
  try {
    const app = await buildApp(context, options);
    return { app, context, rootKeySource: rootKey.source };
  } catch (error) {
    db.close();
    throw error;
  }
}
