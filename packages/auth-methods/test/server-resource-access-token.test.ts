import { describe, expect, it } from '@jest/globals';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import type { AuthError } from '../src/index.ts';
import {
  isResourceAccessTokenShape,
  resourceTokenKey,
  signResourceAccessToken,
  verifyResourceAccessToken,
} from '../src/index.ts';

/** jose is the independent judge: it must accept what we sign, and we what it signs with our key. */
const key = resourceTokenKey(Buffer.alloc(32, 7));
const gatewayClaims = {
  type: 'gateway' as const,
  resourceId: '11111111-1111-4111-8111-111111111111',
  orgId: '22222222-2222-4222-8222-222222222222',
  tokenVersion: 1,
};

function refused(token: string, withKey = key): AuthError {
  try {
    verifyResourceAccessToken(withKey, token);
  } catch (error) {
    return error as AuthError;
  }
  throw new Error('token was accepted');
}

describe('resource access token', () => {
  it('is a JWT with the reference claims that jose verifies', async () => {
    const token = signResourceAccessToken(key, gatewayClaims);
    const { payload, protectedHeader } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({
      gatewayId: gatewayClaims.resourceId,
      orgId: gatewayClaims.orgId,
      authTokenType: 'GATEWAY_ACCESS_TOKEN',
      tokenVersion: 1,
    });
    expect(verifyResourceAccessToken(key, token)).toEqual(gatewayClaims);
  });

  it('names a relay with relayId and RELAY_ACCESS_TOKEN', () => {
    const token = signResourceAccessToken(key, { ...gatewayClaims, type: 'relay' });
    expect(decodeJwt(token)).toMatchObject({
      relayId: gatewayClaims.resourceId,
      authTokenType: 'RELAY_ACCESS_TOKEN',
    });
    expect(verifyResourceAccessToken(key, token).type).toBe('relay');
  });

  it('accepts a token jose signed with the same key and header', async () => {
    const token = await new SignJWT({
      relayId: 'r',
      orgId: 'o',
      authTokenType: 'RELAY_ACCESS_TOKEN',
      tokenVersion: 3,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key);
    expect(verifyResourceAccessToken(key, token)).toEqual({
      type: 'relay',
      resourceId: 'r',
      orgId: 'o',
      tokenVersion: 3,
    });
  });

  it('refuses another key, a changed payload, alg none and a wrong token type', async () => {
    const token = signResourceAccessToken(key, gatewayClaims);
    expect(refused(token, resourceTokenKey(Buffer.alloc(32, 8))).code).toBe('INVALID_CREDENTIALS');

    const [header, , signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        gatewayId: 'other',
        orgId: gatewayClaims.orgId,
        authTokenType: 'GATEWAY_ACCESS_TOKEN',
        tokenVersion: 1,
      }),
    ).toString('base64url');
    expect(refused(`${header}.${forged}.${signature}`).httpStatus).toBe(401);

    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = token.split('.')[1];
    expect(refused(`${none}.${payload}.`).code).toBe('INVALID_CREDENTIALS');
    expect(refused(`${none}.${payload}.${signature}`).code).toBe('INVALID_CREDENTIALS');

    const identityType = await new SignJWT({ gatewayId: 'g', orgId: 'o', tokenVersion: 1 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key);
    expect(refused(identityType).code).toBe('INVALID_CREDENTIALS');
    expect(refused('not-a-jwt').code).toBe('INVALID_CREDENTIALS');
  });
});

describe('isResourceAccessTokenShape', () => {
  it('tells a JWT from an identity access token', () => {
    expect(isResourceAccessTokenShape(signResourceAccessToken(key, gatewayClaims))).toBe(true);
    expect(isResourceAccessTokenShape(`burrow.at.${'a'.repeat(64)}`)).toBe(false);
    expect(isResourceAccessTokenShape('a.b.c')).toBe(false);
  });
});
