import { describe, expect, it } from '@jest/globals';
import { formatDurationForApi, humanDuration, parseDuration } from '../src/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['1h', 3_600_000],
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    [' 45s ', 45_000],
    ['1m30s250ms', 90_250],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '1', '10x', 'h', '-1h', '1h-', '0s', 'one hour', '1 h'])(
    'refuses %j with a usage error naming --duration',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/--duration/);
    },
  );

  it('sends milliseconds to the API, as the reference CLI does', () => {
    expect(formatDurationForApi(parseDuration('1h'))).toBe('3600000ms');
  });
});

describe('humanDuration', () => {
  it('shows at most two units', () => {
    expect(humanDuration(5_400_000)).toBe('1h 30m');
    expect(humanDuration(3_600_000)).toBe('1h');
    expect(humanDuration(45_000)).toBe('45s');
    expect(humanDuration(90_061_000)).toBe('1d 1h');
    expect(humanDuration(250)).toBe('250ms');
  });
});
