import { describe, expect, it } from '@jest/globals';
import { exitUnlessSupportedNode } from '../src/node-version.ts';

class Exited extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

function check(version: string): { lines: string[]; exitCode: number | undefined } {
  const lines: string[] = [];
  let exitCode: number | undefined;
  try {
    exitUnlessSupportedNode('burrow-relay', {
      version,
      write: (line) => lines.push(line),
      exit: (code) => {
        throw new Exited(code);
      },
    });
  } catch (error) {
    if (!(error instanceof Exited)) throw error;
    exitCode = error.code;
  }
  return { lines, exitCode };
}

describe('exitUnlessSupportedNode', () => {
  it('lets Node 24 and newer through without a word', () => {
    expect(check('24.0.0')).toEqual({ lines: [], exitCode: undefined });
    expect(check('25.1.2')).toEqual({ lines: [], exitCode: undefined });
  });

  it('stops Node 20 with one line naming the program, the version and the fix, exit 2', () => {
    expect(check('20.20.2')).toEqual({
      lines: [
        'burrow-relay: needs Node 24 or newer, this is Node 20.20.2 (. scripts/toolchain.sh puts Node 24 on PATH; ./scripts/install-cli.sh makes commands that use it)\n',
      ],
      exitCode: 2,
    });
  });

  it('checks the running Node by default: the suite runs on 24 or newer', () => {
    expect(() => exitUnlessSupportedNode('burrow')).not.toThrow();
  });
});
