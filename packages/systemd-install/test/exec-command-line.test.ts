import { describe, expect, it } from '@jest/globals';
import { execCommandLine, quoteExecArgument } from '../src/index.ts';

describe('execCommandLine', () => {
  it('leaves plain arguments alone', () => {
    expect(execCommandLine(['/usr/bin/node', '/opt/burrow/relay/dist/main.js', 'start'])).toBe(
      '/usr/bin/node /opt/burrow/relay/dist/main.js start',
    );
  });

  it('quotes spaces and escapes quotes, backslashes, % and $', () => {
    expect(quoteExecArgument('/opt/my app/main.js')).toBe('"/opt/my app/main.js"');
    expect(quoteExecArgument('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteExecArgument('50%')).toBe('50%%');
    expect(quoteExecArgument('$HOME')).toBe('$$HOME');
    expect(quoteExecArgument('')).toBe('""');
  });

  it('refuses a relative executable and newlines', () => {
    expect(() => execCommandLine(['node', 'main.js'])).toThrow(/absolute/);
    expect(() => execCommandLine(['/usr/bin/node', 'a\nb'])).toThrow(/newline/);
  });
});
