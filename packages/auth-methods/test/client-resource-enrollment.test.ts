import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { resourceAccessToken, type ResourceCredential } from '../src/index.ts';

/**
 * Enrolling a gateway against a local HTTP server that answers the enroll route once per
 * enrollment token (as the control plane does): the state file is written 0600, keeps the lines
 * it had, and the same enrollment token later reuses the stored access token without a request.
 */
let server: http.Server;
let apiUrl: string;
const seen: string[] = [];
let stateDir: string;

beforeAll(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-enroll-'));
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push(`${request.method} ${request.url} ${body}`);
      const { token } = JSON.parse(body) as { token: string };
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          accessToken: `access-for-${token}`,
          gatewayId: '11111111-1111-4111-8111-111111111111',
          tokenType: 'Bearer',
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/api`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('resourceAccessToken', () => {
  it('enrolls once, stores 0600 beside the existing lines, and reuses for the same token', async () => {
    const stateFile = path.join(stateDir, 'gateways', 'gw-1.conf');
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, 'INFISICAL_GATEWAY_NAME=gw-1\n', { mode: 0o644 });
    const credential: ResourceCredential = {
      method: 'enrollment-token',
      kind: 'gateway',
      enrollmentToken: 'first',
      stateFile,
    };

    const enrolled = await resourceAccessToken(credential, { apiUrl });
    expect(enrolled).toEqual({
      accessToken: 'access-for-first',
      resourceId: '11111111-1111-4111-8111-111111111111',
      source: 'enrolled',
    });
    expect(seen).toEqual(['POST /api/v3/gateways/token-auth/enroll {"token":"first"}']);
    expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(stateFile, 'utf8')).toBe(
      [
        'INFISICAL_GATEWAY_NAME=gw-1',
        'INFISICAL_GATEWAY_ACCESS_TOKEN=access-for-first',
        `INFISICAL_GATEWAY_DOMAIN=${apiUrl}`,
        'INFISICAL_GATEWAY_ENROLLMENT_TOKEN=first',
        'INFISICAL_GATEWAY_ID=11111111-1111-4111-8111-111111111111',
        '',
      ].join('\n'),
    );

    // Started again with the same (spent) enrollment token: no request, the stored token.
    const again = await resourceAccessToken(credential, { apiUrl });
    expect(again.source).toBe('stored');
    expect(again.accessToken).toBe('access-for-first');
    expect(seen).toHaveLength(1);

    // A new enrollment token enrolls again.
    const renewed = await resourceAccessToken(
      { ...credential, enrollmentToken: 'second' },
      {
        apiUrl,
      },
    );
    expect(renewed).toMatchObject({ accessToken: 'access-for-second', source: 'enrolled' });
    expect(seen).toHaveLength(2);
    expect(fs.readdirSync(path.dirname(stateFile))).toEqual(['gw-1.conf']);
  });
});
