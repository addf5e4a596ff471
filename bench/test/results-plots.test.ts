import { describe, expect, it } from '@jest/globals';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { barChartSvg } from '../src/plot-svg.ts';
import { benchPlots } from '../src/results-plots.ts';
import { benchResults, measurements } from './bench-results-fixture.ts';

type Element = Record<string, unknown>;

/** The `<g class="series">` elements of an SVG document, after checking it is well-formed XML. */
function seriesOf(svg: string): Element[] {
  expect(XMLValidator.validate(svg)).toBe(true);
  const document = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['g', 'rect', 'path'].includes(name),
  }).parse(svg) as { svg: { g: Element[] } };
  return document.svg.g.filter((g) => g.class === 'series');
}

const results = benchResults([
  {
    direct: measurements([2800, 1400], [0.1, 0.2, 0.3]),
    'openssh-openssl': measurements([400, 380], [4, 5, 6]),
    burrow: measurements([320, 310], [3, 4, 30]),
  },
  {
    direct: measurements([2600, 1500], [0.15, 0.25]),
    'openssh-openssl': measurements([410, 360], [4.5, 5.5]),
    burrow: measurements([350, 300], [3.5, 12]),
  },
  {
    direct: measurements([2700, 1450], [0.12]),
    'openssh-openssl': measurements([390, 370], [4.2]),
    burrow: measurements([330, 290], [3.2]),
  },
]);

describe('benchPlots', () => {
  it('draws one bar series per path with the median, min and max of each transfer', () => {
    const series = seriesOf(benchPlots(results).throughput!);
    expect(series.map((g) => g['data-series'])).toEqual(['direct', 'openssh-openssl', 'burrow']);
    const bars = (name: string) =>
      (series.find((g) => g['data-series'] === name)!.rect as Element[]).map((rect) => [
        rect['data-group'],
        Number(rect['data-median']),
        Number(rect['data-min']),
        Number(rect['data-max']),
      ]);
    expect(bars('burrow')).toEqual([
      ['up × 1', 330, 320, 350],
      ['down × 1', 300, 290, 310],
    ]);
    expect(bars('direct')).toEqual([
      ['up × 1', 2700, 2600, 2800],
      ['down × 1', 1450, 1400, 1500],
    ]);
  });

  it('draws one distribution per path and panel from every stream of every repetition', () => {
    const series = seriesOf(benchPlots(results).setupLatency!);
    // Two panels (full, resumed), each with the three paths.
    expect(series.map((g) => g['data-series'])).toEqual([
      'direct',
      'openssh-openssl',
      'burrow',
      'direct',
      'openssh-openssl',
      'burrow',
    ]);
    const resumedBurrow = (series[5]!.path as Element[])[0]!;
    expect(resumedBurrow['data-panel']).toBe('TLS sessions resumed');
    // burrow resumed: 3, 4, 30 + 3.5, 12 + 3.2 pooled = 6 streams, nearest-rank p50 3.5, max 30.
    expect(Number(resumedBurrow['data-count'])).toBe(6);
    expect(Number(resumedBurrow['data-p50'])).toBe(3.5);
    expect(Number(resumedBurrow['data-max'])).toBe(30);
    const fullDirect = (series[0]!.path as Element[])[0]!;
    expect(Number(fullDirect['data-max'])).toBe(0.6);
  });

  it('leaves out the distribution for results without per-stream samples', () => {
    const old = benchResults([{ burrow: measurements([300, 300], [4]) }]);
    delete old.repetitions;
    delete old.paths.burrow!.setupResumed.samplesMs;
    delete old.paths.burrow!.setupFull.samplesMs;
    const plots = benchPlots(old);
    expect(plots.setupLatency).toBeUndefined();
    const [burrow] = seriesOf(plots.throughput!);
    // One run: no whisker, only the bars.
    expect(burrow!.path).toBeUndefined();
    expect((burrow!.rect as Element[]).map((rect) => Number(rect['data-median']))).toEqual([
      300, 300,
    ]);
  });

  it('escapes names and labels', () => {
    const svg = barChartSvg({
      title: 'a < b & "c"',
      subtitle: '',
      valueLabel: 'x',
      groups: ['<g>'],
      series: [{ name: 'x"y&z', values: [{ median: 1, min: 0.5, max: 2 }] }],
    });
    const [series] = seriesOf(svg);
    expect(series!['data-series']).toBe('x"y&z');
  });
});
