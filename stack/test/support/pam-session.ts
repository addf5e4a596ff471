import { getPamSession, sleep, type LocalStack, type PamSessionRecord } from '../../src/index.ts';

/**
 * Polls the control plane (`GET /api/v1/pam/sessions/:id` as the stack's admin) until
 * `done(session)`; throws with the last answer when `timeoutMs` passes first. Sessions end and
 * recordings arrive asynchronously (the gateway uploads), so tests wait on this, not on a sleep.
 *
 * @example
 *   await waitForPamSession(stack, sessionId, (s) => s.status === 'ended');
 */
export async function waitForPamSession(
  stack: LocalStack,
  sessionId: string,
  done: (session: PamSessionRecord) => boolean,
  timeoutMs = 45_000,
): Promise<PamSessionRecord> {
  const deadline = Date.now() + timeoutMs;
  let last: PamSessionRecord | undefined;
  while (Date.now() < deadline) {
    last = await getPamSession(stack.api, sessionId);
    if (done(last)) return last;
    await sleep(500);
  }
  throw new Error(
    `session ${sessionId} not as expected after ${timeoutMs} ms: ${JSON.stringify(last)}`,
  );
}
