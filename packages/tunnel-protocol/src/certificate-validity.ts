/**
 * Whether a client certificate is valid now, by this machine's clock, for a clear error before a
 * dial that the far side would refuse without a reason (see `dialGateway`). Trust is not decided
 * here: the relay and the gateway check the chain and the dates themselves.
 *
 * Parsed once per certificate (a caller dials many streams with the same one); bounded.
 */
import { X509Certificate } from 'node:crypto';

const CACHE_SIZE = 256;
const periods = new Map<string, { notBefore: number; notAfter: number } | null>();

/**
 * "expired at <ISO time>", "is not valid before <ISO time>", or undefined when valid at `now`
 * (or not parseable: TLS reports that one).
 *
 * @example
 *   validityProblem(options.relay.certificate, Date.now()); // 'expired at 2026-12-03T08:30:00.000Z'
 */
export function validityProblem(certificatePem: string, now: number): string | undefined {
  const period = validityPeriod(certificatePem);
  if (period === null) return undefined;
  if (now > period.notAfter) return `expired at ${new Date(period.notAfter).toISOString()}`;
  if (now < period.notBefore)
    return `is not valid before ${new Date(period.notBefore).toISOString()}`;
  return undefined;
}

function validityPeriod(pem: string): { notBefore: number; notAfter: number } | null {
  const known = periods.get(pem);
  if (known !== undefined) return known;
  let period: { notBefore: number; notAfter: number } | null;
  try {
    const certificate = new X509Certificate(pem);
    period = {
      notBefore: certificate.validFromDate.getTime(),
      notAfter: certificate.validToDate.getTime(),
    };
  } catch {
    period = null;
  }
  if (periods.size >= CACHE_SIZE) periods.clear();
  periods.set(pem, period);
  return period;
}
