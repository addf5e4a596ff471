/**
 * Two small charts as standalone SVG documents, for results next to latest.md: grouped bars with
 * min–max whiskers, and cumulative distributions on a log axis. d3-scale picks the domains, ticks
 * and tick labels; the elements are written here. Every series is a `<g class="series"
 * data-series="<name>">` whose marks carry their values as data-* attributes and a `<title>` (a
 * tooltip in a browser), so the picture can be checked against its input.
 */
import { scaleBand, scaleLinear, scaleLog } from 'd3-scale';
import type { Spread } from './percentiles.ts';

export interface BarSeries {
  name: string;
  /** One per group, in the groups' order; undefined where the series was not measured. */
  values: (Spread | undefined)[];
}

export interface BarChart {
  title: string;
  subtitle: string;
  /** Label of the value axis, with its unit. */
  valueLabel: string;
  groups: string[];
  series: BarSeries[];
}

export interface DistributionSeries {
  name: string;
  values: number[];
}

export interface DistributionChart {
  title: string;
  subtitle: string;
  valueLabel: string;
  /** Side by side, sharing the value axis. */
  panels: { title: string; series: DistributionSeries[] }[];
}

/** Colour-blind-safe (Okabe–Ito), in series order. */
const COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00'];
const font = (size = 12): string => `font-family="sans-serif" font-size="${size}"`;
/** A CDF needs no more points than this to look exact at this size. */
const MAX_CDF_POINTS = 400;

export function barChartSvg(chart: BarChart): string {
  const width = 760;
  const height = 400;
  const margin = { top: 64, right: 20, bottom: 40, left: 70 };
  const x = scaleBand<string>()
    .domain(chart.groups)
    .range([margin.left, width - margin.right])
    .paddingInner(0.25)
    .paddingOuter(0.1);
  const inner = scaleBand<string>()
    .domain(chart.series.map((s) => s.name))
    .range([0, x.bandwidth()])
    .padding(0.08);
  const top = Math.max(
    0,
    ...chart.series.flatMap((s) => s.values.map((v) => (v ? Math.max(v.max, v.median) : 0))),
  );
  const y = scaleLinear()
    .domain([0, top || 1])
    .nice()
    .range([height - margin.bottom, margin.top]);
  const parts = [
    header(width, height, chart.title, chart.subtitle),
    ...y
      .ticks(6)
      .map((tick) => gridLine(margin.left, width - margin.right, y(tick), y.tickFormat(6)(tick))),
    axisLabel(chart.valueLabel, 16, (margin.top + height - margin.bottom) / 2),
    ...chart.groups.map(
      (group) =>
        `<text ${font()} x="${num(x(group)! + x.bandwidth() / 2)}" y="${height - margin.bottom + 18}" text-anchor="middle">${escape(group)}</text>`,
    ),
    legend(
      chart.series.map((s) => s.name),
      margin.left,
    ),
  ];
  chart.series.forEach((series, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    const marks: string[] = [];
    series.values.forEach((value, groupIndex) => {
      const group = chart.groups[groupIndex]!;
      if (!value) return;
      const left = x(group)! + inner(series.name)!;
      const centre = left + inner.bandwidth() / 2;
      const label = `${series.name}, ${group}: ${fmt(value.median)}${value.min !== value.max ? ` (${fmt(value.min)}–${fmt(value.max)})` : ''}`;
      marks.push(
        `<rect x="${num(left)}" y="${num(y(value.median))}" width="${num(inner.bandwidth())}" height="${num(y(0) - y(value.median))}" fill="${colour}" data-group="${escape(group)}" data-median="${value.median}" data-min="${value.min}" data-max="${value.max}"><title>${escape(label)}</title></rect>`,
      );
      if (value.min !== value.max) {
        const cap = inner.bandwidth() / 4;
        marks.push(
          `<path d="M${num(centre)},${num(y(value.min))}V${num(y(value.max))}M${num(centre - cap)},${num(y(value.min))}H${num(centre + cap)}M${num(centre - cap)},${num(y(value.max))}H${num(centre + cap)}" stroke="#333" fill="none"/>`,
        );
      }
      marks.push(
        `<text ${font(10)} x="${num(centre)}" y="${num(y(Math.max(value.max, value.median)) - 4)}" text-anchor="middle">${escape(fmt(value.median))}</text>`,
      );
    });
    parts.push(seriesGroup(series.name, marks));
  });
  return footer(parts);
}

export function distributionChartSvg(chart: DistributionChart): string {
  const panelWidth = 420;
  const height = 400;
  const margin = { top: 88, right: 20, bottom: 48, left: 60 };
  const width = panelWidth * chart.panels.length;
  const all = chart.panels.flatMap((p) => p.series.flatMap((s) => s.values)).filter((v) => v > 0);
  const low = all.length > 0 ? Math.min(...all) : 0.1;
  const high = all.length > 0 ? Math.max(...all) : 1;
  const names = [...new Set(chart.panels.flatMap((p) => p.series.map((s) => s.name)))];
  const parts = [header(width, height, chart.title, chart.subtitle), legend(names, margin.left)];
  chart.panels.forEach((panel, panelIndex) => {
    const offset = panelIndex * panelWidth;
    const x = scaleLog()
      .domain([low, high === low ? low * 10 : high])
      .nice()
      .range([offset + margin.left, offset + panelWidth - margin.right]);
    const y = scaleLinear()
      .domain([0, 1])
      .range([height - margin.bottom, margin.top]);
    const xLabel = x.tickFormat(8, '~g');
    parts.push(
      `<text ${font()} font-weight="bold" x="${num(offset + margin.left)}" y="${margin.top - 10}">${escape(panel.title)}</text>`,
      ...[0, 0.25, 0.5, 0.75, 0.9, 0.99].map((q) =>
        offset === 0
          ? gridLine(x.range()[0]!, x.range()[1]!, y(q), `${q * 100}%`)
          : gridLine(x.range()[0]!, x.range()[1]!, y(q), ''),
      ),
      ...x
        .ticks()
        .filter((tick) => xLabel(tick) !== '')
        .map(
          (tick) =>
            `<path d="M${num(x(tick))},${height - margin.bottom}v4" stroke="#333"/><text ${font()} x="${num(x(tick))}" y="${height - margin.bottom + 18}" text-anchor="middle">${escape(xLabel(tick))}</text>`,
        ),
      `<text ${font()} x="${num(offset + (margin.left + panelWidth - margin.right) / 2)}" y="${height - 8}" text-anchor="middle">${escape(chart.valueLabel)}</text>`,
    );
    if (panelIndex === 0)
      parts.push(
        axisLabel('share of streams at or below', 16, (margin.top + height - margin.bottom) / 2),
      );
    for (const series of panel.series) {
      const colour = COLOURS[names.indexOf(series.name) % COLOURS.length]!;
      const sorted = series.values.filter((v) => v > 0).sort((a, b) => a - b);
      if (sorted.length === 0) continue;
      const at = (q: number): number =>
        sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
      // A step function through (value, share at or below it); thinned to quantiles when long.
      const points =
        sorted.length <= MAX_CDF_POINTS
          ? sorted.map((value, i) => [value, (i + 1) / sorted.length] as const)
          : Array.from({ length: MAX_CDF_POINTS }, (_, i) => {
              const q = (i + 1) / MAX_CDF_POINTS;
              return [at(q), q] as const;
            });
      let d = `M${num(x(sorted[0]!))},${num(y(0))}`;
      for (const [value, share] of points) d += `H${num(x(value))}V${num(y(share))}`;
      const p50 = at(0.5);
      const p99 = at(0.99);
      const max = sorted[sorted.length - 1]!;
      parts.push(
        seriesGroup(series.name, [
          `<path d="${d}" stroke="${colour}" stroke-width="2" fill="none" data-panel="${escape(panel.title)}" data-count="${sorted.length}" data-p50="${p50}" data-p99="${p99}" data-max="${max}"><title>${escape(`${series.name}, ${panel.title}: p50 ${fmt(p50)}, p99 ${fmt(p99)}, max ${fmt(max)} (${sorted.length} values)`)}</title></path>`,
        ]),
      );
    }
  });
  return footer(parts);
}

function header(width: number, height: number, title: string, subtitle: string): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text ${font(16)} font-weight="bold" x="12" y="22">${escape(title)}</text>`,
    `<text ${font()} fill="#555" x="12" y="40">${escape(subtitle)}</text>`,
  ].join('\n');
}

function footer(parts: string[]): string {
  return `${parts.join('\n')}\n</svg>\n`;
}

function legend(names: string[], left: number): string {
  let x = left;
  const items = names.map((name, index) => {
    const item = `<rect x="${x}" y="50" width="12" height="12" fill="${COLOURS[index % COLOURS.length]}"/><text ${font()} x="${x + 16}" y="60">${escape(name)}</text>`;
    x += 28 + name.length * 7;
    return item;
  });
  return `<g class="legend">${items.join('')}</g>`;
}

function gridLine(from: number, to: number, y: number, label: string): string {
  const text = label
    ? `<text ${font()} x="${num(from - 6)}" y="${num(y + 4)}" text-anchor="end">${escape(label)}</text>`
    : '';
  return `<path d="M${num(from)},${num(y)}H${num(to)}" stroke="#ddd"/>${text}`;
}

function axisLabel(text: string, x: number, y: number): string {
  return `<text ${font()} x="${x}" y="${num(y)}" text-anchor="middle" transform="rotate(-90 ${x} ${num(y)})">${escape(text)}</text>`;
}

function seriesGroup(name: string, marks: string[]): string {
  return `<g class="series" data-series="${escape(name)}">\n${marks.join('\n')}\n</g>`;
}

/** Coordinates to 0.1 px: enough for the eye, short files. */
function num(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Three significant digits, no exponent for the ranges here (0.05 ms … 3000 MiB/s). */
function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toPrecision(3);
}

function escape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
