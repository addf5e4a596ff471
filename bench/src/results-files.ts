/**
 * Writes a run's results into `outDir`: latest.json, latest.md and the plots next to them. Also
 * used by `pnpm bench --render-only` to re-write latest.md and the plots from a latest.json after
 * the writers changed, without measuring again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchResults } from './bench-results.ts';
import { resultsMarkdown } from './results-markdown.ts';
import { benchPlots, PLOT_FILES } from './results-plots.ts';
import { checkTargets } from './targets.ts';

/** The files written, relative to `outDir`. */
export function writeResults(results: BenchResults, outDir: string): string[] {
  results.targets = checkTargets(results);
  fs.mkdirSync(outDir, { recursive: true });
  const plots = benchPlots(results);
  results.plots = {};
  for (const [kind, svg] of Object.entries(plots) as [keyof typeof plots, string | undefined][]) {
    if (!svg) continue;
    fs.writeFileSync(path.join(outDir, PLOT_FILES[kind]), svg);
    results.plots[kind] = PLOT_FILES[kind];
  }
  fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'latest.md'), resultsMarkdown(results));
  return ['latest.json', 'latest.md', ...Object.values(results.plots)];
}
