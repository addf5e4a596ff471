import { randomBytes } from 'node:crypto';

/**
 * Validity windows and serials for the OpenSSH certificates the control plane signs. The start is
 * backdated a little so a peer whose clock runs slightly behind still accepts a fresh cert.
 */
export const SSH_CLOCK_SKEW_ALLOWANCE_MS = 5 * 60 * 1000;

/** Gateway SSH user certificates: 1 day (reference §2.2 `-V +1d`). */
export const GATEWAY_SSH_CERT_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** Relay SSH host certificates: 30 days (reference §2.2). */
export const RELAY_SSH_HOST_CERT_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

export function sshValidity(
  now: number,
  lifetimeMs: number,
): { validAfter: Date; validBefore: Date } {
  return {
    validAfter: new Date(now - SSH_CLOCK_SKEW_ALLOWANCE_MS),
    validBefore: new Date(now + lifetimeMs),
  };
}

/** A random 63-bit serial (positive in every reader's integer type). */
export function randomSshSerial(): bigint {
  return randomBytes(8).readBigUInt64BE() >> 1n;
}
