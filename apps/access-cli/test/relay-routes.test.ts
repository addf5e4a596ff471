import { describe, expect, it } from '@jest/globals';
import type { PamAccess } from '../src/pam-access-session.ts';
import { relayRoutesOf } from '../src/relay-routes.ts';

const single: PamAccess = {
  sessionId: 's',
  resourceType: 'postgres',
  metadata: {},
  relayHost: '127.0.0.1:18443',
  relayClientCertificate: 'cert-a',
  relayClientPrivateKey: 'key-a',
  relayServerCertificateChain: 'chain-a',
  gatewayClientCertificate: 'gw-cert',
  gatewayClientPrivateKey: 'gw-key',
  gatewayServerCertificateChain: 'gw-chain',
};

describe('relayRoutesOf', () => {
  it('uses relays[] in its order when present', () => {
    const routes = relayRoutesOf({
      ...single,
      relays: [
        {
          relayHost: '127.0.0.1:18443',
          relayClientCertificate: 'cert-a',
          relayClientPrivateKey: 'key-a',
          relayServerCertificateChain: 'chain-a',
        },
        {
          relayHost: 'relay-b.example.com',
          relayClientCertificate: 'cert-b',
          relayClientPrivateKey: 'key-b',
          relayServerCertificateChain: 'chain-b',
        },
      ],
    });
    expect(routes).toEqual([
      {
        address: { host: '127.0.0.1', port: 18443 },
        credentials: {
          certificate: 'cert-a',
          privateKey: 'key-a',
          serverCertificateChain: 'chain-a',
        },
      },
      {
        address: { host: 'relay-b.example.com', port: 8443 },
        credentials: {
          certificate: 'cert-b',
          privateKey: 'key-b',
          serverCertificateChain: 'chain-b',
        },
      },
    ]);
  });

  it.each([
    ['absent (reference control plane)', undefined],
    ['empty', []],
  ])('falls back to relayHost/relayClient* when relays[] is %s', (_name, relays) => {
    const access = relays === undefined ? single : { ...single, relays };
    expect(relayRoutesOf(access)).toEqual([
      {
        address: { host: '127.0.0.1', port: 18443 },
        credentials: {
          certificate: 'cert-a',
          privateKey: 'key-a',
          serverCertificateChain: 'chain-a',
        },
      },
    ]);
  });

  it('refuses a bad relay address', () => {
    expect(() =>
      relayRoutesOf({ ...single, relays: [{ ...single, relayHost: 'relay:0' }] }),
    ).toThrow(/invalid relay address/);
  });
});
