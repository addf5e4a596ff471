/**
 * The gateway's PAM side in its own process, so that a test can SIGKILL it mid-session: the inner
 * TLS server with the PAM actions (postgres and ssh protocols, as gateway.ts wires them), the PAM
 * sessions and recordings against the (fake) control plane, and a loopback TCP listener whose
 * every connection stands in for one relay channel. Logs (pino JSON) go to stderr.
 *
 *   stdin   nothing        argv[2]  JSON {apiUrl, recordingDir, gatewayId, credentials,
 *                                         idleTimeoutMs?}
 *   stdout  "READY <port> <sshHostKeyLine>\n" once serving
 */
import net from 'node:net';
import { createLogger } from '@burrow/observability';
import { PlatformClient } from '@burrow/platform-api';
import { ALPN } from '@burrow/tunnel-protocol';
import { createPamCapabilitiesHandler } from '../../../../src/actions/pam-capabilities.ts';
import { createPamProxyHandler } from '../../../../src/actions/pam-proxy.ts';
import { createPamSessionCancellationHandler } from '../../../../src/actions/pam-session-cancellation.ts';
import { PamSessions } from '../../../../src/pam/pam-sessions.ts';
import { createPostgresPamProtocol } from '../../../../src/pam/postgres/postgres-pam-protocol.ts';
import { cachedPamSshHostKey } from '../../../../src/pam/ssh/ssh-host-key.ts';
import { createSshPamProtocol } from '../../../../src/pam/ssh/ssh-pam-protocol.ts';
import { createPamPlatformClient } from '../../../../src/platform/pam-platform-client.ts';
import type { InnerTlsCredentials } from '../../../../src/tunnel/inner-tls-server.ts';
import { InnerTlsServer } from '../../../../src/tunnel/inner-tls-server.ts';
import { asChannel } from '../../../helpers/channel-pair.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  apiUrl: string;
  recordingDir: string;
  gatewayId: string;
  credentials: InnerTlsCredentials;
  idleTimeoutMs?: number;
};
const logger = createLogger({ level: 'debug', destination: 2 });
// The host key lives in the recording directory, which the sessions resolve (as gateway.ts does).
const hostKey = cachedPamSshHostKey(() => sessions.recordings.directory());
const sessions: PamSessions = new PamSessions({
  protocols: [createPostgresPamProtocol(), createSshPamProtocol({ hostKey })],
  platform: createPamPlatformClient(
    new PlatformClient({ apiUrl: config.apiUrl, token: () => 'gateway-token' }),
  ),
  recordingDir: config.recordingDir,
  logger,
  uploadIntervalMs: 200,
  ...(config.idleTimeoutMs !== undefined ? { idleTimeoutMs: config.idleTimeoutMs } : {}),
});
sessions.start();
const server = new InnerTlsServer({
  credentials: config.credentials,
  gatewayId: config.gatewayId,
  actions: {
    [ALPN.pamProxy]: createPamProxyHandler(sessions),
    [ALPN.pamCapabilities]: createPamCapabilitiesHandler(
      'gw-ssh',
      sessions.resourceTypes,
      async () => (await hostKey()).publicKeyLine,
    ),
    [ALPN.pamSessionCancellation]: createPamSessionCancellationHandler(sessions),
  },
  logger,
});
const listener = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.setNoDelay(true);
  server.handleChannel(asChannel(socket));
});
listener.listen(0, '127.0.0.1', () => {
  void hostKey().then((key) => {
    const { port } = listener.address() as net.AddressInfo;
    process.stdout.write(`READY ${port} ${key.publicKeyLine}\n`);
  });
});
process.on('SIGTERM', () => {
  listener.close();
  server.close();
  void sessions.stop().then(() => process.exit(0));
});
