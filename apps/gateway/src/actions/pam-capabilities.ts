/**
 * ALPN `infisical-pam-capabilities` (reference §5.5): the gateway writes one frame and closes.
 *
 *   uint32 BE length ‖ JSON {"gatewayName": "<name>", "supportedResourceTypes": ["postgres"]}
 *
 * Any actor may ask; no certificate extension is needed.
 */
import type { ActionContext } from './action.ts';
import { endStream } from './close-stream.ts';

/** The capabilities frame. */
export function encodePamCapabilities(
  gatewayName: string,
  supportedResourceTypes: readonly string[],
): Buffer {
  const json = Buffer.from(
    JSON.stringify({ gatewayName, supportedResourceTypes: [...supportedResourceTypes] }),
    'utf8',
  );
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(json.length, 0);
  return Buffer.concat([length, json]);
}

/**
 * @example
 *   const handlers = {
 *     [ALPN.pamCapabilities]: createPamCapabilitiesHandler('gw-1', pamSessions.resourceTypes),
 *   };
 */
export function createPamCapabilitiesHandler(
  gatewayName: string,
  supportedResourceTypes: readonly string[],
) {
  const frame = encodePamCapabilities(gatewayName, supportedResourceTypes);
  return ({ socket, logger }: ActionContext): void => {
    logger.debug('pam capabilities answered');
    socket.write(frame);
    endStream(socket);
  };
}
