/**
 * Relay side of gateway authentication (reference §3.3): a gateway logs in with an OpenSSH user
 * certificate and nothing else.
 *
 *   USERAUTH_REQUEST "publickey"  algorithm  *-cert-v01@openssh.com only ("certificates required")
 *                                 key blob   the certificate; its type must match the algorithm
 *                                 signature  absent (a query: answered USERAUTH_PK_OK if the
 *                                            certificate passes) or the proof of possession over
 *                                            `string session_id, <request up to the key blob>`
 *
 * Certificate checks, first failure wins (codes are @burrow/pki's `CertificateError` codes):
 *   CA key      exact bytes of the relay's trusted user CA key ("ssh.clientCAPublicKey") WRONG_CA
 *   signature   the CA's signature over the certificate                            BAD_SIGNATURE
 *   type        user                                                               WRONG_CERT_TYPE
 *   validity    valid after <= now < valid before                      NOT_YET_VALID / EXPIRED
 *   principal   SSH user name == principal #0 (the gateway ID)                     WRONG_PRINCIPAL
 *   key ID      `client-<relayName>`                                               WRONG_KEY_ID
 *   options     no critical options                                       UNKNOWN_CRITICAL_OPTION
 * Then the proof of possession, made by the key inside the certificate, in either framing:
 *   wrapped  `string algorithm, string sig` (OpenSSH and Go clients; patched ssh2 clients)
 *   raw      just `sig` (stock ssh2 clients label the signature with the certificate algorithm,
 *            and ssh2's server strips the label when it equals the key algorithm)
 * The signature algorithm must be the one the certificate algorithm implies (rsa-sha2-512-cert ->
 * rsa-sha2-512); SHA-1 `ssh-rsa-cert-v01@openssh.com` is refused.   PROOF_OF_POSSESSION_FAILED
 *
 * Principal #1, if present, is the gateway's name.
 */
import {
  CertificateError,
  parseSshSignature,
  verifySshCertificate,
  verifySshSignature,
  type SshCertificate,
  type SshSignatureAlgorithm,
} from '@burrow/pki';
import type { PublicKeyAuthContext } from 'ssh2';
import type { RelayAuthFailureCode } from './relay-auth-failure.ts';
import { certKeyAlgorithms } from './ssh2-patch.ts';

/** Who a gateway is, once its certificate and signature checked out. */
export interface GatewayIdentity {
  readonly gatewayId: string;
  readonly gatewayName: string | undefined;
  readonly certificate: SshCertificate;
}

/** What the relay trusts. */
export interface UserCertificatePolicy {
  /** The user CA's public key blob; certificates must be signed by exactly this key. */
  readonly trustedCaKeyBlob: Buffer;
  /** Certificates must carry key ID `client-<relayName>`. */
  readonly relayName: string;
}

/** A refused login: `code` for programs, `reason` for people. */
export class UserCertificateRefusal extends Error {
  readonly code: RelayAuthFailureCode;

  constructor(code: RelayAuthFailureCode, reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'UserCertificateRefusal';
    this.code = code;
  }
}

const SIGNATURE_ALGORITHM_NAMES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'rsa-sha2-256',
  'rsa-sha2-512',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
]);

/**
 * Checks a publickey login (query or signed). Returns the gateway's identity or throws
 * `UserCertificateRefusal`.
 *
 * @example
 *   conn.on('authentication', (ctx) => {
 *     if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
 *     try { verifyGatewayLogin(ctx, policy); ctx.accept(); } catch { ctx.reject(['publickey']); }
 *   });
 */
export function verifyGatewayLogin(
  ctx: PublicKeyAuthContext,
  policy: UserCertificatePolicy,
  now: Date = new Date(),
): GatewayIdentity {
  const algorithm = ctx.key.algo;
  const info = certKeyAlgorithms()[algorithm];
  if (info === undefined) {
    if (algorithm.endsWith('-cert-v01@openssh.com')) {
      throw new UserCertificateRefusal(
        'UNSUPPORTED_ALGORITHM',
        `certificate algorithm ${algorithm} is not accepted (SHA-1 or unknown)`,
      );
    }
    throw new UserCertificateRefusal(
      'CERTIFICATE_REQUIRED',
      `certificates required: a plain ${algorithm} key was offered`,
    );
  }

  let certificate: SshCertificate;
  try {
    certificate = verifySshCertificate(ctx.key.data, {
      trustedCaKeys: [policy.trustedCaKeyBlob],
      certType: 'user',
      keyId: `client-${policy.relayName}`,
      now,
    });
  } catch (error) {
    if (error instanceof CertificateError) {
      throw new UserCertificateRefusal(error.code, `certificate refused: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  if (certificate.algorithm !== info.blobType) {
    throw new UserCertificateRefusal(
      'MALFORMED',
      `a ${certificate.algorithm} was offered as ${algorithm}`,
    );
  }

  const [gatewayId, gatewayName] = certificate.principals;
  if (gatewayId !== ctx.username) {
    throw new UserCertificateRefusal(
      'WRONG_PRINCIPAL',
      `certificate refused: SSH user ${JSON.stringify(ctx.username)} is not its first principal ` +
        `(gateway ID ${JSON.stringify(gatewayId ?? '')})`,
    );
  }

  if (ctx.signature !== undefined) {
    if (ctx.blob === undefined) {
      throw new UserCertificateRefusal('PROOF_OF_POSSESSION_FAILED', 'signed data missing');
    }
    verifyProofOfPossession(certificate, ctx.blob, ctx.signature, info.sigType);
  }
  return { gatewayId, gatewayName, certificate };
}

function verifyProofOfPossession(
  certificate: SshCertificate,
  signedData: Buffer,
  signature: Buffer,
  expectedAlgorithm: string,
): void {
  const wrappedAlgorithm = wrappedSignatureAlgorithm(signature);
  if (wrappedAlgorithm !== undefined && wrappedAlgorithm !== expectedAlgorithm) {
    throw new UserCertificateRefusal(
      'PROOF_OF_POSSESSION_FAILED',
      `signature algorithm ${wrappedAlgorithm} does not match ${expectedAlgorithm}`,
    );
  }
  try {
    verifySshSignature(certificate.publicKeyBlob, signedData, signature, {
      rawAlgorithm: expectedAlgorithm as SshSignatureAlgorithm,
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new UserCertificateRefusal(
      'PROOF_OF_POSSESSION_FAILED',
      `signature by the certificate's key does not verify: ${detail}`,
      { cause: error },
    );
  }
}

/** The algorithm name of a wrapped signature, or undefined for a raw one. */
function wrappedSignatureAlgorithm(signature: Buffer): string | undefined {
  try {
    const { algorithm } = parseSshSignature(signature);
    return SIGNATURE_ALGORITHM_NAMES.has(algorithm) ? algorithm : undefined;
  } catch {
    return undefined;
  }
}
