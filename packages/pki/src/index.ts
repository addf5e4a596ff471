/**
 * @burrow/pki — every certificate Burrow issues or checks.
 *
 * - X.509 (`./x509`): root and intermediate CAs, the leaf profiles of the reference §2.2, the
 *   custom JSON extensions (OIDs 1.3.6.1.4.1.12345.100.1/.2/.3), PEM/PKCS#8/SPKI helpers.
 * - OpenSSH (`./ssh`): user and host certificates (`*-cert-v01@openssh.com`): sign, serialise,
 *   parse, verify against an exact CA key; OpenSSH private key format.
 */
export * from './certificate-error.ts';
export * from './x509/index.ts';
export * from './ssh/index.ts';
