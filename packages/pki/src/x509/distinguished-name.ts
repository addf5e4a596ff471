/**
 * Subject and issuer names.
 *
 * Names are given as objects whose keys are attribute short names; attributes are encoded as one
 * RDN each, in the order the keys are written (JavaScript keeps string-key insertion order), so
 * `{ CN: host, O: org, OU: 'Relay' }` encodes exactly like the reference's
 * `CN=<host>,O=<org>,OU=Relay`. Values are never parsed as DN strings, so an organisation name
 * with a comma or `=` cannot inject an extra attribute.
 */
import { CertificateError } from '../certificate-error.ts';
import * as x509 from './peculiar-x509.ts';

/**
 * A distinguished name: attribute short name → value, in encoding order.
 *
 * @example
 *   const subject: DistinguishedName = { O: orgId, CN: 'Infisical Gateway Root CA' };
 */
export type DistinguishedName = Readonly<
  Partial<Record<'CN' | 'O' | 'OU' | 'C' | 'L' | 'ST', string>>
>;

/**
 * Converts a DistinguishedName to an `@peculiar/x509` Name. Empty names or values are
 * INVALID_ARGUMENT.
 *
 * @example
 *   toX509Name({ O: 'Infisical', CN: 'Infisical Instance Root Relay CA' }).toString();
 *   // 'O=Infisical, CN=Infisical Instance Root Relay CA'
 */
export function toX509Name(name: DistinguishedName): x509.Name {
  const rdns: x509.JsonName = [];
  for (const [type, value] of Object.entries(name)) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0) {
      throw new CertificateError('INVALID_ARGUMENT', `name attribute ${type} must be non-empty`);
    }
    rdns.push({ [type]: [value] });
  }
  if (rdns.length === 0) throw new CertificateError('INVALID_ARGUMENT', 'name has no attributes');
  return new x509.Name(rdns);
}
