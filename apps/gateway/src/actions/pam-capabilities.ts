/**
 * ALPN `infisical-pam-capabilities` (reference §5.5): the gateway writes one frame and closes.
 * The frame (with the optional `sshHostKey` of the PAM SSH server) is @burrow/tunnel-protocol's
 * pam-capabilities.ts.
 *
 * Any actor may ask; no certificate extension is needed. The SSH host key is public.
 */
import { encodePamCapabilities } from '@burrow/tunnel-protocol';
import type { ActionContext } from './action.ts';
import { endStream } from './close-stream.ts';

/**
 * @example
 *   const handlers = {
 *     [ALPN.pamCapabilities]: createPamCapabilitiesHandler('gw-1', pamSessions.resourceTypes,
 *       () => sshHostKey().then((key) => key.publicKeyLine)),
 *   };
 */
export function createPamCapabilitiesHandler(
  gatewayName: string,
  supportedResourceTypes: readonly string[],
  sshHostKey?: () => Promise<string>,
) {
  return ({ socket, logger }: ActionContext): void => {
    void (async () => {
      let key: string | undefined;
      if (sshHostKey && supportedResourceTypes.includes('ssh')) {
        try {
          key = await sshHostKey();
        } catch (error) {
          // Answer anyway: the CLI refuses an ssh session it cannot pin, with its own message.
          logger.error(
            { error: error instanceof Error ? error.message : String(error) },
            'PAM SSH host key unavailable; capabilities answered without it',
          );
        }
      }
      logger.debug('pam capabilities answered');
      if (socket.destroyed) return;
      socket.write(
        encodePamCapabilities({
          gatewayName,
          supportedResourceTypes: [...supportedResourceTypes],
          ...(key !== undefined ? { sshHostKey: key } : {}),
        }),
      );
      endStream(socket);
    })();
  };
}
