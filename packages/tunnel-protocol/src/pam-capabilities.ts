/**
 * ALPN `infisical-pam-capabilities` (reference §5.5, docs/pam-contract.md): right after the inner
 * TLS handshake the gateway writes ONE frame and closes; the caller reads it.
 *
 *   uint32 BE length ‖ UTF-8 JSON
 *   {"gatewayName": "<name>",
 *    "supportedResourceTypes": ["postgres", "ssh", …],
 *    "sshHostKey"?: "ssh-ed25519 AAAA…"}       Burrow addition (issue 15): the public key of the
 *                                              gateway's PAM SSH server, which `burrow pam access`
 *                                              pins in a temporary known_hosts file. It arrives
 *                                              inside the inner mTLS with the pinned gateway
 *                                              identity, so it is as trustworthy as the gateway.
 *
 * A length above MAX_PAM_CAPABILITIES_BYTES means the stream is not this protocol. Readers ignore
 * fields they do not know and entries of the wrong type (an older or newer gateway).
 */
import type { Duplex } from 'node:stream';

export interface PamCapabilities {
  gatewayName?: string;
  supportedResourceTypes: string[];
  /** `ssh-ed25519 AAAA…`: the gateway's PAM SSH server key (OpenSSH public key line). */
  sshHostKey?: string;
}

/** The frame is a short JSON object; a larger length means the stream is not this protocol. */
export const MAX_PAM_CAPABILITIES_BYTES = 64 * 1024;
/** The gateway answers at once; waiting longer only delays `burrow pam access`. */
export const PAM_CAPABILITIES_TIMEOUT_MS = 5_000;

/**
 * The capabilities frame the gateway writes.
 *
 * @example
 *   socket.end(encodePamCapabilities({ gatewayName: 'gw-1', supportedResourceTypes: ['postgres', 'ssh'], sshHostKey }));
 */
export function encodePamCapabilities(capabilities: PamCapabilities): Buffer {
  const json = Buffer.from(
    JSON.stringify({
      ...(capabilities.gatewayName !== undefined ? { gatewayName: capabilities.gatewayName } : {}),
      supportedResourceTypes: [...capabilities.supportedResourceTypes],
      ...(capabilities.sshHostKey !== undefined ? { sshHostKey: capabilities.sshHostKey } : {}),
    }),
    'utf8',
  );
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(json.length, 0);
  return Buffer.concat([length, json]);
}

/**
 * Decodes the JSON body of a frame (without its length prefix). Throws when it is not a JSON
 * object; wrong-typed fields are dropped.
 */
export function decodePamCapabilities(body: Buffer): PamCapabilities {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new Error(`capabilities frame is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('capabilities frame is not a JSON object');
  }
  const fields = parsed as Record<string, unknown>;
  const types = Array.isArray(fields.supportedResourceTypes)
    ? fields.supportedResourceTypes.filter((t): t is string => typeof t === 'string')
    : [];
  return {
    ...(typeof fields.gatewayName === 'string' ? { gatewayName: fields.gatewayName } : {}),
    supportedResourceTypes: types,
    ...(typeof fields.sshHostKey === 'string' && fields.sshHostKey !== ''
      ? { sshHostKey: fields.sshHostKey }
      : {}),
  };
}

/**
 * Reads one capabilities frame from `socket` (then destroys it).
 *
 * @example
 *   const capabilities = await readPamCapabilities((await dialer.dial(ALPN.pamCapabilities)).socket);
 *   capabilities.supportedResourceTypes.includes('ssh');
 */
export function readPamCapabilities(
  socket: Duplex,
  timeoutMs = PAM_CAPABILITIES_TIMEOUT_MS,
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
      if (length > MAX_PAM_CAPABILITIES_BYTES) {
        done(new Error(`capabilities frame of ${length} bytes is too large`));
        return;
      }
      if (buffered.length < 4 + length) return;
      try {
        done(undefined, decodePamCapabilities(buffered.subarray(4, 4 + length)));
      } catch (error) {
        done(error as Error);
      }
    };
    socket.on('data', onData);
    socket.once('error', (error: Error) => done(error));
    socket.once('close', () => done(new Error('gateway closed before sending its capabilities')));
  });
}
