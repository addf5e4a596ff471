/**
 * How a measurement opens a stream to the bench target: the same caller code for every path, only
 * the dial differs (plain TCP, TLS-in-TLS through stunnel/sshd/ssh, or Burrow's dialGateway).
 */
import type { Duplex } from 'node:stream';

export type Dial = () => Promise<Duplex>;
