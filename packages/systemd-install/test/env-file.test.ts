import { describe, expect, it } from '@jest/globals';
import { parseEnvFile, renderEnvFile } from '../src/index.ts';

describe('renderEnvFile', () => {
  it('writes KEY=value lines, quoting what is not plain, and reads them back', () => {
    const variables = {
      INFISICAL_RELAY_NAME: 'edge-1',
      INFISICAL_API_URL: 'https://burrow.example.com/api',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: 'a b"c\\d$e#f',
      EMPTY: '',
    };
    const text = renderEnvFile(variables, 'header line');
    expect(text).toBe(
      [
        '# header line',
        'INFISICAL_RELAY_NAME=edge-1',
        'INFISICAL_API_URL=https://burrow.example.com/api',
        'INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET="a b\\"c\\\\d$e#f"',
        'EMPTY=',
        '',
      ].join('\n'),
    );
    expect(parseEnvFile(text)).toEqual(variables);
  });

  it('skips undefined values and refuses bad names and newlines', () => {
    expect(renderEnvFile({ A: 'x', B: undefined })).toBe('A=x\n');
    expect(() => renderEnvFile({ 'BAD-NAME': 'x' })).toThrow(/not an environment variable/);
    expect(() => renderEnvFile({ A: 'x\ny' })).toThrow(/newline/);
  });
});
