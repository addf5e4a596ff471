/** LOGIN_SETTINGS names the environment variables resolveAuthFromEnv reads, and blank flags are unset. */
import { describe, expect, it } from '@jest/globals';
import { LOGIN_SETTINGS, resolveAuthFromEnv } from '../src/index.ts';

describe('LOGIN_SETTINGS', () => {
  it('names the variables resolveAuthFromEnv reads for token and universal auth', () => {
    expect(resolveAuthFromEnv({}, { [LOGIN_SETTINGS.token.env]: 't-1' })).toEqual({
      method: 'token',
      token: 't-1',
    });
    expect(
      resolveAuthFromEnv(
        {},
        {
          [LOGIN_SETTINGS.authMethod.env]: 'universal-auth',
          [LOGIN_SETTINGS.clientId.env]: 'id',
          [LOGIN_SETTINGS.clientSecret.env]: 'secret',
          [LOGIN_SETTINGS.organizationSlug.env]: 'acme',
        },
      ),
    ).toEqual({
      method: 'universal-auth',
      clientId: 'id',
      clientSecret: 'secret',
      organizationSlug: 'acme',
    });
  });

  it('treats blank flags as unset and trims the others (what relay and gateway pass through)', () => {
    expect(
      resolveAuthFromEnv(
        { authMethod: ' ', token: '  t-2 ' },
        { [LOGIN_SETTINGS.token.env]: 'env' },
      ),
    ).toEqual({ method: 'token', token: 't-2' });
    expect(resolveAuthFromEnv({ token: '' }, { [LOGIN_SETTINGS.token.env]: 'env' })).toEqual({
      method: 'token',
      token: 'env',
    });
  });
});
