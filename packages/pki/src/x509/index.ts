/**
 * X.509 half of @burrow/pki: key pairs, CAs, the reference's leaf profiles (§2.2), the custom JSON
 * extensions, PEM helpers and chain verification.
 *
 * @example
 *   const root = await createRootCa({ subject: { O: orgId, CN: 'Infisical Gateway Root CA' } });
 *   const serverCa = await createIntermediateCa({ issuer: root, subject: { O: orgId, CN: 'Infisical Gateway Server CA' }, pathLength: 0 });
 *   const server = await issueGatewayServerCertificate({ issuer: serverCa, orgId, gatewayId });
 */
export {
  DEFAULT_KEY_ALGORITHM,
  KEY_ALGORITHMS,
  keyAlgorithmOf,
  keyAlgorithmOfKeyObject,
  type KeyAlgorithm,
} from './key-algorithm.ts';
export { generateKeyPair, type KeyPair } from './key-pair.ts';
export { exportPrivateKeyPem, importPrivateKeyPem } from './private-key-pem.ts';
export { exportPublicKeyPem, importPublicKeyPem, type PublicKeyInfo } from './public-key-pem.ts';
export { SERIAL_NUMBER_BYTES, randomSerialNumber } from './serial-number.ts';
export {
  CA_DEFAULT_NOT_AFTER,
  CLOCK_SKEW_ALLOWANCE_MS,
  validityPeriod,
  type ValidityPeriod,
} from './validity-period.ts';
export type { DistinguishedName } from './distinguished-name.ts';

export {
  importCertificateAuthority,
  type CertificateAuthority,
  type CertificateAuthorityPem,
} from './certificate-authority.ts';
export { createRootCa, type RootCaOptions } from './root-ca.ts';
export { createIntermediateCa, type IntermediateCaOptions } from './intermediate-ca.ts';

export type { IssuedCertificate, LeafCertificateOptions } from './leaf-certificate.ts';
export { leafKeyUsageFlags, type LeafRole } from './leaf-key-usage.ts';
export {
  ANY_POLICY_OID,
  RELAY_SERVER_CERT_LIFETIME_MS,
  issueRelayServerCertificate,
  type RelayServerCertificateOptions,
} from './relay-server-certificate.ts';
export {
  RELAY_CLIENT_CERT_LIFETIME_MS,
  issueRelayClientCertificate,
  type RelayClientCertificateOptions,
} from './relay-client-certificate.ts';
export {
  GATEWAY_SERVER_CERT_LIFETIME_MS,
  issueGatewayServerCertificate,
  type GatewayServerCertificateOptions,
} from './gateway-server-certificate.ts';
export {
  GATEWAY_IDENTITY_URI_PREFIX,
  gatewayIdentityUri,
  readCallerGatewayId,
  readGatewayIdentities,
} from './gateway-identity.ts';
export {
  GATEWAY_CLIENT_CERT_LIFETIME_MS,
  issueGatewayPlatformClientCertificate,
  type GatewayPlatformClientCertificateOptions,
} from './gateway-platform-client-certificate.ts';
export {
  issueGatewayPamClientCertificate,
  type GatewayPamClientCertificateOptions,
} from './gateway-pam-client-certificate.ts';

export {
  GATEWAY_ACTOR_OID,
  GATEWAY_ROUTING_INFO_OID,
  PAM_INFO_OID,
  RELAY_CLIENT_INFO_OID,
} from './burrow-extension-oids.ts';
export {
  gatewayActorExtension,
  gatewayRoutingExtension,
  pamSessionExtension,
  relayClientExtension,
  type GatewayActor,
  type GatewayRouting,
  type PamSessionInfo,
  type RelayClientInfo,
} from './burrow-extensions.ts';
export { readBurrowExtensions, type BurrowExtensions } from './read-burrow-extensions.ts';

export { MAX_PEM_TEXT_LENGTH, decodePemBlocks, encodePem, type PemBlock } from './pem-armor.ts';
export { MAX_CERTIFICATE_DER_BYTES, parseCertificateDer } from './certificate-der.ts';
export {
  certificateToPem,
  parseCertificateChainPem,
  parseCertificatePem,
} from './certificate-pem.ts';
export { parseCertificate, type CertificateInput } from './certificate-input.ts';
export { clientCertificateChainPem, serverCertificateChainPem } from './certificate-chain-pem.ts';
export {
  MAX_CHAIN_CERTIFICATES,
  verifyChain,
  type VerifiedChain,
  type VerifyChainOptions,
} from './verify-chain.ts';

/** The certificate class our functions return (from `@peculiar/x509`). */
export type { X509Certificate } from './peculiar-x509.ts';
