/**
 * The recording secrets of the credentials answer, as the gateway takes them: used for chunk
 * uploads when chunks go inline (the postgres storage backend), ignored otherwise (a reference
 * platform with object storage), so that the uploader falls back to event batches instead of
 * sending chunks that platform would refuse forever.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { createPamPlatformClient } from '../../src/platform/pam-platform-client.ts';

function clientAnswering(recording: unknown) {
  return createPamPlatformClient({
    call: (async () => ({
      credentials: { host: 'db', port: 5432 },
      expiresAt: '2030-01-01T00:00:00.000Z',
      ...(recording === undefined ? {} : { recording }),
    })) as never,
  });
}

describe('PamPlatformClient.fetchCredentials and the recording secrets', () => {
  const sessionKey = randomBytes(32);
  const recording = (storageBackend: string) => ({
    sessionKey: sessionKey.toString('base64'),
    uploadToken: 'token-1',
    storageBackend,
    projectId: 'org-1',
    sessionId: 's-1',
  });

  it('postgres (inline chunks): the secrets, the key decoded', async () => {
    const answer = await clientAnswering(recording('postgres')).fetchCredentials('s-1');
    expect(answer.recording).toEqual({
      sessionKey,
      uploadToken: 'token-1',
      projectId: 'org-1',
      storageBackend: 'postgres',
    });
  });

  it('aws-s3 (object storage) or none: no secrets, so event batches are used', async () => {
    expect((await clientAnswering(recording('aws-s3')).fetchCredentials('s-1')).recording).toBe(
      undefined,
    );
    expect((await clientAnswering(undefined).fetchCredentials('s-1')).recording).toBe(undefined);
  });

  it('a session key that is not 32 bytes is refused', async () => {
    await expect(
      clientAnswering({ ...recording('postgres'), sessionKey: 'c2hvcnQ=' }).fetchCredentials('s-1'),
    ).rejects.toThrow('recording.sessionKey is not 32 bytes');
  });
});
