/**
 * The limit on this machine (issue 20, "close to the limit" as a number): what the cheapest
 * possible relay path would spend per GiB, built from two measured costs.
 *
 *   AES-128-GCM   `openssl speed -evp aes-128-gcm` (16 KiB blocks): CPU seconds per GiB for one
 *                 pass of the cipher every layer uses (TLS 1.3 records, SSH aes128-gcm@openssh.com).
 *   loopback hop  the direct path's total CPU per GiB (caller + target: one TCP connection over
 *                 loopback, written and read).
 *
 * Both relay paths move every byte over three loopback hops (caller → relay → gateway → target)
 * and through three encrypted layers, each encrypted once and decrypted once (outer TLS: caller
 * and relay; SSH: relay and gateway; inner TLS: caller and gateway): floor = 6 × AES + 3 × hop.
 * Anything above it is framing, copies, event loop and system calls — what a path can still win.
 */
import { execFileSync } from 'node:child_process';

export interface CryptoFloor {
  /** CPU seconds to encrypt (or decrypt) one GiB with AES-128-GCM; undefined if openssl failed. */
  aesGcmCpuSecondsPerGiB?: number;
  /** What `openssl speed` printed for it, for the record. */
  opensslSpeedLine?: string;
}

/** Cipher passes and loopback hops every relay path pays per byte. */
export const RELAY_PATH_CIPHER_PASSES = 6;
export const RELAY_PATH_LOOPBACK_HOPS = 3;

const GiB = 1024 * 1024 * 1024;

/**
 * Runs `openssl speed` for `seconds` (it measures CPU time, not wall time).
 *
 * @example
 *   const floor = measureCryptoFloor(1); // { aesGcmCpuSecondsPerGiB: 0.33, ... }
 */
export function measureCryptoFloor(seconds: number): CryptoFloor {
  try {
    const output = execFileSync(
      'openssl',
      ['speed', '-evp', 'aes-128-gcm', '-seconds', String(seconds), '-bytes', '16384'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: (seconds + 30) * 1000 },
    );
    // The last line: "AES-128-GCM    3294515.20k" — thousands of bytes per second.
    const line = output.trim().split('\n').at(-1) ?? '';
    const match = /([\d.]+)k\s*$/.exec(line);
    if (!match) return { opensslSpeedLine: line };
    const bytesPerSecond = Number(match[1]) * 1000;
    return { aesGcmCpuSecondsPerGiB: GiB / bytesPerSecond, opensslSpeedLine: line.trim() };
  } catch {
    return {};
  }
}

/**
 * The floor for one relay path, given the direct path's CPU per GiB (one loopback hop).
 *
 * @example
 *   relayPathFloor(0.33, 0.9); // 6 × 0.33 + 3 × 0.9 = 4.68 CPU-s/GiB
 */
export function relayPathFloor(
  aesGcmCpuSecondsPerGiB: number | undefined,
  loopbackHopCpuSecondsPerGiB: number | undefined,
): number | undefined {
  if (aesGcmCpuSecondsPerGiB === undefined || loopbackHopCpuSecondsPerGiB === undefined)
    return undefined;
  return (
    RELAY_PATH_CIPHER_PASSES * aesGcmCpuSecondsPerGiB +
    RELAY_PATH_LOOPBACK_HOPS * loopbackHopCpuSecondsPerGiB
  );
}
