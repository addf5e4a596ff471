/**
 * Validity windows of issued certificates.
 *
 * `notBefore` is set CLOCK_SKEW_ALLOWANCE_MS in the past. Leaf certificates are used seconds after
 * they are issued, often by another machine (a gateway, a relay, a user's laptop) whose clock may
 * run a little behind the control plane's; a notBefore of "exactly now" would make a fresh 5-minute
 * certificate fail with "certificate is not yet valid" there. `notAfter` is counted from the real
 * issue time, so the allowance never lengthens a certificate's useful life.
 */
import { CertificateError } from '../certificate-error.ts';

/**
 * How far in the past notBefore is set: tolerated clock difference between issuer and peers.
 *
 * @example
 *   cert.notBefore.getTime() === issuedAt.getTime() - CLOCK_SKEW_ALLOWANCE_MS; // true
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;

/**
 * Default notAfter of CA certificates: the reference makes its CAs valid until the year 2045.
 *
 * @example
 *   await createRootCa({ subject, notAfter: CA_DEFAULT_NOT_AFTER });
 */
export const CA_DEFAULT_NOT_AFTER = new Date('2045-01-01T00:00:00Z');

/**
 * A certificate's notBefore/notAfter.
 *
 * @example
 *   const { notBefore, notAfter } = validityPeriod(new Date(), 5 * 60_000);
 */
export interface ValidityPeriod {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The validity of a certificate issued at `now` that lives `lifetimeMs`: from `now` minus the clock
 * skew allowance to `now + lifetimeMs`. A non-positive or non-finite lifetime is INVALID_ARGUMENT.
 *
 * @example
 *   validityPeriod(new Date('2030-01-01T00:00:00Z'), 86_400_000);
 *   // { notBefore: 2029-12-31T23:59:00Z, notAfter: 2030-01-02T00:00:00Z }
 */
export function validityPeriod(now: Date, lifetimeMs: number): ValidityPeriod {
  assertValidDate(now, 'now');
  if (!Number.isFinite(lifetimeMs) || lifetimeMs <= 0) {
    throw new CertificateError('INVALID_ARGUMENT', `lifetime must be > 0 ms, got ${lifetimeMs}`);
  }
  return {
    notBefore: new Date(now.getTime() - CLOCK_SKEW_ALLOWANCE_MS),
    notAfter: new Date(now.getTime() + lifetimeMs),
  };
}

/**
 * The validity of a CA issued at `now` that lasts until `notAfter`.
 *
 * @example
 *   caValidityPeriod(new Date(), CA_DEFAULT_NOT_AFTER);
 */
export function caValidityPeriod(now: Date, notAfter: Date): ValidityPeriod {
  assertValidDate(now, 'now');
  assertValidDate(notAfter, 'notAfter');
  return validityPeriod(now, notAfter.getTime() - now.getTime());
}

function assertValidDate(date: Date, name: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new CertificateError('INVALID_ARGUMENT', `${name} is not a valid date`);
  }
}
