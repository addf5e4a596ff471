/**
 * Interleaved repetitions: each step runs on every path in turn, and the whole round is repeated
 * `repetitions` times. A load spike of the shared machine then hits every path alike instead of
 * one path's whole series, and each repetition yields one ratio between paths measured minutes,
 * not a whole run, apart. The main paths (path-measurements.ts) and the PAM queries
 * (pam-queries.ts) both run this way.
 */
export interface InterleavedResult<Step, Path, Result> {
  step: Step;
  path: Path;
  /** 1-based. */
  repetition: number;
  result: Result;
}

export async function interleave<Step, Path, Result>(
  repetitions: number,
  steps: readonly Step[],
  paths: readonly Path[],
  run: (step: Step, path: Path, repetition: number) => Promise<Result>,
): Promise<InterleavedResult<Step, Path, Result>[]> {
  const results: InterleavedResult<Step, Path, Result>[] = [];
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    for (const step of steps) {
      for (const path of paths) {
        results.push({ step, path, repetition, result: await run(step, path, repetition) });
      }
    }
  }
  return results;
}
