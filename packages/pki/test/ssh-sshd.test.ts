/**
 * The real OpenSSH server and client as judges: a throwaway sshd on a free 127.0.0.1 port trusts
 * our user CAs (TrustedUserCAKeys) and presents host certificates we signed; the real ssh client
 * logs in with our keys (our private key file format) and our user certificates, and accepts our
 * host certificates through an `@cert-authority` known_hosts line.
 *
 * Matrix (every key type and every CA type in both roles at least once):
 *   host key  ed25519 ← host CA rsa      user key ed25519 ← user CA rsa
 *   host key  ecdsa   ← host CA ed25519  user key ecdsa   ← user CA ed25519
 *   host key  rsa     ← host CA ecdsa    user key rsa     ← user CA ecdsa
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  encodeOpenSshPrivateKey,
  formatSshCertificateLine,
  formatSshPublicKeyLine,
  generateSshKeyPair,
  signSshCertificate,
  type SignSshCertificateOptions,
  type SshKeyPair,
  type SshKeyType,
} from '../src/ssh/index.ts';
import {
  makeTempDir,
  removeTempDir,
  run,
  startSshd,
  writePrivateFile,
  type RunResult,
  type RunningSshd,
} from './support/ssh-tools.ts';

const SSHD = '/usr/sbin/sshd';
const SSH_TIMEOUT_MS = 10_000;

const HOST_CERT_ALGORITHMS: Record<SshKeyType, string> = {
  ed25519: 'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-p256': 'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'rsa-2048': 'rsa-sha2-512-cert-v01@openssh.com',
};
/** subject key type → the CA type that signs it (host and user alike). */
const SIGNED_BY: Record<SshKeyType, SshKeyType> = {
  ed25519: 'rsa-2048',
  'ecdsa-p256': 'ed25519',
  'rsa-2048': 'ecdsa-p256',
};
const TYPES = Object.keys(SIGNED_BY) as SshKeyType[];

let dir: string;
let sshd: RunningSshd | undefined;
const userCas = new Map<SshKeyType, SshKeyPair>();
const hostCas = new Map<SshKeyType, SshKeyPair>();
const userKeys = new Map<SshKeyType, SshKeyPair>();
let knownHosts: string;

function hourFromNow(): Pick<SignSshCertificateOptions, 'validAfter' | 'validBefore'> {
  return {
    validAfter: new Date(Date.now() - 60_000),
    validBefore: new Date(Date.now() + 3_600_000),
  };
}

/** Writes a private key (mode 0600) and a user certificate for it; returns both paths. */
function writeUserIdentity(
  name: string,
  key: SshKeyPair,
  cert: Partial<SignSshCertificateOptions> & Pick<SignSshCertificateOptions, 'caPrivateKey'>,
): { key: string; cert: string } {
  const keyPath = join(dir, name);
  const certPath = `${keyPath}-cert.pub`;
  writePrivateFile(keyPath, encodeOpenSshPrivateKey(key.privateKey, name));
  const signed = signSshCertificate({
    publicKey: key.publicKeyBlob,
    type: 'user',
    keyId: `burrow-test-${name}`,
    serial: 1000,
    principals: ['root'],
    ...hourFromNow(),
    ...cert,
  });
  writeFileSync(certPath, `${formatSshCertificateLine(signed)}\n`);
  return { key: keyPath, cert: certPath };
}

function ssh(
  identity: { key: string; cert: string },
  options: { hostKeyAlgorithm?: string; knownHostsFile?: string } = {},
): Promise<RunResult> {
  const port = (sshd as RunningSshd).port;
  return run(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-i',
      identity.key,
      '-o',
      `CertificateFile=${identity.cert}`,
      '-o',
      `UserKnownHostsFile=${options.knownHostsFile ?? knownHosts}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'UpdateHostKeys=no',
      '-o',
      'ConnectTimeout=5',
      ...(options.hostKeyAlgorithm === undefined
        ? []
        : ['-o', `HostKeyAlgorithms=${options.hostKeyAlgorithm}`]),
      '-p',
      String(port),
      'root@127.0.0.1',
      'echo ok',
    ],
    { timeoutMs: SSH_TIMEOUT_MS },
  );
}

function describeRun(r: RunResult): string {
  return `ssh exit ${r.code}\nssh stderr:\n${r.stderr}\nsshd log:\n${sshd?.log() ?? ''}`;
}

beforeAll(async () => {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: apt-get install -y openssh-server`);
  }
  dir = makeTempDir('ssh-sshd');
  for (const t of TYPES) {
    userCas.set(t, generateSshKeyPair(t));
    hostCas.set(t, generateSshKeyPair(t));
    userKeys.set(t, generateSshKeyPair(t));
  }

  const config: string[] = [];
  for (const t of TYPES) {
    const hostKey = generateSshKeyPair(t);
    const hostKeyPath = join(dir, `host-${t}`);
    writePrivateFile(hostKeyPath, encodeOpenSshPrivateKey(hostKey.privateKey, `host-${t}`));
    const hostCert = signSshCertificate({
      caPrivateKey: (hostCas.get(SIGNED_BY[t]) as SshKeyPair).privateKey,
      publicKey: hostKey.publicKeyBlob,
      type: 'host',
      keyId: `relay-server-${t}`,
      serial: 1,
      principals: ['127.0.0.1', 'localhost'],
      ...hourFromNow(),
    });
    writeFileSync(`${hostKeyPath}-cert.pub`, `${formatSshCertificateLine(hostCert)}\n`);
    config.push(`HostKey ${hostKeyPath}`, `HostCertificate ${hostKeyPath}-cert.pub`);
  }
  const trustedUserCaKeys = join(dir, 'trusted-user-ca-keys');
  writeFileSync(
    trustedUserCaKeys,
    TYPES.map((t) =>
      formatSshPublicKeyLine((userCas.get(t) as SshKeyPair).publicKeyBlob, `user-ca-${t}`),
    )
      .join('\n')
      .concat('\n'),
  );
  config.push(
    `TrustedUserCAKeys ${trustedUserCaKeys}`,
    'AuthorizedPrincipalsFile none',
    'AuthorizedKeysFile none',
  );
  sshd = await startSshd(dir, config);

  knownHosts = join(dir, 'known_hosts');
  writeFileSync(
    knownHosts,
    TYPES.map(
      (t) =>
        `@cert-authority [127.0.0.1]:${sshd?.port} ${formatSshPublicKeyLine((hostCas.get(t) as SshKeyPair).publicKeyBlob)}`,
    )
      .join('\n')
      .concat('\n'),
  );
});

afterAll(async () => {
  await sshd?.stop();
  removeTempDir(dir);
});

describe('sshd and ssh accept our certificates', () => {
  it.each(TYPES.map((t) => [t, t]))(
    '%s user certificate and %s host certificate: login succeeds',
    async (t) => {
      const identity = writeUserIdentity(`user-${t}`, userKeys.get(t) as SshKeyPair, {
        caPrivateKey: (userCas.get(SIGNED_BY[t]) as SshKeyPair).privateKey,
      });
      const r = await ssh(identity, { hostKeyAlgorithm: HOST_CERT_ALGORITHMS[t] });
      if (r.code !== 0) throw new Error(describeRun(r));
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'ok\n' });
      // sshd logs the certificate it accepted: our key ID and serial.
      expect(sshd?.log()).toMatch(
        new RegExp(
          `Accepted publickey for root .*-CERT .*ID burrow-test-user-${t} \\(serial 1000\\)`,
        ),
      );
    },
  );

  it('sshd refuses a user certificate signed by a CA it does not trust', async () => {
    const rogue = generateSshKeyPair('ed25519');
    const identity = writeUserIdentity('rogue', userKeys.get('ed25519') as SshKeyPair, {
      caPrivateKey: rogue.privateKey,
    });
    const r = await ssh(identity);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Permission denied');
    expect(r.stdout).toBe('');
  });

  it('sshd refuses an expired user certificate and one for another principal', async () => {
    const ca = (userCas.get('ed25519') as SshKeyPair).privateKey;
    const expired = writeUserIdentity('expired', userKeys.get('ecdsa-p256') as SshKeyPair, {
      caPrivateKey: ca,
      validAfter: new Date('2020-01-01T00:00:00Z'),
      validBefore: new Date('2020-01-02T00:00:00Z'),
    });
    const expiredRun = await ssh(expired);
    expect(expiredRun.code).toBe(255);
    expect(expiredRun.stdout).toBe('');

    const otherUser = writeUserIdentity(
      'other-principal',
      userKeys.get('ecdsa-p256') as SshKeyPair,
      {
        caPrivateKey: ca,
        principals: ['nobody'],
      },
    );
    const otherRun = await ssh(otherUser);
    expect(otherRun.code).toBe(255);
    expect(otherRun.stdout).toBe('');
  });

  it('ssh refuses our host certificate when known_hosts trusts a different host CA', async () => {
    const identity = writeUserIdentity('host-check', userKeys.get('ecdsa-p256') as SshKeyPair, {
      caPrivateKey: (userCas.get('ed25519') as SshKeyPair).privateKey,
    });
    const rogueKnownHosts = join(dir, 'known_hosts_rogue');
    writeFileSync(
      rogueKnownHosts,
      `@cert-authority [127.0.0.1]:${sshd?.port} ${formatSshPublicKeyLine(generateSshKeyPair('ed25519').publicKeyBlob)}\n`,
    );
    const r = await ssh(identity, {
      hostKeyAlgorithm: HOST_CERT_ALGORITHMS['ecdsa-p256'],
      knownHostsFile: rogueKnownHosts,
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Host key verification failed');
    // The same identity and host with the right CA works, so the CA was the only difference.
    const ok = await ssh(identity, { hostKeyAlgorithm: HOST_CERT_ALGORITHMS['ecdsa-p256'] });
    expect(ok.code === 0 ? 'ok' : describeRun(ok)).toBe('ok');
  });
});
