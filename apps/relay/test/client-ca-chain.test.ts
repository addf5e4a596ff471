/**
 * The relay's issuing-CA check (client-ca-chain.ts) and its cache of certificates already found
 * signed: a genuine caller passes every time, a sibling or foreign CA's caller is refused every
 * time (a refusal is never remembered as a pass), and bytes that differ are checked afresh.
 */
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';

import { parseClientCaChain, type ClientCaChain } from '../src/client-ca-chain.ts';
import { createRelayTestPki, type RelayTestPki } from './relay-pki.ts';

const gatewayId = '0b7c1e1a-4a52-4d6e-9f45-8a0c1f2e3d4b';
let pki: RelayTestPki;
let chain: ClientCaChain;

function der(pem: string): Buffer {
  return new X509Certificate(pem).raw; // the leaf: the first certificate of the PEM
}

beforeAll(async () => {
  pki = await createRelayTestPki();
  chain = parseClientCaChain(pki.relay.clientCertificateChain);
});

describe('client CA chain: issued()', () => {
  it('passes a caller certificate of the relay client CA, again and again', async () => {
    const caller = der((await pki.caller(gatewayId)).certificate);
    for (let i = 0; i < 3; i++) expect(chain.issued(caller)).toBe(true);
    expect(chain.issued(Buffer.from(caller))).toBe(true);
  });

  it('refuses a sibling CA and a foreign CA every time, also after they were asked about', async () => {
    const sibling = der((await pki.siblingCaller(gatewayId)).certificate);
    const foreign = der((await pki.foreignCaller(gatewayId)).certificate);
    for (let i = 0; i < 3; i++) {
      expect(chain.issued(sibling)).toBe(false);
      expect(chain.issued(foreign)).toBe(false);
    }
  });

  it('checks changed bytes afresh: a genuine certificate with a broken signature is refused', async () => {
    const caller = der((await pki.caller(gatewayId)).certificate);
    expect(chain.issued(caller)).toBe(true);
    const tampered = Buffer.from(caller);
    tampered[tampered.length - 3] = (tampered[tampered.length - 3] ?? 0) ^ 0xff;
    expect(chain.issued(tampered)).toBe(false);
    expect(chain.issued(Buffer.from('not a certificate'))).toBe(false);
    expect(chain.issued(caller)).toBe(true);
  });

  it('a chain parsed for another relay remembers nothing of this one', async () => {
    const caller = der((await pki.caller(gatewayId)).certificate);
    expect(chain.issued(caller)).toBe(true);
    const other = await createRelayTestPki();
    expect(parseClientCaChain(other.relay.clientCertificateChain).issued(caller)).toBe(false);
  });
});
