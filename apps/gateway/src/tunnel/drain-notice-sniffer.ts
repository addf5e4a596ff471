/**
 * Tells a relay's drain notice (tunnel-protocol drain-notice.ts) from a caller stream by the first
 * bytes of a relay channel: a caller stream starts with a TLS record (0x16) and goes on to the
 * inner TLS server untouched (the bytes read are put back first); the notice is consumed and the
 * channel closed.
 *
 * @example
 *   sniffDrainNotice(channel, () => markDraining(relay), (stream) => innerTls.handleChannel(stream));
 */
import type { Duplex } from 'node:stream';
import { isDrainNotice } from '@burrow/tunnel-protocol';

/** First byte of a TLS handshake record. */
const TLS_HANDSHAKE_RECORD = 0x16;

export function sniffDrainNotice(
  channel: Duplex,
  onNotice: () => void,
  onStream: (channel: Duplex) => void,
): void {
  // Until the channel is handed on, a reset must not become an unhandled 'error'.
  const onError = (): void => {
    channel.off('data', onData);
    channel.off('end', onEnd);
    channel.destroy();
  };
  const onData = (chunk: Buffer): void => {
    channel.off('end', onEnd);
    channel.off('error', onError);
    channel.pause();
    if (chunk[0] !== TLS_HANDSHAKE_RECORD && isDrainNotice(chunk)) {
      onNotice();
      channel.resume(); // read whatever follows, then the EOF
      channel.end();
      return;
    }
    channel.unshift(chunk);
    onStream(channel);
  };
  const onEnd = (): void => {
    // Closed before a single byte: nothing to serve.
    channel.off('data', onData);
    channel.off('error', onError);
    channel.end();
  };
  channel.once('data', onData);
  channel.once('end', onEnd);
  channel.once('error', onError);
}
