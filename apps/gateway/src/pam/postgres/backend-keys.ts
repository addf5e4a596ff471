/**
 * BackendKeyData mapping for one PAM session, so that query cancellation works through the
 * gateway without the caller learning the server's process ID or secret.
 *
 *   server -> gateway   BackendKeyData(real pid, real secret)
 *   gateway -> caller   BackendKeyData(random pid, random secret of the same length)
 *   caller -> gateway   CancelRequest(random pid, random secret) on a NEW PAM tunnel of the SAME
 *                       session (the table belongs to the session, so no other session can use it)
 *   gateway -> server   CancelRequest(real pid, real secret) on a new connection to the target
 *
 * Secrets are compared in constant time. Entries are removed when their connection closes.
 */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { PostgresTarget } from './target-connection.ts';

export interface BackendKey {
  readonly processId: number;
  readonly secretKey: Buffer;
}

interface Entry {
  readonly real: BackendKey;
  readonly fake: BackendKey;
  readonly target: PostgresTarget;
}

export class BackendKeyTable {
  private readonly entries = new Map<number, Entry>();

  /** Registers a server key; returns the key to show the caller. */
  add(real: BackendKey, target: PostgresTarget): BackendKey {
    let processId: number;
    do processId = randomInt(1, 0x7fffffff);
    while (this.entries.has(processId));
    const fake = { processId, secretKey: randomBytes(real.secretKey.length) };
    this.entries.set(processId, { real, fake, target });
    return fake;
  }

  remove(fake: BackendKey): void {
    this.entries.delete(fake.processId);
  }

  /** The real key and target for a caller's CancelRequest, or undefined when it matches none. */
  resolve(
    processId: number,
    secretKey: Buffer,
  ): { key: BackendKey; target: PostgresTarget } | undefined {
    const entry = this.entries.get(processId);
    if (!entry || entry.fake.secretKey.length !== secretKey.length) return undefined;
    if (!timingSafeEqual(entry.fake.secretKey, secretKey)) return undefined;
    return { key: entry.real, target: entry.target };
  }

  get size(): number {
    return this.entries.size;
  }
}
