import { FakeRecordingIntake } from '@burrow/test-support';
import { openChunk } from '../../src/index.ts';
import type { ChunkUploadBody, SessionEndReport } from '../../src/index.ts';

/**
 * The control plane's recording intake as the contract describes it (test-support's
 * FakeRecordingIntake: chunks checked with the session's key and bound to (project, session,
 * index), stored once per index; event batches stored once per byte offset), plus what the
 * uploader's tests steer: failing uploads and end calls; end is idempotent.
 */
export class FakeControlPlane {
  private readonly intake = new FakeRecordingIntake(openChunk);
  readonly ended = new Set<string>();
  /** Every upload attempt, in order. */
  readonly uploads: Array<{
    sessionId: string;
    kind: 'chunk' | 'batch';
    at: number;
    count: number;
  }> = [];
  /** The recording secrets each session got. */
  readonly secrets = this.intake.secrets;
  endCalls = 0;
  /** Fail the next n uploads / end calls. */
  failUploads = 0;
  failEnds = 0;

  uploadChunk = async (
    sessionId: string,
    uploadToken: string,
    body: ChunkUploadBody,
  ): Promise<void> => {
    if (this.failUploads > 0) {
      this.failUploads -= 1;
      throw new Error('503 Service Unavailable');
    }
    let events: unknown[];
    try {
      events = this.intake.storeChunk(sessionId, uploadToken, body);
    } catch (error) {
      throw new Error(`400 ${(error as Error).message}`);
    }
    this.uploads.push({ sessionId, kind: 'chunk', at: body.chunkIndex, count: events.length });
  };

  uploadEvents = async (
    sessionId: string,
    startOffset: number,
    events: unknown[],
  ): Promise<void> => {
    if (this.failUploads > 0) {
      this.failUploads -= 1;
      throw new Error('503 Service Unavailable');
    }
    this.uploads.push({ sessionId, kind: 'batch', at: startOffset, count: events.length });
    this.intake.storeBatch(sessionId, startOffset, events);
  };

  /** The session's recording as a reader gets it: batches by offset, then chunks by index. */
  events(sessionId: string): unknown[] {
    return this.intake.events(sessionId);
  }

  /** What the gateway said it recorded, per session. */
  readonly recordedEvents = new Map<string, number>();

  /** What the gateway said is wrong with the recording, per session (every report, in order). */
  readonly recordingProblems = new Map<string, string[]>();

  end = async (sessionId: string, report: SessionEndReport): Promise<void> => {
    this.endCalls += 1;
    if (report.recordedEvents !== undefined) {
      this.recordedEvents.set(sessionId, report.recordedEvents);
    }
    if (report.recordingProblem !== undefined) {
      this.recordingProblems.set(sessionId, [
        ...(this.recordingProblems.get(sessionId) ?? []),
        report.recordingProblem,
      ]);
    }
    if (this.failEnds > 0) {
      this.failEnds -= 1;
      throw new Error('503 Service Unavailable');
    }
    this.ended.add(sessionId);
  };
}
