/**
 * A real nginx (Debian's nginx-light) on a free loopback port with its own prefix, config, pid
 * file and logs in a temporary directory: TLS with a certificate the test gives, `/` open,
 * `/private/` behind HTTP basic auth. Started as a child process in the foreground and stopped by
 * its PID; the directory is removed on stop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';
import { processExited } from './process-state.ts';
import { waitForPort } from './wait-for-port.ts';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface NginxTarget {
  readonly port: number;
  readonly pid: number;
  /** The body of `/` and of `/private/`. */
  readonly publicBody: string;
  readonly privateBody: string;
  stop(): Promise<void>;
}

export async function startNginx(options: {
  certificatePem: string;
  privateKeyPem: string;
  username: string;
  password: string;
}): Promise<NginxTarget> {
  const dir = mkdtempSync(path.join(tmpdir(), 'burrow-nginx-'));
  // nginx's workers run as another user when started as root: they must read the site.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const publicBody = 'hello from nginx\n';
  const privateBody = 'the private page\n';
  mkdirSync(path.join(dir, 'html', 'private'), { recursive: true });
  writeFileSync(path.join(dir, 'html', 'index.html'), publicBody);
  writeFileSync(path.join(dir, 'html', 'private', 'index.html'), privateBody);
  writeFileSync(path.join(dir, 'server.crt'), options.certificatePem);
  writeFileSync(path.join(dir, 'server.key'), options.privateKeyPem, { mode: 0o644 });
  const hash = execFileSync('openssl', ['passwd', '-apr1', options.password], {
    encoding: 'utf8',
  }).trim();
  writeFileSync(path.join(dir, 'htpasswd'), `${options.username}:${hash}\n`);
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${dir}/access.log;`,
      `  client_body_temp_path ${dir}/client_body;`,
      `  proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi;`,
      `  scgi_temp_path ${dir}/scgi;`,
      '  server {',
      `    listen 127.0.0.1:${port} ssl;`,
      `    ssl_certificate ${dir}/server.crt;`,
      `    ssl_certificate_key ${dir}/server.key;`,
      `    root ${dir}/html;`,
      '    location /private/ {',
      '      auth_basic "burrow test";',
      `      auth_basic_user_file ${dir}/htpasswd;`,
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    NGINX_BINARY,
    ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pid = child.pid as number;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      if (!(await processExited(pid, 10_000))) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 15_000, () => child.exitCode === null);
  } catch (error) {
    await stop();
    throw new Error(`nginx did not start: ${stderr.trim() || (error as Error).message}`);
  }
  return { port, pid, publicBody, privateBody, stop };
}
