import {
  certificateToPem,
  createIntermediateCa,
  createRootCa,
  decodeOpenSshPrivateKey,
  encodeOpenSshPrivateKey,
  exportPrivateKeyPem,
  formatSshPublicKeyLine,
  generateSshKeyPair,
  importCertificateAuthority,
  type CertificateAuthority,
  type DistinguishedName,
  type KeyAlgorithm,
  type SshKeyPair,
  type SshKeyType,
} from '@burrow/pki';
import type { CertificateAuthorityStore } from '../stores/certificate-authority-store.ts';

/**
 * The CA hierarchy of the reference (§2.1), created lazily on first use and stored with
 * encrypted private keys.
 *
 *   instance scope
 *     relay-root              O=Infisical,CN=Infisical Instance Root Relay CA (self-signed)
 *     ├─ org-relay            CN=Infisical Organization Relay CA      (pathLen 2)
 *     └─ instance-relay       CN=Infisical Instance Relay CA          (pathLen 1)
 *        ├─ instance-relay-client  CN=Infisical Instance Relay Client CA (pathLen 0)
 *        └─ instance-relay-server  CN=Infisical Instance Relay Server CA (pathLen 0)
 *     ssh-client / ssh-server  SSH CAs for instance relays
 *   org scope (<orgId>)
 *     relay-client            O=<orgId>,CN=Infisical Org Relay Client CA  (under org-relay, pathLen 0)
 *     relay-server            O=<orgId>,CN=Infisical Org Relay Server CA  (under org-relay, pathLen 0)
 *     gateway-root            O=<orgId>,CN=Infisical Gateway Root CA (self-signed)
 *     ├─ gateway-server       O=<orgId>,CN=Infisical Gateway Server CA (pathLen 0)
 *     └─ gateway-client       O=<orgId>,CN=Infisical Gateway Client CA (pathLen 0)
 *     ssh-client / ssh-server  SSH CAs for the org's relays
 *     pam-ssh-user            the PAM SSH user CA (always ed25519): signs the per-session user
 *                             certificates of ssh certificate accounts (pam-ssh-ca.ts); targets
 *                             trust it with sshd's TrustedUserCAKeys
 *
 * Loaded CAs are cached in memory; concurrent first uses share one creation.
 *
 * @example
 *   const ca = await authorities.x509(orgId, 'gateway-server');
 *   const ssh = await authorities.ssh('instance', 'ssh-client');
 */
export const INSTANCE_SCOPE = 'instance';

export type X509CaKind =
  | 'relay-root'
  | 'org-relay'
  | 'instance-relay'
  | 'instance-relay-client'
  | 'instance-relay-server'
  | 'relay-client'
  | 'relay-server'
  | 'gateway-root'
  | 'gateway-server'
  | 'gateway-client';

export type SshCaKind = 'ssh-client' | 'ssh-server' | 'pam-ssh-user';

/** The PAM SSH user CA is ed25519 whatever BURROW_SSH_KEY_ALGORITHM says: every OpenSSH since 6.5 takes it. */
const FIXED_SSH_KEY_TYPE: Partial<Record<SshCaKind, SshKeyType>> = { 'pam-ssh-user': 'ed25519' };

interface X509CaSpec {
  subject: (scope: string) => DistinguishedName;
  /** Parent CA (scope + kind) or undefined for a self-signed root. */
  parent?: (scope: string) => { scope: string; kind: X509CaKind };
  pathLength?: number;
}

const instanceParent = (kind: X509CaKind) => () => ({ scope: INSTANCE_SCOPE, kind });
const sameScopeParent = (kind: X509CaKind) => (scope: string) => ({ scope, kind });

const X509_CAS: Record<X509CaKind, X509CaSpec> = {
  'relay-root': { subject: () => ({ O: 'Infisical', CN: 'Infisical Instance Root Relay CA' }) },
  'org-relay': {
    subject: () => ({ CN: 'Infisical Organization Relay CA' }),
    parent: instanceParent('relay-root'),
    pathLength: 2,
  },
  'instance-relay': {
    subject: () => ({ CN: 'Infisical Instance Relay CA' }),
    parent: instanceParent('relay-root'),
    pathLength: 1,
  },
  'instance-relay-client': {
    subject: () => ({ CN: 'Infisical Instance Relay Client CA' }),
    parent: instanceParent('instance-relay'),
    pathLength: 0,
  },
  'instance-relay-server': {
    subject: () => ({ CN: 'Infisical Instance Relay Server CA' }),
    parent: instanceParent('instance-relay'),
    pathLength: 0,
  },
  'relay-client': {
    subject: (orgId) => ({ O: orgId, CN: 'Infisical Org Relay Client CA' }),
    parent: instanceParent('org-relay'),
    pathLength: 0,
  },
  'relay-server': {
    subject: (orgId) => ({ O: orgId, CN: 'Infisical Org Relay Server CA' }),
    parent: instanceParent('org-relay'),
    pathLength: 0,
  },
  'gateway-root': { subject: (orgId) => ({ O: orgId, CN: 'Infisical Gateway Root CA' }) },
  'gateway-server': {
    subject: (orgId) => ({ O: orgId, CN: 'Infisical Gateway Server CA' }),
    parent: sameScopeParent('gateway-root'),
    pathLength: 0,
  },
  'gateway-client': {
    subject: (orgId) => ({ O: orgId, CN: 'Infisical Gateway Client CA' }),
    parent: sameScopeParent('gateway-root'),
    pathLength: 0,
  },
};

/** An SSH CA: its key pair and its public key as an `authorized_keys`-style line. */
export interface SshCertificateAuthority {
  keyPair: SshKeyPair;
  publicKeyLine: string;
}

export interface CertificateAuthoritiesOptions {
  store: CertificateAuthorityStore;
  keyAlgorithm: KeyAlgorithm;
  sshKeyType: SshKeyType;
}

export class CertificateAuthorities {
  readonly #store: CertificateAuthorityStore;
  readonly #keyAlgorithm: KeyAlgorithm;
  readonly #sshKeyType: SshKeyType;
  readonly #x509 = new Map<string, Promise<CertificateAuthority>>();
  readonly #ssh = new Map<string, SshCertificateAuthority>();

  constructor(options: CertificateAuthoritiesOptions) {
    this.#store = options.store;
    this.#keyAlgorithm = options.keyAlgorithm;
    this.#sshKeyType = options.sshKeyType;
  }

  get keyAlgorithm(): KeyAlgorithm {
    return this.#keyAlgorithm;
  }

  get sshKeyType(): SshKeyType {
    return this.#sshKeyType;
  }

  /** The X.509 CA `kind` of `scope` (INSTANCE_SCOPE or an org ID), created if missing. */
  x509(scope: string, kind: X509CaKind): Promise<CertificateAuthority> {
    const key = `${scope}:${kind}`;
    let pending = this.#x509.get(key);
    if (!pending) {
      pending = this.#loadOrCreateX509(scope, kind);
      this.#x509.set(key, pending);
      // A failed creation must not poison the cache.
      pending.catch(() => this.#x509.delete(key));
    }
    return pending;
  }

  /** The SSH CA `kind` of `scope`, created if missing. */
  ssh(scope: string, kind: SshCaKind): SshCertificateAuthority {
    const key = `${scope}:${kind}`;
    const cached = this.#ssh.get(key);
    if (cached) return cached;
    let stored = this.#store.get(scope, kind);
    if (!stored) {
      const keyType = FIXED_SSH_KEY_TYPE[kind] ?? this.#sshKeyType;
      const keyPair = generateSshKeyPair(keyType);
      stored = this.#store.insert({
        scope,
        kind,
        keyAlgorithm: keyType,
        certificate: null,
        publicKey: formatSshPublicKeyLine(keyPair.publicKey),
        privateKey: encodeOpenSshPrivateKey(keyPair.privateKey, `burrow-${scope}-${kind}`),
      });
    }
    const keyPair = decodeOpenSshPrivateKey(stored.privateKey);
    const ca = { keyPair, publicKeyLine: formatSshPublicKeyLine(keyPair.publicKey) };
    this.#ssh.set(key, ca);
    return ca;
  }

  async #loadOrCreateX509(scope: string, kind: X509CaKind): Promise<CertificateAuthority> {
    const spec = X509_CAS[kind];
    const parentRef = spec.parent?.(scope);
    const parent = parentRef ? await this.x509(parentRef.scope, parentRef.kind) : undefined;
    const issuerCertificatesPem = parent
      ? [parent.certificate, ...parent.issuerCertificates].map(certificateToPem).join('')
      : '';
    const existing = this.#store.get(scope, kind);
    if (existing?.certificate) {
      return importCertificateAuthority({
        certificatePem: existing.certificate,
        privateKeyPem: existing.privateKey,
        issuerCertificatesPem,
      });
    }
    const subject = spec.subject(scope);
    const created = parent
      ? await createIntermediateCa({
          issuer: parent,
          subject,
          pathLength: spec.pathLength ?? 0,
          keyAlgorithm: this.#keyAlgorithm,
        })
      : await createRootCa({ subject, keyAlgorithm: this.#keyAlgorithm });
    // INSERT OR IGNORE: if another process created it meanwhile, use theirs.
    const stored = this.#store.insert({
      scope,
      kind,
      keyAlgorithm: this.#keyAlgorithm,
      certificate: created.certificatePem,
      publicKey: null,
      privateKey: exportPrivateKeyPem(created.keyPair),
    });
    if (stored.certificate === created.certificatePem) return created;
    return importCertificateAuthority({
      certificatePem: stored.certificate as string,
      privateKeyPem: stored.privateKey,
      issuerCertificatesPem,
    });
  }
}
