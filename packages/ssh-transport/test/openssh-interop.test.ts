/**
 * OpenSSH as the independent judge of the SSH scheme, with keys and certificates made by
 * ssh-keygen (RSA-2048 CAs, like the reference's):
 *   - the real `ssh` client logs in to our relay with a user certificate (wrapped signature
 *     framing) and verifies the relay's host certificate in key exchange (`@cert-authority`,
 *     StrictHostKeyChecking=yes); a host certificate from another CA is refused;
 *   - the reference gateway's pinned algorithms (DH group14/16/18, AES-CTR, HMAC-SHA2) work;
 *   - our gateway logs in to the real `sshd` (HostCertificate + TrustedUserCAKeys): OpenSSH's
 *     host certificate is verified by our patched key exchange, and sshd accepts our signature.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  connectToRelay,
  createRelaySshServer,
  RelayConnectError,
  type GatewaySshSession,
  type RelaySshServer,
} from '../src/index.ts';
import { freePort, startSshd } from '@burrow/test-support';
import {
  baseSshOptions,
  keygen,
  makeTempDir,
  signWithSshKeygen,
  SSH,
  startProcess,
  writePrivateFile,
  type RunningProcess,
  type TempDir,
} from './support/openssh.ts';
import { once } from './support/wait.ts';

const RELAY_NAME = 'relay-1';
const GATEWAY_ID = 'a3d1c0de-0000-4000-8000-000000000001';

let dir: TempDir;
let userCa: Awaited<ReturnType<typeof keygen>>;
let hostCa: Awaited<ReturnType<typeof keygen>>;
let otherCa: Awaited<ReturnType<typeof keygen>>;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

beforeAll(async () => {
  dir = await makeTempDir();
  [userCa, hostCa, otherCa] = await Promise.all([
    keygen(dir.file('user_ca'), 'rsa'),
    keygen(dir.file('host_ca'), 'rsa'),
    keygen(dir.file('other_ca'), 'rsa'),
  ]);
  await keygen(dir.file('gateway'), 'rsa');
  // writes gateway-cert.pub next to the key, which ssh reads through CertificateFile
  await signWithSshKeygen({
    caPath: dir.file('user_ca'),
    keyPath: dir.file('gateway'),
    keyId: `client-${RELAY_NAME}`,
    principals: [GATEWAY_ID, 'gw-name'],
  });
  await writePrivateFile(dir.file('known_hosts'), `@cert-authority * ${hostCa.publicKeyLine}\n`);
}, 30_000);

afterAll(async () => {
  await dir?.remove();
});

/** A relay on a free port whose host certificate (by `caName`) names that port. */
async function startRelay(
  hostKeyType: 'rsa' | 'ed25519' | 'ecdsa',
  caName = 'host_ca',
): Promise<{ server: RelaySshServer; port: number }> {
  const port = await freePort();
  const keyPath = dir.unique(`relay_${hostKeyType}`);
  const hostKey = await keygen(keyPath, hostKeyType);
  const hostCertificate = await signWithSshKeygen({
    caPath: dir.file(caName),
    keyPath,
    keyId: 'relay-server',
    principals: ['127.0.0.1', `127.0.0.1:${port}`],
    host: true,
  });
  const server = createRelaySshServer({
    hostPrivateKey: hostKey.privateKey,
    hostCertificate,
    trustedUserCaPublicKey: userCa.publicKeyLine,
    relayName: RELAY_NAME,
  });
  await server.listen(port, '127.0.0.1');
  cleanups.push(() => server.close());
  return { server, port };
}

function sshToRelay(port: number, extra: readonly string[]): RunningProcess {
  const ssh = startProcess(SSH, [
    ...baseSshOptions(dir.file('known_hosts')),
    '-N',
    '-i',
    dir.file('gateway'),
    '-o',
    `CertificateFile=${dir.file('gateway-cert.pub')}`,
    '-p',
    String(port),
    ...extra,
    `${GATEWAY_ID}@127.0.0.1`,
  ]);
  cleanups.push(() => ssh.kill());
  return ssh;
}

describe('OpenSSH ssh client -> our relay', () => {
  it.each([
    ['rsa', 'rsa-sha2-512-cert-v01@openssh.com'],
    ['rsa', 'rsa-sha2-256-cert-v01@openssh.com'],
    ['ed25519', 'ssh-ed25519-cert-v01@openssh.com'],
    ['ecdsa', 'ecdsa-sha2-nistp256-cert-v01@openssh.com'],
  ] as const)(
    'verifies a %s host certificate as %s and logs in with an ssh-keygen user certificate',
    async (hostKeyType, hostKeyAlgorithm) => {
      const { server, port } = await startRelay(hostKeyType);
      const gateway = once<GatewaySshSession>(server, 'gateway', 15_000);
      const ssh = sshToRelay(port, ['-o', `HostKeyAlgorithms=${hostKeyAlgorithm}`]);
      const session = await gateway.catch((error: Error) => {
        throw new Error(`${error.message}; ssh said: ${ssh.output()}`);
      });
      expect(session.gatewayId).toBe(GATEWAY_ID);
      expect(session.gatewayName).toBe('gw-name');
      expect(session.certificate.keyId).toBe(`client-${RELAY_NAME}`);

      // OpenSSH's client does not take server-opened direct-tcpip channels, but it must parse our
      // empty-payload CHANNEL_OPEN and answer with a failure, not drop the connection.
      await expect(session.openChannel()).rejects.toThrow(/open failed|Unknown|prohibited/i);
      expect(ssh.child.exitCode).toBeNull();
      expect(session.closed).toBe(false);
    },
  );

  it('refuses a relay whose host certificate is signed by another CA', async () => {
    const { server, port } = await startRelay('rsa', 'other_ca');
    let loggedIn = false;
    server.on('gateway', () => (loggedIn = true));
    const ssh = sshToRelay(port, []);
    expect(await ssh.exited(15_000)).toBe(255);
    expect(ssh.output()).toMatch(/Host key verification failed/);
    expect(loggedIn).toBe(false);
  });

  it.each([
    ['diffie-hellman-group14-sha256', 'aes128-ctr', 'hmac-sha2-256'],
    ['diffie-hellman-group16-sha512', 'aes192-ctr', 'hmac-sha2-512'],
    ['diffie-hellman-group18-sha512', 'aes256-ctr', 'hmac-sha2-256'],
  ])("speaks the reference gateway's pinned algorithms: %s, %s, %s", async (kex, cipher, mac) => {
    const { server, port } = await startRelay('rsa');
    const gateway = once<GatewaySshSession>(server, 'gateway', 20_000);
    const ssh = sshToRelay(port, ['-o', `KexAlgorithms=${kex}`, '-c', cipher, '-m', mac]);
    const session = await gateway.catch((error: Error) => {
      throw new Error(`${error.message}; ssh said: ${ssh.output()}`);
    });
    expect(session.gatewayId).toBe(GATEWAY_ID);
  });
});

describe('our gateway -> OpenSSH sshd', () => {
  async function startRelayLikeSshd(): Promise<{ port: number }> {
    const keyPath = dir.unique('sshd_host');
    await keygen(keyPath, 'rsa');
    await writePrivateFile(dir.file('user_ca.pub.trusted'), `${userCa.publicKeyLine}\n`);
    const sshd = await startSshd(dir.path, async (port) => {
      await signWithSshKeygen({
        caPath: dir.file('host_ca'),
        keyPath,
        keyId: 'relay-server',
        principals: [`127.0.0.1:${port}`],
        host: true,
      });
      return [
        `HostKey ${keyPath}`,
        `HostCertificate ${keyPath}-cert.pub`,
        `TrustedUserCAKeys ${dir.file('user_ca.pub.trusted')}`,
        'AuthorizedKeysFile none',
      ];
    });
    cleanups.push(() => sshd.stop());
    return { port: sshd.port };
  }

  async function rootCert(
    keyType: 'rsa' | 'ed25519' | 'ecdsa',
  ): Promise<{ key: string; cert: string }> {
    const keyPath = dir.unique(`root_${keyType}`);
    const key = await keygen(keyPath, keyType);
    const cert = await signWithSshKeygen({
      caPath: dir.file('user_ca'),
      keyPath,
      keyId: `client-${RELAY_NAME}`,
      principals: ['root'],
    });
    return { key: key.privateKey, cert };
  }

  it.each(['rsa', 'ed25519', 'ecdsa'] as const)(
    "verifies sshd's host certificate and logs in with a %s user certificate",
    async (keyType) => {
      const { port } = await startRelayLikeSshd();
      const { key, cert } = await rootCert(keyType);
      const connection = await connectToRelay({
        host: '127.0.0.1',
        port,
        username: 'root',
        privateKey: key,
        certificate: cert,
        serverCaPublicKey: hostCa.publicKeyLine,
        dialTimeoutMs: 15_000,
      });
      cleanups.push(() => connection.close());
      expect(connection.hostCertificate.keyId).toBe('relay-server');
      expect(connection.negotiated).toMatchObject({
        serverHostKey: 'rsa-sha2-512-cert-v01@openssh.com',
      });
    },
  );

  it("refuses sshd's host certificate when it trusts another host CA", async () => {
    const { port } = await startRelayLikeSshd();
    const { key, cert } = await rootCert('ed25519');
    const error = await connectToRelay({
      host: '127.0.0.1',
      port,
      username: 'root',
      privateKey: key,
      certificate: cert,
      serverCaPublicKey: otherCa.publicKeyLine,
      dialTimeoutMs: 15_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayConnectError);
    expect(error).toMatchObject({ code: 'HOST_CERTIFICATE_REFUSED', certificateCode: 'WRONG_CA' });
  });
});
