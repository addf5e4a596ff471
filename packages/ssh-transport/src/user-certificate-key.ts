/**
 * Gateway side of user-certificate authentication: presenting an OpenSSH user certificate with
 * ssh2's client (RFC 4252 §7 + PROTOCOL.certkeys).
 *
 *   USERAUTH_REQUEST  string  user name              the gateway ID (certificate principal #0)
 *                     string  "ssh-connection"
 *                     string  "publickey"
 *                     boolean TRUE (after a FALSE query answered by USERAUTH_PK_OK)
 *                     string  algorithm               ssh-ed25519-cert-v01@openssh.com |
 *                                                     ecdsa-sha2-nistpN-cert-v01@openssh.com |
 *                                                     rsa-sha2-512-cert-v01@openssh.com
 *                     string  certificate blob
 *                     string  signature               string "ssh-ed25519" | "ecdsa-sha2-nistpN" |
 *                                                     "rsa-sha2-512", string <sig>
 *
 * ssh2 has no notion of certificates: `createUserCertificateKey` hands it a key object whose
 * `type` is the certificate algorithm and whose public blob is the certificate, and that signs
 * with the plain private key (RSA: SHA-512, whatever ssh2's default for RSA keys is). The patch
 * makes ssh2 label the signature with the plain key's algorithm (OpenSSH and Go servers refuse the
 * certificate name there) and convert ECDSA signatures from DER to `mpint r, mpint s`.
 *
 * `singleAttemptAuthHandler` offers that key once and then gives up: a function-form ssh2
 * `authHandler` that keeps returning the same key makes ssh2 retry it forever.
 */
import type { SshCertificate } from '@burrow/pki';
import type { AuthHandlerMiddleware, ParsedKey } from 'ssh2';
import { certKeyAlgorithms } from './ssh2-patch.ts';

/** The publickey algorithm name used for a certificate (RSA: always the SHA-512 variant). */
export function userCertificateAlgorithm(cert: SshCertificate): string {
  return cert.algorithm === 'ssh-rsa-cert-v01@openssh.com'
    ? 'rsa-sha2-512-cert-v01@openssh.com'
    : cert.algorithm;
}

/**
 * An ssh2 private key object that presents `cert` and signs with `privateKey`. Does not check that
 * they belong together (`connectToRelay` does; tests use a mismatched pair on purpose).
 *
 * @example
 *   const key = createUserCertificateKey(loadSshPrivateKey(pem, 'privateKey'), parseSshCertificate(line));
 *   new Client().connect({ ..., authHandler: singleAttemptAuthHandler(gatewayId, key) });
 */
export function createUserCertificateKey(privateKey: ParsedKey, cert: SshCertificate): ParsedKey {
  const algorithm = userCertificateAlgorithm(cert);
  const info = certKeyAlgorithms()[algorithm];
  if (info === undefined) throw new Error(`unsupported certificate algorithm ${algorithm}`);
  const certBlob = Buffer.from(cert.blob);
  return Object.create(privateKey, {
    type: { value: algorithm, enumerable: true },
    getPublicSSH: { value: () => certBlob },
    sign: {
      value: (data: Buffer, hashAlgo?: string) => privateKey.sign(data, hashAlgo ?? info.hashAlgo),
    },
  }) as ParsedKey;
}

/** An ssh2 `authHandler` that tries `key` as `username` exactly once, then reports failure. */
export function singleAttemptAuthHandler(username: string, key: ParsedKey): AuthHandlerMiddleware {
  let attempted = false;
  return ((_methodsLeft: unknown, _partialSuccess: unknown, next: (auth: unknown) => void) => {
    if (attempted) return next(false);
    attempted = true;
    return next({ type: 'publickey', username, key });
  }) as unknown as AuthHandlerMiddleware;
}
