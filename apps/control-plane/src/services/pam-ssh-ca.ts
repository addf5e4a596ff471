import { randomBytes } from 'node:crypto';
import {
  encodeOpenSshPrivateKey,
  formatSshCertificateLine,
  generateSshKeyPair,
  signSshCertificate,
} from '@burrow/pki';
import type { CertificateAuthorities } from './certificate-authorities.ts';

/**
 * The organization's PAM SSH user CA (ed25519, key sealed like every CA): targets trust it with
 * sshd's `TrustedUserCAKeys`, and for an ssh account with authMethod `certificate` the gateway
 * gets, with each credentials fetch, a fresh ed25519 key pair and a user certificate for it:
 *
 *   key ID      burrow-pam-session:<sessionId>   (in the target's auth log)
 *   principals  [the account's username]
 *   valid       from 1 minute before the fetch (clock skew) until the session's end, never later
 *   extensions  permit-pty only: agent, port and X11 forwarding and user rc stay off at the target
 *               too, whatever the gateway does
 *
 * The private key is made here and handed only to the session's gateway; it is never stored.
 * Checking a new certificate account (testConnection) gets the same kind of pair for one login,
 * key ID `burrow-pam-login-test`, valid for LOGIN_TEST_VALIDITY_MS.
 *
 * @example
 *   const { privateKey, certificate } = ca.sessionCertificate({ orgId, sessionId, username, notAfter });
 */
const CLOCK_SKEW_MS = 60_000;
/** The connection test's deadline is at most 90 s; the certificate outlives it a little. */
const LOGIN_TEST_VALIDITY_MS = 5 * 60_000;

export class PamSshCa {
  readonly #cas: CertificateAuthorities;

  constructor(cas: CertificateAuthorities) {
    this.#cas = cas;
  }

  /** The CA's public key as an OpenSSH line (what TrustedUserCAKeys names). */
  publicKey(orgId: string): string {
    return this.#cas.ssh(orgId, 'pam-ssh-user').publicKeyLine;
  }

  sessionCertificate(input: {
    orgId: string;
    sessionId: string;
    username: string;
    notAfter: Date;
    now?: Date;
  }): { privateKey: string; certificate: string } {
    return this.#sign({ ...input, keyId: `burrow-pam-session:${input.sessionId}` });
  }

  /** A pair for one login test of a certificate account (pam-catalog.ts testConnection). */
  loginTestCertificate(input: { orgId: string; username: string; now?: Date }): {
    privateKey: string;
    certificate: string;
  } {
    const now = input.now ?? new Date();
    return this.#sign({
      ...input,
      now,
      keyId: 'burrow-pam-login-test',
      notAfter: new Date(now.getTime() + LOGIN_TEST_VALIDITY_MS),
    });
  }

  #sign(input: {
    orgId: string;
    keyId: string;
    username: string;
    notAfter: Date;
    now?: Date | undefined;
  }): { privateKey: string; certificate: string } {
    const now = input.now ?? new Date();
    const ca = this.#cas.ssh(input.orgId, 'pam-ssh-user');
    const subject = generateSshKeyPair('ed25519');
    const validAfter = new Date(
      Math.min(now.getTime() - CLOCK_SKEW_MS, input.notAfter.getTime() - 1000),
    );
    const certificate = signSshCertificate({
      caPrivateKey: ca.keyPair.privateKey,
      publicKey: subject.publicKeyBlob,
      type: 'user',
      keyId: input.keyId,
      serial: randomBytes(8).readBigUInt64BE(),
      principals: [input.username],
      validAfter,
      // Whole seconds, rounded down: never a moment past the session.
      validBefore: BigInt(Math.floor(input.notAfter.getTime() / 1000)),
      extensions: { 'permit-pty': '' },
    });
    return {
      privateKey: encodeOpenSshPrivateKey(subject.privateKey),
      certificate: formatSshCertificateLine(certificate),
    };
  }
}
