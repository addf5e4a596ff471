import { afterEach, describe, expect, it } from '@jest/globals';
import { PlatformClient, PlatformError, routes } from '@burrow/platform-api';
import {
  fakeAnswer,
  fakeRoute,
  startFakeControlPlane,
  type FakeControlPlane,
} from '@burrow/test-support';
import { registerRelay } from '../src/relay-registration.ts';

const registration = {
  relayId: 'relay-id',
  pki: { serverCertificate: 'c', serverPrivateKey: 'k', clientCertificateChain: 'ch' },
  ssh: { serverCertificate: 'sc', serverPrivateKey: 'sk', clientCAPublicKey: 'ca' },
};

const request = { host: 'relay.example.com', name: 'edge-1', sshPort: 2222, tlsPort: 8443 };

let platform: FakeControlPlane | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

/** The relay's PlatformClient pointed at `fake`. */
function clientOf(fake: FakeControlPlane): PlatformClient {
  return new PlatformClient({ apiUrl: fake.apiUrl, token: () => 't' });
}

describe('registerRelay', () => {
  it('registers on the route of its kind and returns the credentials', async () => {
    platform = await startFakeControlPlane([
      fakeRoute(routes.registerOrgRelay, () => registration),
      fakeRoute(routes.registerInstanceRelay, () => registration),
    ]);
    const client = clientOf(platform);
    const { pki, ssh } = registration;
    expect(await registerRelay(client, { type: 'org', ...request })).toEqual({ pki, ssh });
    expect(await registerRelay(client, { type: 'instance', ...request })).toEqual({ pki, ssh });
    expect(platform.requests.map(({ path, body }) => ({ path, body }))).toEqual([
      { path: '/api/v1/relays/register-org-relay', body: request },
      { path: '/api/v1/relays/register-instance-relay', body: request },
    ]);
  });

  it('refuses a reply that lacks a credential, naming it', async () => {
    const incomplete = { ...registration, ssh: { ...registration.ssh, clientCAPublicKey: '' } };
    // Sent unchecked (fakeAnswer): the malformed answer is what this test is about.
    platform = await startFakeControlPlane([
      fakeRoute(routes.registerOrgRelay, () => fakeAnswer(200, incomplete)),
    ]);
    const error = await registerRelay(clientOf(platform), { type: 'org', ...request }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as Error).message).toMatch(
      /register-org-relay answered 200 with a body that does not match its schema: \/ssh\/clientCAPublicKey/,
    );
  });
});
