/**
 * keyUsage bits of leaf certificates, per role and key type.
 *
 * The reference (RSA keys only) sets digitalSignature|keyEncipherment on server certs and adds
 * keyAgreement on client certs; we set exactly those bits for RSA. For other key types we keep only
 * the bits the key can honour, because the standards forbid the rest and strict verifiers may
 * check: EC keys never encipher (RFC 5480 §3: no keyEncipherment) but can agree keys (ECDH), so
 * servers get digitalSignature and clients digitalSignature|keyAgreement; Ed25519 keys only sign
 * (RFC 8410 §5: no keyAgreement), so both get digitalSignature. TLS 1.3 only ever needs
 * digitalSignature (every handshake authenticates with CertificateVerify), so node:tls/OpenSSL and
 * Go accept all of these.
 */
import type { KeyAlgorithm } from './key-algorithm.ts';
import * as x509 from './peculiar-x509.ts';

/**
 * Which side of a TLS connection a leaf certificate authenticates.
 *
 * @example
 *   const role: LeafRole = 'client';
 */
export type LeafRole = 'server' | 'client';

/**
 * The keyUsage bits for a leaf of `role` with a key of `algorithm`.
 *
 * @example
 *   leafKeyUsageFlags('client', 'rsa-2048');
 *   // KeyUsageFlags.digitalSignature | keyEncipherment | keyAgreement
 */
export function leafKeyUsageFlags(role: LeafRole, algorithm: KeyAlgorithm): number {
  const { digitalSignature, keyEncipherment, keyAgreement } = x509.KeyUsageFlags;
  switch (algorithm) {
    case 'rsa-2048':
      return role === 'server'
        ? digitalSignature | keyEncipherment
        : digitalSignature | keyEncipherment | keyAgreement;
    case 'ecdsa-p256':
      return role === 'server' ? digitalSignature : digitalSignature | keyAgreement;
    case 'ed25519':
      return digitalSignature;
  }
}
