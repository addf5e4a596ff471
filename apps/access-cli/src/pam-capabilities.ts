import type { Duplex } from 'node:stream';

/**
 * The `infisical-pam-capabilities` answer (reference §5.5, docs/pam-contract.md): right after
 * the inner TLS handshake the gateway writes `uint32 BE length` + JSON
 * `{"gatewayName","supportedResourceTypes":[…]}` and closes.
 *
 * @example
 *   const capabilities = await readPamCapabilities(await dialGateway({ ...details, alpn: ALPN.pamCapabilities }));
 *   capabilities.supportedResourceTypes.includes('postgres');
 */
export interface PamCapabilities {
  gatewayName?: string;
  supportedResourceTypes: string[];
}

/** The frame is a short JSON object; a larger length means the stream is not this protocol. */
const MAX_CAPABILITIES_BYTES = 64 * 1024;
/** The gateway answers at once; waiting longer only delays `burrow pam access`. */
export const CAPABILITIES_TIMEOUT_MS = 5_000;

export function readPamCapabilities(
  socket: Duplex,
  timeoutMs = CAPABILITIES_TIMEOUT_MS,
): Promise<PamCapabilities> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let settled = false;
    const done = (error: Error | undefined, value?: PamCapabilities): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.destroy();
      if (error) reject(error);
      else resolve(value as PamCapabilities);
    };
    const timer = setTimeout(
      () => done(new Error(`no capabilities answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4) return;
      const length = buffered.readUInt32BE(0);
      if (length > MAX_CAPABILITIES_BYTES)
        return done(new Error(`capabilities frame of ${length} bytes is too large`));
      if (buffered.length < 4 + length) return;
      try {
        const parsed = JSON.parse(buffered.subarray(4, 4 + length).toString('utf8')) as {
          gatewayName?: unknown;
          supportedResourceTypes?: unknown;
        };
        const types = Array.isArray(parsed.supportedResourceTypes)
          ? parsed.supportedResourceTypes.filter((t): t is string => typeof t === 'string')
          : [];
        done(undefined, {
          ...(typeof parsed.gatewayName === 'string' ? { gatewayName: parsed.gatewayName } : {}),
          supportedResourceTypes: types,
        });
      } catch (error) {
        done(new Error(`capabilities frame is not JSON: ${(error as Error).message}`));
      }
    };
    socket.on('data', onData);
    socket.once('error', (error: Error) => done(error));
    socket.once('close', () => done(new Error('gateway closed before sending its capabilities')));
  });
}
