/**
 * A stand-in for the control plane's relay routes (@burrow/test-support's fake control plane, so
 * its answers are checked by the routes' schemas): it issues fresh relay credentials (X.509 from
 * relay-pki.ts, OpenSSH host certificate and gateway user CA from @burrow/pki) on every
 * registration, and records every request.
 */
import {
  encodeOpenSshPrivateKey,
  formatSshCertificateLine,
  formatSshPublicKeyLine,
  generateSshKeyPair,
  signSshCertificate,
} from '@burrow/pki';
import type { SshKeyPair } from '@burrow/pki';
import { routes } from '@burrow/platform-api';
import {
  fakeAnswer,
  fakeRoute,
  startFakeControlPlane,
  type FakeRequest,
} from '@burrow/test-support';
import type { RelayTestPki } from './relay-pki.ts';
import { createRelayTestPki } from './relay-pki.ts';

export type RecordedRequest = FakeRequest;

export interface GatewaySshCredentials {
  privateKey: string;
  certificate: string;
  serverCaPublicKey: string;
}

export interface StubControlPlane {
  readonly apiUrl: string;
  readonly requests: RecordedRequest[];
  /** The X.509 material of the latest registration (callers use it). */
  readonly pki: RelayTestPki;
  /** A gateway SSH key + user certificate for `gatewayId`, bound to `relayName`. */
  gatewayCredentials(gatewayId: string, relayName: string, keyId?: string): GatewaySshCredentials;
  close(): Promise<void>;
}

/** A bearer token the stub answers with 401, as a control plane does for a revoked one. */
export const REVOKED_TOKEN = 'revoked-token';

export async function startStubControlPlane(host: string): Promise<StubControlPlane> {
  const userCa = generateSshKeyPair('ed25519');
  const hostCa = generateSshKeyPair('ed25519');
  let pki = await createRelayTestPki();

  const sign = (
    ca: SshKeyPair,
    subject: SshKeyPair,
    type: 'user' | 'host',
    keyId: string,
    principals: string[],
  ): string => {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const certificate = signSshCertificate({
      caPrivateKey: ca.privateKey,
      publicKey: subject.publicKeyBlob,
      type,
      keyId,
      serial: 1n,
      principals,
      validAfter: now - 60n,
      validBefore: now + 3600n,
    });
    return formatSshCertificateLine(certificate, `${type}-cert`);
  };

  const register = async (body: { sshPort?: number | undefined }) => {
    pki = await createRelayTestPki();
    const hostKey = generateSshKeyPair('ed25519');
    return {
      relayId: '00000000-0000-4000-8000-000000000001',
      pki: pki.relay,
      ssh: {
        serverCertificate: sign(hostCa, hostKey, 'host', 'relay-server', [
          `${host}:${body.sshPort}`,
        ]),
        serverPrivateKey: encodeOpenSshPrivateKey(hostKey.privateKey, 'relay'),
        clientCAPublicKey: formatSshPublicKeyLine(userCa.publicKeyBlob, 'gateway-ca'),
      },
    };
  };
  const heartbeat = () => ({ message: 'ok', heartbeat: new Date().toISOString() });
  /** Every route answers 401 to the revoked token, as a control plane does. */
  const unlessRevoked =
    <T>(answer: (request: FakeRequest) => T) =>
    (request: FakeRequest) =>
      request.authorization === `Bearer ${REVOKED_TOKEN}`
        ? fakeAnswer(401, { message: 'access token is not valid' })
        : answer(request);
  const registration = unlessRevoked((request) => register(request.body as { sshPort?: number }));
  const fake = await startFakeControlPlane([
    fakeRoute(routes.registerOrgRelay, registration),
    fakeRoute(routes.registerInstanceRelay, registration),
    fakeRoute(routes.heartbeatOrgRelay, unlessRevoked(heartbeat)),
    fakeRoute(routes.heartbeatInstanceRelay, unlessRevoked(heartbeat)),
  ]);
  const { requests } = fake;

  return {
    apiUrl: fake.apiUrl,
    requests,
    get pki() {
      return pki;
    },
    gatewayCredentials(gatewayId, relayName, keyId = `client-${relayName}`) {
      const key = generateSshKeyPair('ed25519');
      return {
        privateKey: encodeOpenSshPrivateKey(key.privateKey, 'gateway'),
        certificate: sign(userCa, key, 'user', keyId, [gatewayId, 'gw-test']),
        serverCaPublicKey: formatSshPublicKeyLine(hostCa.publicKeyBlob, 'relay-host-ca'),
      };
    },
    close() {
      return fake.close();
    },
  };
}
