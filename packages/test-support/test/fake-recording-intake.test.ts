import { describe, expect, it } from '@jest/globals';
import { FakeRecordingIntake, type OpenSealedChunk } from '../src/index.ts';

/** An opener that "decrypts" a chunk to the events its ciphertext names, and checks the binding. */
const open: OpenSealedChunk = (key, binding, sealed) => {
  if (sealed.ciphertext.toString() === 'tampered') throw new Error('chunk authentication failed');
  return [`${binding.projectId}/${binding.sessionId}#${binding.chunkIndex}`, key.length];
};

const chunk = (chunkIndex: number, text = `events-${chunkIndex}`) => ({
  chunkIndex,
  iv: '',
  ciphertext: Buffer.from(text).toString('base64'),
  ciphertextSha256: '',
  ciphertextBytes: text.length,
});

describe('FakeRecordingIntake', () => {
  it('takes chunks only with the session upload token, opened with its key, once per index', () => {
    const intake = new FakeRecordingIntake(open, 'acme');
    const { uploadToken } = intake.secretsOf('s1');
    expect(intake.secretsOf('s1').uploadToken).toBe(uploadToken);
    expect(() => intake.storeChunk('s1', 'not-the-token', chunk(0))).toThrow(
      'Invalid upload token',
    );
    expect(() => intake.storeChunk('s2', uploadToken, chunk(0))).toThrow('Invalid upload token');
    expect(() => intake.storeChunk('s1', uploadToken, chunk(0, 'tampered'))).toThrow(
      'chunk authentication failed',
    );
    intake.storeChunk('s1', uploadToken, chunk(1));
    intake.storeChunk('s1', uploadToken, chunk(0));
    intake.storeChunk('s1', uploadToken, chunk(1)); // a replay: acknowledged, not stored twice
    intake.storeBatch('s1', 100, ['batch-100']);
    intake.storeBatch('s1', 0, ['batch-0']);
    intake.storeBatch('s1', 0, ['batch-0-again']);
    expect(intake.events('s1')).toEqual(['batch-0', 'batch-100', 'acme/s1#0', 32, 'acme/s1#1', 32]);
  });
});
