/**
 * A stand-in for the control plane's relay routes: it issues fresh relay credentials (X.509 from
 * relay-pki.ts, OpenSSH host certificate and gateway user CA from @burrow/pki) on every
 * registration, and records every request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  encodeOpenSshPrivateKey,
  formatSshCertificateLine,
  formatSshPublicKeyLine,
  generateSshKeyPair,
  signSshCertificate,
} from '@burrow/pki';
import type { SshKeyPair } from '@burrow/pki';
import { routes } from '@burrow/platform-api';
import type { RelayTestPki } from './relay-pki.ts';
import { createRelayTestPki } from './relay-pki.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

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
  const requests: RecordedRequest[] = [];

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

  const register = async (body: { sshPort: number }): Promise<unknown> => {
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

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
      const path = request.url ?? '';
      requests.push({
        method: request.method ?? '',
        path,
        authorization: request.headers.authorization,
        body,
      });
      const reply = (status: number, value: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (request.headers.authorization === `Bearer ${REVOKED_TOKEN}`) {
        reply(401, { message: 'access token is not valid' });
      } else if (
        path === routes.registerOrgRelay.path ||
        path === routes.registerInstanceRelay.path
      ) {
        register(body as { sshPort: number }).then(
          (credentials) => reply(200, credentials),
          (error: Error) => reply(500, { message: error.message }),
        );
      } else if (
        path === routes.heartbeatOrgRelay.path ||
        path === routes.heartbeatInstanceRelay.path
      ) {
        reply(200, { message: 'ok', heartbeat: new Date().toISOString() });
      } else {
        reply(404, { message: `no route ${path}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
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
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
