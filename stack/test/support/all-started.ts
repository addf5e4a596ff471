/**
 * Waits until every start has settled, then throws the first failure: a test's afterAll then
 * stops whatever did start (Promise.all would reject at once and leave the others running).
 */
export async function allStarted(starts: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(starts)).find(
    (result): result is PromiseRejectedResult => result.status === 'rejected',
  );
  if (failed) throw failed.reason;
}
