import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';

/**
 * Stored CAs, X.509 and SSH alike. The private key is sealed with the root key (AES-256-GCM)
 * with associated data `ca:<scope>:<kind>`; the certificate (X.509) or public key (SSH) is
 * public and stored as text.
 *
 * `scope` is `instance` or an organization ID; `kind` names the CA within the scope.
 *
 * @example
 *   store.insert({ scope: orgId, kind: 'gateway-root', keyAlgorithm, certificate: pem, privateKey: keyPem });
 */
export interface StoredCertificateAuthority {
  id: string;
  scope: string;
  kind: string;
  keyAlgorithm: string;
  certificate: string | null;
  publicKey: string | null;
  privateKey: string;
}

interface Row {
  id: string;
  scope: string;
  kind: string;
  key_algorithm: string;
  certificate: string | null;
  public_key: string | null;
  encrypted_private_key: Buffer;
}

export class CertificateAuthorityStore {
  readonly #db: Db;
  readonly #box: SecretBox;

  constructor(db: Db, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  get(scope: string, kind: string): StoredCertificateAuthority | undefined {
    const row = this.#db
      .prepare<[string, string], Row>(
        'SELECT * FROM certificate_authorities WHERE scope = ? AND kind = ?',
      )
      .get(scope, kind);
    if (!row) return undefined;
    return {
      id: row.id,
      scope: row.scope,
      kind: row.kind,
      keyAlgorithm: row.key_algorithm,
      certificate: row.certificate,
      publicKey: row.public_key,
      privateKey: this.#box.open(row.encrypted_private_key, aad(scope, kind)).toString('utf8'),
    };
  }

  /**
   * Throws if a stored CA key does not decrypt with this root key (a changed ENCRYPTION_KEY or
   * a replaced root.key), so the server refuses to start instead of failing on first use.
   */
  assertRootKeyMatches(): void {
    const row = this.#db
      .prepare<[], { scope: string; kind: string }>(
        'SELECT scope, kind FROM certificate_authorities ORDER BY created_at LIMIT 1',
      )
      .get();
    if (row) this.get(row.scope, row.kind);
  }

  /** Inserts the CA unless one exists for (scope, kind); returns the stored one either way. */
  insert(input: Omit<StoredCertificateAuthority, 'id'>): StoredCertificateAuthority {
    const sealed = this.#box.seal(
      Buffer.from(input.privateKey, 'utf8'),
      aad(input.scope, input.kind),
    );
    this.#db
      .prepare(
        `INSERT OR IGNORE INTO certificate_authorities
           (id, scope, kind, key_algorithm, certificate, public_key, encrypted_private_key, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        randomUUID(),
        input.scope,
        input.kind,
        input.keyAlgorithm,
        input.certificate,
        input.publicKey,
        sealed,
        Date.now(),
      );
    return this.get(input.scope, input.kind) as StoredCertificateAuthority;
  }
}

function aad(scope: string, kind: string): string {
  return `ca:${scope}:${kind}`;
}
