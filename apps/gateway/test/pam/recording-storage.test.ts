/**
 * The disk bound of local PAM recordings (recording-storage.ts): once the recordings take the
 * bound, a new session is refused with a clear error, a session already recording keeps its
 * recording (and a second connection of it still opens), and nothing recorded is lost; the
 * gateway's metrics show the use, the bound and the refusal (wired as gateway.ts wires them). Real
 * files in a temporary directory; the control plane hands out the key and never acknowledges, so
 * nothing is uploaded and deleted behind the test's back.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { decryptRecordingFile } from '@burrow/session-recorder';
import { GatewayMetrics } from '../../src/ops/gateway-metrics.ts';
import { PamRecordings } from '../../src/pam/pam-recordings.ts';
import {
  RecordingStorageFullError,
  recordingStorageBytes,
} from '../../src/pam/recording-storage.ts';
import type { PamPlatformClient } from '../../src/platform/pam-platform-client.ts';
import { captureLogs } from '../helpers/log-capture.ts';

let dir: string;
let recordings: PamRecordings;
let metrics: GatewayMetrics;
const refusals: RecordingStorageFullError[] = [];
const key = randomBytes(32);
const MAX_BYTES = 16 * 1024;

const platform: PamPlatformClient = {
  fetchCredentials: () => Promise.reject(new Error('not used')),
  fetchSessionKey: async () => key,
  uploadEvents: () => Promise.reject(new Error('control plane unreachable')),
  uploadChunk: () => Promise.reject(new Error('control plane unreachable')),
  endSession: () => Promise.reject(new Error('control plane unreachable')),
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'burrow-recording-bound-'));
  metrics = new GatewayMetrics();
  recordings = new PamRecordings({
    dir,
    platform,
    logger: captureLogs('silent').logger,
    uploadIntervalMs: 3_600_000,
    maxBytes: MAX_BYTES,
    onStorageFull: (error) => {
      refusals.push(error);
      metrics.recordingStorageFull();
    },
  });
  metrics.observeRecordings(recordings);
});

/** The value of one sample of the gateway's /metrics text (undefined when absent). */
async function sample(name: string): Promise<number | undefined> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const REFUSED = 'burrow_gateway_pam_sessions_refused_total{reason="recording storage full"}';

afterEach(async () => {
  await recordings.stop();
  await rm(dir, { recursive: true, force: true });
});

const event = (n: number) => ({
  timestamp: new Date(1_700_000_000_000 + n).toISOString(),
  input: `SELECT '${'x'.repeat(500)}', ${n}`,
  output: 'SELECT 1',
});

test('at the bound: new sessions refused with a clear error, running ones keep recording, nothing lost', async () => {
  const expiresAt = new Date(Date.now() + 3_600_000);
  // No recording directory in use yet: the storage gauges say 0, nothing was refused.
  expect(await sample('burrow_gateway_recording_storage_bytes')).toBe(0);
  expect(await sample(REFUSED)).toBeUndefined();
  const running = randomUUID();
  const first = await recordings.open(running, 'postgres', expiresAt);
  let n = 0;
  while ((await recordingStorageBytes(dir)) < MAX_BYTES) await first.append(event(n++));
  const used = await recordingStorageBytes(dir);
  expect(await sample('burrow_gateway_recording_storage_bytes')).toBe(used);
  expect(await sample('burrow_gateway_recording_storage_max_bytes')).toBe(MAX_BYTES);

  const refused = await recordings.open(randomUUID(), 'postgres', expiresAt).catch((e) => e);
  expect(refused).toBeInstanceOf(RecordingStorageFullError);
  expect((refused as Error).message).toMatch(
    /^the gateway's local recordings take 16\.\d KiB of the 16\.0 KiB allowed \(--pam-session-recording-max-bytes\); new sessions are refused until uploads to the control plane free space$/,
  );
  expect(refusals).toHaveLength(1);
  expect(await sample(REFUSED)).toBe(1);
  await expect(recordings.open(randomUUID(), 'postgres', expiresAt)).rejects.toThrow(
    RecordingStorageFullError,
  );
  expect(await sample(REFUSED)).toBe(2);

  // The running session goes on: a second connection opens it, both append.
  const second = await recordings.open(running, 'postgres', expiresAt);
  await first.append(event(n++));
  await second.append(event(n++));
  await second.close();
  await first.close();
  const { events } = await decryptRecordingFile(first.path, key);
  expect(events).toEqual(Array.from({ length: n }, (_, i) => event(i)));
  expect(await recordings.usedBytes()).toBeGreaterThanOrEqual(MAX_BYTES);
});

test('recordings the control plane does not acknowledge show in the queue gauges: how many, since when', async () => {
  expect(await sample('burrow_gateway_recording_queue_depth')).toBe(0);
  const sessionId = randomUUID();
  const recording = await recordings.open(sessionId, 'postgres', new Date(Date.now() + 3_600_000));
  for (let n = 0; n < 3; n++) await recording.append(event(n));
  // The end: the uploader tries (the control plane is unreachable) and the files stay.
  await recordings.finish(sessionId, recording);
  expect(await sample('burrow_gateway_recording_queue_depth')).toBe(3);
  // The oldest waiting event is event 0, recorded (by its timestamp) in November 2023.
  const age = (await sample('burrow_gateway_recording_queue_oldest_seconds')) as number;
  expect(age).toBeGreaterThanOrEqual((Date.now() - Date.parse(event(0).timestamp)) / 1000 - 60);
  expect(age).toBeLessThanOrEqual((Date.now() - Date.parse(event(0).timestamp)) / 1000 + 60);
  const { events } = await decryptRecordingFile(recording.path, key);
  expect(events).toEqual([0, 1, 2].map(event));
});
