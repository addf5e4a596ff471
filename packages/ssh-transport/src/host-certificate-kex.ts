/**
 * Host certificates in key exchange (RFC 4253 §8, RFC 5656 §4, PROTOCOL.certkeys): the relay
 * authenticates itself to gateways with an OpenSSH host certificate, as the reference relay does
 * (Go `NewCertSigner`), not with a bare host key.
 *
 *   KEXINIT            server_host_key_algorithms   the certificate algorithms below, only
 *   KEX(EC)DH_REPLY    string K_S   the host certificate blob
 *                      string f / Q_S
 *                      string signature of H   string "ssh-ed25519" | "ecdsa-sha2-nistpN" |
 *                                              "rsa-sha2-512" | "rsa-sha2-256", string <sig>
 *                                              made by the key INSIDE the certificate
 *
 *   host key                certificate algorithms offered / accepted
 *   ssh-ed25519             ssh-ed25519-cert-v01@openssh.com
 *   ecdsa-sha2-nistpN       ecdsa-sha2-nistpN-cert-v01@openssh.com
 *   ssh-rsa (reference)     rsa-sha2-512-cert-v01@openssh.com, rsa-sha2-256-cert-v01@openssh.com
 *                           (blob type ssh-rsa-cert-v01@openssh.com; never SHA-1)
 *
 * ssh2 does not know these algorithms; the patch teaches its kex.js to send the certificate as
 * K_S with the plain key's signature (server) and to verify H with the key inside the
 * certificate (client). This file supplies the rest:
 *   server  `hostCertificateKeys`: ssh2 host key objects that present the certificate
 *   client  `createHostCertificateVerifier`: ssh2's `hostVerifier`, checking the certificate
 *           against the exact bytes of the trusted host CA key ("ssh.serverCAPublicKey"), type
 *           host, validity, principal `<relayHost>:<port>` (the dial address, as the reference
 *           gateway checks it) and no critical options
 * ssh2 calls `hostVerifier` before it checks the signature over H and before any credential is
 * sent, so a refused relay never sees the gateway's certificate.
 */
import { CertificateError, verifySshCertificate, type SshCertificate } from '@burrow/pki';
import type { ParsedKey } from 'ssh2';

/** Every host certificate algorithm a gateway accepts, in preference order. */
export const HOST_CERTIFICATE_ALGORITHMS: readonly string[] = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
];

/**
 * ssh2 host key objects presenting `cert` for `hostKey` (the caller checks they belong together):
 * one per certificate algorithm the key can serve. Pass them as ssh2's `hostKeys`.
 *
 * @example
 *   new ssh2.Server({ hostKeys: hostCertificateKeys(hostKey, cert), algorithms: ... });
 */
export function hostCertificateKeys(hostKey: ParsedKey, cert: SshCertificate): ParsedKey[] {
  const algorithms =
    cert.algorithm === 'ssh-rsa-cert-v01@openssh.com'
      ? ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com']
      : [cert.algorithm];
  const certBlob = Buffer.from(cert.blob);
  return algorithms.map(
    (algorithm) =>
      Object.create(hostKey, {
        type: { value: algorithm, enumerable: true },
        getPublicSSH: { value: () => certBlob },
      }) as ParsedKey,
  );
}

/** What a gateway requires of the relay's host certificate. */
export interface HostCertificatePolicy {
  /** The host CA's public key blob; the certificate must be signed by exactly this key. */
  readonly trustedCaKeyBlob: Buffer;
  /** Must be among the certificate's principals: `<relayHost>:<port>`. */
  readonly principal: string;
}

/** The ssh2 `hostVerifier` plus what it found. */
export interface HostCertificateVerifier {
  /** For ssh2's `hostVerifier` option (no `hostHash`): gets the raw K_S blob. */
  readonly hostVerifier: (hostKeyBlob: Buffer) => boolean;
  /** The accepted certificate, once one was. */
  certificate(): SshCertificate | undefined;
  /** Why the last certificate was refused, if it was. */
  refusal(): CertificateError | undefined;
}

/**
 * Makes a `hostVerifier` for ssh2's client that accepts only a valid host certificate.
 *
 * @example
 *   const verifier = createHostCertificateVerifier({ trustedCaKeyBlob, principal: 'relay.example:2222' });
 *   client.connect({ ..., hostVerifier: verifier.hostVerifier,
 *     algorithms: { serverHostKey: [...HOST_CERTIFICATE_ALGORITHMS] } });
 */
export function createHostCertificateVerifier(
  policy: HostCertificatePolicy,
  now: () => Date = () => new Date(),
): HostCertificateVerifier {
  let accepted: SshCertificate | undefined;
  let refused: CertificateError | undefined;
  return {
    hostVerifier(hostKeyBlob: Buffer): boolean {
      try {
        accepted = verifySshCertificate(Buffer.from(hostKeyBlob), {
          trustedCaKeys: [policy.trustedCaKeyBlob],
          certType: 'host',
          principal: policy.principal,
          now: now(),
        });
        refused = undefined;
        return true;
      } catch (error) {
        accepted = undefined;
        refused =
          error instanceof CertificateError
            ? error
            : new CertificateError('MALFORMED', 'host key is not a certificate', { cause: error });
        return false;
      }
    },
    certificate: () => accepted,
    refusal: () => refused,
  };
}
