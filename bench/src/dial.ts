/**
 * How a measurement opens a stream to the bench target: the same caller code for every path, only
 * the dial differs (plain TCP, TLS-in-TLS through stunnel/sshd/ssh, or Burrow's dialGateway).
 * A dial told `onStageDone` names each of its stages as it ends, with `performance.now()` then
 * (the setup measurement's stage-by-stage timeline); each path names its own stages.
 */
import type { Duplex } from 'node:stream';

export type Dial = (onStageDone?: (stage: string, at: number) => void) => Promise<Duplex>;
