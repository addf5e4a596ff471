import { describe, expect, it } from '@jest/globals';
import { PlatformError } from '@burrow/platform-api';
import { registerRelay } from '../src/relay-registration.ts';
import { withControlPlane } from './answering-control-plane.ts';

const registration = {
  relayId: 'relay-id',
  pki: { serverCertificate: 'c', serverPrivateKey: 'k', clientCertificateChain: 'ch' },
  ssh: { serverCertificate: 'sc', serverPrivateKey: 'sk', clientCAPublicKey: 'ca' },
};

const request = { host: 'relay.example.com', name: 'edge-1', sshPort: 2222, tlsPort: 8443 };

describe('registerRelay', () => {
  it('registers on the route of its kind and returns the credentials', async () => {
    const seen: { path: string; body: unknown }[] = [];
    await withControlPlane(
      (path, body) => {
        seen.push({ path, body });
        return { status: 200, body: registration };
      },
      async (client) => {
        const { pki, ssh } = registration;
        expect(await registerRelay(client, { type: 'org', ...request })).toEqual({ pki, ssh });
        expect(await registerRelay(client, { type: 'instance', ...request })).toEqual({ pki, ssh });
      },
    );
    expect(seen).toEqual([
      { path: '/api/v1/relays/register-org-relay', body: request },
      { path: '/api/v1/relays/register-instance-relay', body: request },
    ]);
  });

  it('refuses a reply that lacks a credential, naming it', async () => {
    const incomplete = { ...registration, ssh: { ...registration.ssh, clientCAPublicKey: '' } };
    await withControlPlane(
      () => ({ status: 200, body: incomplete }),
      async (client) => {
        const error = await registerRelay(client, { type: 'org', ...request }).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(PlatformError);
        expect((error as Error).message).toMatch(
          /register-org-relay answered 200 with a body that does not match its schema: \/ssh\/clientCAPublicKey/,
        );
      },
    );
  });
});
