/**
 * A certificate authority: its certificate, its key pair, and the certificates above it.
 *
 * Created by `createRootCa` / `createIntermediateCa`, or loaded back from storage with
 * `importCertificateAuthority` (the control plane keeps `certificatePem` and
 * `exportPrivateKeyPem(ca.keyPair)`, encrypted, and reloads them).
 */
import { KeyObject } from 'node:crypto';

import { CertificateError } from '../certificate-error.ts';
import {
  certificateToPem,
  parseCertificateChainPem,
  parseCertificatePem,
} from './certificate-pem.ts';
import type { KeyPair } from './key-pair.ts';
import * as x509 from './peculiar-x509.ts';
import { importPrivateKeyPem } from './private-key-pem.ts';

/**
 * A CA able to issue certificates.
 *
 * @example
 *   const root = await createRootCa({ subject: { O: orgId, CN: 'Infisical Gateway Root CA' } });
 *   root.issuerCertificates; // [] — a root has nothing above it
 */
export interface CertificateAuthority {
  readonly certificate: x509.X509Certificate;
  /** `certificate` as PEM. */
  readonly certificatePem: string;
  readonly keyPair: KeyPair;
  /** The CAs above this one, nearest first, ending with the root; empty for a root. */
  readonly issuerCertificates: readonly x509.X509Certificate[];
}

/**
 * Stored form of a CA, as PEM strings.
 *
 * @example
 *   const stored: CertificateAuthorityPem = { certificatePem, privateKeyPem, issuerCertificatesPem };
 */
export interface CertificateAuthorityPem {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** PEM chain of the CAs above it, nearest first (omit or '' for a root). */
  readonly issuerCertificatesPem?: string;
}

/**
 * Loads a stored CA. The certificate must be a CA certificate (basicConstraints CA) and the key
 * must be its key, else CertificateError('INVALID_ARGUMENT'); unreadable PEM is 'MALFORMED'.
 *
 * @example
 *   const ca = importCertificateAuthority({ certificatePem: row.cert, privateKeyPem: row.key });
 *   await issueGatewayServerCertificate({ issuer: ca, orgId, gatewayId });
 */
export function importCertificateAuthority(stored: CertificateAuthorityPem): CertificateAuthority {
  const certificate = parseCertificatePem(stored.certificatePem);
  const keyPair = importPrivateKeyPem(stored.privateKeyPem);
  const basicConstraints = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!basicConstraints?.ca) {
    throw new CertificateError('INVALID_ARGUMENT', 'certificate is not a CA certificate');
  }
  const keySpki = KeyObject.from(keyPair.publicKey).export({ type: 'spki', format: 'der' });
  if (!keySpki.equals(Buffer.from(certificate.publicKey.rawData))) {
    throw new CertificateError('INVALID_ARGUMENT', 'private key does not match the CA certificate');
  }
  const issuersPem = stored.issuerCertificatesPem?.trim() ?? '';
  return {
    certificate,
    certificatePem: certificateToPem(certificate),
    keyPair,
    issuerCertificates: issuersPem === '' ? [] : parseCertificateChainPem(issuersPem),
  };
}
