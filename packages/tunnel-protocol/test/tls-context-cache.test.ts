/**
 * The caller's secure-context cache: one context per credential set, a different set (any of
 * certificate, key or trusted chain) never gets another's context, and the cache stays bounded.
 */
import { describe, expect, it } from '@jest/globals';
import { createRootCa, issueRelayServerCertificate, serverCertificateChainPem } from '@burrow/pki';

import { SECURE_CONTEXT_CACHE_SIZE, secureContextFor } from '../src/tls-context-cache.ts';
import type { TlsCredentials } from '../src/index.ts';

async function credentials(host: string): Promise<TlsCredentials> {
  const root = await createRootCa({ subject: { CN: `root ${host}` } });
  const leaf = await issueRelayServerCertificate({ issuer: root, host });
  return {
    certificate: leaf.certificatePem,
    privateKey: leaf.privateKeyPem,
    serverCertificateChain: serverCertificateChainPem(root),
  };
}

describe('secureContextFor', () => {
  it('returns one context per credential set, and another for any changed part', async () => {
    const a = await credentials('127.0.0.1');
    const b = await credentials('127.0.0.2');
    const context = secureContextFor(a);
    expect(secureContextFor({ ...a })).toBe(context);
    expect(secureContextFor(b)).not.toBe(context);
    expect(secureContextFor({ ...a, serverCertificateChain: b.serverCertificateChain })).not.toBe(
      context,
    );
    expect(
      secureContextFor({ ...a, certificate: b.certificate, privateKey: b.privateKey }),
    ).not.toBe(context);
  });

  it('refuses a malformed key as tls.connect would, and caches nothing for it', async () => {
    const a = await credentials('127.0.0.3');
    const broken = { ...a, privateKey: 'not a key' };
    expect(() => secureContextFor(broken)).toThrow();
    expect(() => secureContextFor(broken)).toThrow();
  });

  it(`keeps at most ${SECURE_CONTEXT_CACHE_SIZE} contexts, dropping the least recently used`, async () => {
    const base = await credentials('127.0.0.4');
    // Distinct trusted chains make distinct credential sets without minting hundreds of keys.
    const numbered = (i: number): TlsCredentials => ({
      ...base,
      serverCertificateChain: `${base.serverCertificateChain}\n# ${i}\n`,
    });
    const kept = secureContextFor(numbered(-1));
    const dropped = secureContextFor(numbered(-2));
    for (let i = 0; i < SECURE_CONTEXT_CACHE_SIZE; i++) {
      if (i % 16 === 0) expect(secureContextFor(numbered(-1))).toBe(kept); // used: stays
      secureContextFor(numbered(i));
    }
    expect(secureContextFor(numbered(-1))).toBe(kept);
    expect(secureContextFor(numbered(-2))).not.toBe(dropped);
  });
});
