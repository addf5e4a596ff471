import { describe, expect, test } from '@jest/globals';
import { parseCustomHeaders } from '../src/index.ts';

/** INFISICAL_CUSTOM_HEADERS as the reference writes it: `k1=v1 k2="v 2"`. */
describe('parseCustomHeaders', () => {
  test('unset or blank: no headers', () => {
    expect(parseCustomHeaders(undefined)).toEqual({});
    expect(parseCustomHeaders('  \t ')).toEqual({});
  });

  test('name=value pairs separated by spaces; double quotes keep spaces, \\" and \\\\ escape', () => {
    expect(
      parseCustomHeaders(
        '  X-Org=acme   CF-Access-Client-Id=abc.access\tX-Note="two words" X-Quote="say \\"hi\\" \\\\o/" ',
      ),
    ).toEqual({
      'X-Org': 'acme',
      'CF-Access-Client-Id': 'abc.access',
      'X-Note': 'two words',
      'X-Quote': 'say "hi" \\o/',
    });
    // "=" inside a value is part of it (base64 padding).
    expect(parseCustomHeaders('X-Key=YWJj==')).toEqual({ 'X-Key': 'YWJj==' });
  });

  const SECRET = 's3cr3t-value';
  test.each([
    [SECRET, 'entry 1 has no "=" (write name=value pairs separated by spaces'],
    [`X-Note=two ${SECRET}`, 'entry 2 has no "="'],
    [`=${SECRET}`, 'entry 1 has no name before "="'],
    [`X:Bad=${SECRET}`, 'entry 1: its name is not an HTTP header name'],
    ['X-Empty=', 'entry 1 (X-Empty) has an empty value'],
    ['X-Empty=""', 'entry 1 (X-Empty) has an empty value'],
    [`X-Open="${SECRET}`, "entry 1 (X-Open): its value's opening quote is never closed"],
    [`X-Glued="${SECRET}"more`, 'entry 1 (X-Glued): a space must follow the closing quote'],
    [
      `X-Injected="${SECRET}\r\nX-Evil: 1"`,
      'entry 1 (X-Injected): its value holds a control character',
    ],
    [`X-Nul="a\u0000${SECRET}"`, 'entry 1 (X-Nul): its value holds a control character'],
    [`X-Org=a x-org=${SECRET}`, 'entry 2 (x-org): x-org is given twice'],
    [
      `Authorization="Bearer ${SECRET}"`,
      'entry 1 (Authorization): Authorization is set by Burrow itself',
    ],
    [`user-agent=${SECRET}`, 'entry 1 (user-agent): user-agent is set by Burrow itself'],
    [`Host=${SECRET}`, 'entry 1 (Host): Host is set by Burrow itself'],
  ])('%j is refused with a reason that quotes no value', (text, reason) => {
    const parsed = parseCustomHeaders(text);
    expect(typeof parsed).toBe('string');
    expect(parsed).toContain(reason);
    expect(parsed).not.toContain(SECRET);
    expect(parsed).not.toMatch(/[\r\n]/);
  });
});
