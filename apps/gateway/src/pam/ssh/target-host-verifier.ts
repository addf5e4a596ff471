/**
 * Deciding whether the SSH target is the one the resource names, during key exchange and so
 * before any credential is sent (ssh2 calls `hostVerifier` with the server's K_S blob before it
 * checks the signature over H and long before USERAUTH):
 *
 *   plain key     K_S equals one of the resource's `hostKeys` byte for byte
 *   certificate   K_S is a host certificate signed by one of `hostCertificateAuthorities`
 *                 (exact CA key bytes), type host, valid now, with the resource's host among its
 *                 principals and no critical option (@burrow/pki verifySshCertificate)
 *
 * The host key algorithms offered to the target are only the ones that can pass: certificate
 * algorithms when CAs are configured, the pinned keys' own algorithms otherwise.
 */
import {
  CertificateError,
  decodeSshPublicKey,
  sshFingerprint,
  verifySshCertificate,
} from '@burrow/pki';
import { HOST_CERTIFICATE_ALGORITHMS } from '@burrow/ssh-transport';
import type { SshCredentials } from './ssh-credentials.ts';

export interface TargetHostVerifier {
  readonly hostVerifier: (hostKeyBlob: Buffer) => boolean;
  /** ssh2's `algorithms.serverHostKey`. */
  readonly serverHostKeyAlgorithms: string[];
  /** Why the target's key was refused, once it was (for the person and the log). */
  refusal(): string | undefined;
}

/**
 * @example
 *   const verifier = createTargetHostVerifier(credentials);
 *   client.connect({ hostVerifier: verifier.hostVerifier,
 *     algorithms: { serverHostKey: verifier.serverHostKeyAlgorithms } });
 */
export function createTargetHostVerifier(
  target: Pick<SshCredentials, 'host' | 'port' | 'hostKeys' | 'hostCertificateAuthorities'>,
  now: () => Date = () => new Date(),
): TargetHostVerifier {
  let refused: string | undefined;
  const pinnedAlgorithms = target.hostKeys.flatMap((blob) => {
    const algorithm = decodeSshPublicKey(blob).algorithm;
    return algorithm === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256'] : [algorithm];
  });
  const serverHostKeyAlgorithms = [
    ...(target.hostCertificateAuthorities.length > 0 ? HOST_CERTIFICATE_ALGORITHMS : []),
    ...new Set(pinnedAlgorithms),
  ];
  return {
    serverHostKeyAlgorithms,
    hostVerifier(hostKeyBlob: Buffer): boolean {
      const blob = Buffer.from(hostKeyBlob);
      if (target.hostKeys.some((pinned) => pinned.equals(blob))) return true;
      if (isCertificateBlob(blob)) {
        if (target.hostCertificateAuthorities.length === 0) {
          refused = 'the target presented a host certificate, but the resource trusts no host CA';
          return false;
        }
        try {
          verifySshCertificate(blob, {
            trustedCaKeys: [...target.hostCertificateAuthorities],
            certType: 'host',
            principal: target.host,
            now: now(),
          });
          return true;
        } catch (error) {
          refused = `the target's host certificate is not trusted: ${
            error instanceof CertificateError ? error.message : 'malformed certificate'
          }`;
          return false;
        }
      }
      let fingerprint = 'an unreadable key';
      try {
        fingerprint = sshFingerprint(blob);
      } catch {
        // keep the generic wording
      }
      refused = `the target's host key ${fingerprint} is not one the resource pins`;
      return false;
    },
    refusal: () => refused,
  };
}

function isCertificateBlob(blob: Buffer): boolean {
  if (blob.length < 4) return false;
  const length = blob.readUInt32BE(0);
  return blob
    .subarray(4, 4 + length)
    .toString('latin1')
    .endsWith('-cert-v01@openssh.com');
}
