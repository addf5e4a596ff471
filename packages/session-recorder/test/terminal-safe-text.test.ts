import { describe, expect, it } from '@jest/globals';
import { formatRecordedEvent, terminalSafeLine, terminalSafeText } from '../src/index.ts';

describe('terminalSafeText', () => {
  it('escapes the sequences that hide or rewrite lines on a terminal', () => {
    expect(terminalSafeText('SELECT 1;\x1b[2K\rSELECT 2')).toBe('SELECT 1;\\x1b[2K\\rSELECT 2');
    expect(terminalSafeText('a\x00b\x07c\x08d\x7fe')).toBe('a\\x00b\\x07c\\bd\\x7fe');
    expect(terminalSafeText('8-bit CSI \u009b2K')).toBe('8-bit CSI \\u009b2K');
    expect(terminalSafeText('bidi \u202eevil\u2066x\u2069')).toBe(
      'bidi \\u202eevil\\u2066x\\u2069',
    );
    expect(terminalSafeText('zero\u200bwidth\ufeff')).toBe('zero\\u200bwidth\\ufeff');
    expect(terminalSafeText('line\u2028sep')).toBe('line\\u2028sep');
    expect(terminalSafeText('lone \ud800 surrogate')).toBe('lone \\ud800 surrogate');
  });

  it('keeps ordinary text, tabs, line feeds, backslashes and astral characters as they are', () => {
    const text = "SELECT E'a\\\\b',\t'é', '日本', '🦫'\nFROM t";
    expect(terminalSafeText(text)).toBe(text);
  });

  it('terminalSafeLine also escapes line feeds and tabs (table cells)', () => {
    expect(terminalSafeLine('a\nb\tc\x1b')).toBe('a\\nb\\tc\\x1b');
  });
});

describe('formatRecordedEvent', () => {
  it('indents input lines and output lines, so no recorded text can start a line of its own', () => {
    expect(
      formatRecordedEvent(
        {
          timestamp: '2030-01-01T00:00:00.000Z',
          input: 'SELECT 1\n[2] 2030-01-01T00:00:01.000Z',
          output: 'SELECT 1\n[3] fake',
        },
        1,
      ),
    ).toBe(
      [
        '[1] 2030-01-01T00:00:00.000Z',
        '    SELECT 1',
        '    [2] 2030-01-01T00:00:01.000Z',
        '    => SELECT 1',
        '       [3] fake',
      ].join('\n'),
    );
  });

  it('shows other events as their JSON, neutralised', () => {
    expect(formatRecordedEvent({ data: '\u009b' }, 4)).toBe('[4]\n    {"data":"\\u009b"}');
  });
});
