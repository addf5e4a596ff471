/**
 * A complete test hierarchy shaped like the reference's per-org gateway PKI (§2.1): a root with a
 * server CA and a client CA below it (pathLen 0 each).
 */
import {
  createIntermediateCa,
  createRootCa,
  type CertificateAuthority,
  type KeyAlgorithm,
} from '../../src/x509/index.ts';

/** Root, server CA and client CA of one org. */
export interface TestPki {
  readonly root: CertificateAuthority;
  readonly serverCa: CertificateAuthority;
  readonly clientCa: CertificateAuthority;
}

/**
 * Creates a fresh hierarchy whose CAs all use `keyAlgorithm`.
 *
 * @example
 *   const { root, serverCa, clientCa } = await createTestPki('ecdsa-p256');
 */
export async function createTestPki(keyAlgorithm: KeyAlgorithm, orgId = 'org-1'): Promise<TestPki> {
  const root = await createRootCa({
    subject: { O: orgId, CN: 'Infisical Gateway Root CA' },
    keyAlgorithm,
  });
  const [serverCa, clientCa] = await Promise.all([
    createIntermediateCa({
      issuer: root,
      subject: { O: orgId, CN: 'Infisical Gateway Server CA' },
      pathLength: 0,
      keyAlgorithm,
    }),
    createIntermediateCa({
      issuer: root,
      subject: { O: orgId, CN: 'Infisical Gateway Client CA' },
      pathLength: 0,
      keyAlgorithm,
    }),
  ]);
  return { root, serverCa, clientCa };
}
