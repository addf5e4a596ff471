import { describe, expect, it } from '@jest/globals';
import { controlPlaneEnvironment, resolveApiUrl } from '../src/index.ts';

const env = {
  INFISICAL_DOMAIN: 'https://domain.example.com',
  INFISICAL_API_URL: 'https://api-url.example.com',
  INFISICAL_CUSTOM_HEADERS: 'X-Org=acme',
};

describe('controlPlaneEnvironment (what systemd install writes)', () => {
  it.each([
    ['a typed --domain', 'https://typed.example.com', env],
    ['INFISICAL_DOMAIN over INFISICAL_API_URL', undefined, env],
    ['INFISICAL_API_URL alone', undefined, { INFISICAL_API_URL: env.INFISICAL_API_URL }],
  ])('%s: start reads back the address install chose', (_case, domainFlag, given) => {
    const written = controlPlaneEnvironment(domainFlag, given);
    expect(resolveApiUrl(undefined, written)).toBe(resolveApiUrl(domainFlag, given));
    expect(Object.keys(written).filter((key) => key !== 'INFISICAL_CUSTOM_HEADERS')).toHaveLength(
      1,
    );
  });

  it('keeps INFISICAL_CUSTOM_HEADERS and writes nothing that was not given', () => {
    expect(controlPlaneEnvironment(undefined, env).INFISICAL_CUSTOM_HEADERS).toBe('X-Org=acme');
    expect(controlPlaneEnvironment(undefined, {})).toEqual({});
  });
});
