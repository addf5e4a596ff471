/**
 * The control plane's event intake as the contract describes it, in memory: event indexes are
 * stored once, a batch that starts past the stored count is a gap (409), end is idempotent.
 */
export class FakeControlPlane {
  readonly events = new Map<string, unknown[]>();
  readonly ended = new Set<string>();
  readonly uploads: Array<{ sessionId: string; startIndex: number; count: number }> = [];
  endCalls = 0;
  /** Fail the next n uploads / end calls. */
  failUploads = 0;
  failEnds = 0;

  upload = async (
    sessionId: string,
    startIndex: number,
    batch: unknown[],
  ): Promise<{ acknowledgedEvents: number }> => {
    this.uploads.push({ sessionId, startIndex, count: batch.length });
    if (this.failUploads > 0) {
      this.failUploads -= 1;
      throw new Error('503 Service Unavailable');
    }
    const stored = this.events.get(sessionId) ?? [];
    this.events.set(sessionId, stored);
    if (startIndex > stored.length) throw new Error('409 gap');
    batch.forEach((event, i) => {
      if (startIndex + i >= stored.length) stored.push(event);
    });
    return { acknowledgedEvents: stored.length };
  };

  end = async (sessionId: string): Promise<void> => {
    this.endCalls += 1;
    if (this.failEnds > 0) {
      this.failEnds -= 1;
      throw new Error('503 Service Unavailable');
    }
    this.ended.add(sessionId);
  };
}
