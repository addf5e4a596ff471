/**
 * A small Kubernetes-API-shaped server (HTTPS, its own self-signed CA) for the gateway's tests: it
 * checks `Authorization: Bearer <token>` on every request (401 otherwise) and answers
 *   GET /api                                         {"kind":"APIVersions",…}
 *   GET /api/v1/namespaces/<ns>/pods                 a PodList with one pod
 *   GET /api/v1/namespaces/<ns>/pods/<pod>/log       the log; with ?follow=true it streams a line
 *                                                    every 50 ms until the client goes
 *   GET|POST /api/v1/namespaces/<ns>/pods/<pod>/exec  the streaming upgrade kubectl speaks
 *                                                    (WebSocket, subprotocol v5/v4.channel.k8s.io):
 *                                                    the command's argv echoed on stdout (channel
 *                                                    1), then a Success status on channel 3
 * Every request's headers are kept in `seen` (which Impersonate-* / Authorization reached it).
 */
import https from 'node:https';
import type http from 'node:http';
import type net from 'node:net';
import { createSelfSignedCertificate } from './self-signed-certificate.ts';
import { WebSocketServer } from 'ws';

export interface KubernetesApiTarget {
  readonly port: number;
  readonly url: string;
  readonly caPem: string;
  readonly token: string;
  readonly seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startKubernetesApiTarget(token: string): Promise<KubernetesApiTarget> {
  const serving = await createSelfSignedCertificate('kubernetes');
  const seen: KubernetesApiTarget['seen'] = [];
  const sockets = new Set<net.Socket>();
  const json = (response: http.ServerResponse, status: number, body: object): void => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const server = https.createServer(
    { cert: serving.certificatePem, key: serving.privateKeyPem },
    (request, response) => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
      request.resume();
      if (request.headers.authorization !== `Bearer ${token}`) {
        json(response, 401, {
          kind: 'Status',
          status: 'Failure',
          reason: 'Unauthorized',
          code: 401,
        });
        return;
      }
      const url = new URL(request.url ?? '/', 'https://k8s');
      if (url.pathname === '/api') {
        json(response, 200, { kind: 'APIVersions', versions: ['v1'] });
        return;
      }
      if (url.pathname === '/apis') {
        json(response, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
        return;
      }
      if (url.pathname === '/api/v1') {
        json(response, 200, {
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            {
              name: 'pods',
              singularName: 'pod',
              namespaced: true,
              kind: 'Pod',
              verbs: ['get', 'list'],
            },
            { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
            {
              name: 'pods/exec',
              singularName: '',
              namespaced: true,
              kind: 'PodExecOptions',
              verbs: ['create', 'get'],
            },
          ],
        });
        return;
      }
      const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
      if (log) {
        response.writeHead(200, { 'content-type': 'text/plain' });
        if (url.searchParams.get('follow') !== 'true') {
          response.end('log line 1\nlog line 2\n');
          return;
        }
        let line = 1;
        const timer = setInterval(() => response.write(`log line ${line++}\n`), 50);
        response.once('close', () => clearInterval(timer));
        return;
      }
      const onePod = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
      if (onePod) {
        json(response, 200, {
          kind: 'Pod',
          apiVersion: 'v1',
          metadata: { name: onePod[2], namespace: onePod[1] },
          spec: { containers: [{ name: 'web', image: 'nginx' }] },
          status: { phase: 'Running' },
        });
        return;
      }
      if (/^\/api\/v1\/namespaces\/([^/]+)\/pods$/.test(url.pathname)) {
        json(response, 200, {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '1' },
          items: [
            {
              metadata: {
                name: 'web-1',
                namespace: 'default',
                creationTimestamp: new Date().toISOString(),
              },
              spec: { containers: [{ name: 'web', image: 'nginx' }] },
              status: {
                phase: 'Running',
                containerStatuses: [{ name: 'web', ready: true, restartCount: 0 }],
              },
            },
          ],
        });
        return;
      }
      json(response, 404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    },
  );
  const exec = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) =>
      ['v5.channel.k8s.io', 'v4.channel.k8s.io'].find((p) => protocols.has(p)) ?? false,
  });
  server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    const url = new URL(request.url ?? '/', 'https://k8s');
    if (
      request.headers.authorization !== `Bearer ${token}` ||
      !/^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/exec$/.test(url.pathname)
    ) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    exec.handleUpgrade(request, socket, head, (ws) => {
      const argv = url.searchParams.getAll('command');
      const frame = (channel: number, text: string) =>
        Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
      const answer = (): void => {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(frame(1, `${argv.slice(1).join(' ')}\n`));
        ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
        ws.close(1000);
      };
      // kubectl (client-go's WebSocket executor) discards frames that arrive before it has
      // created its streams ("Unknown stream id 1, discarding message"), a race of its own that a
      // real pod's process, slower to print, does not hit. With stdin the first frame kubectl
      // sends proves its streams exist; without it, answer as a process that takes a moment.
      if (url.searchParams.get('stdin') === 'true') ws.once('message', answer);
      else setTimeout(answer, 500).unref();
    });
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    caPem: serving.certificatePem,
    token,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const client of exec.clients) client.terminate();
        exec.close();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
