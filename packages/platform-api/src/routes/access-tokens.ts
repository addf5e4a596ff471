import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { AccessTokenGrant, errorResponses } from '../schemas/common.ts';

/**
 * Any access token, whatever method issued it (reference §7):
 *   POST /api/v1/auth/token/renew  {accessToken} → grant with the new expiresIn (same token)
 *   POST /api/v1/auth/token/revoke {accessToken} → {message}
 * A revoked, expired or max-TTL-exhausted token answers 401.
 */
const AccessTokenBody = Type.Object({
  accessToken: Type.String({ minLength: 1, maxLength: 512 }),
});

export const renewAccessToken = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/token/renew',
  auth: 'none',
  tags: ['access-tokens'],
  summary: 'Renew an access token',
  body: AccessTokenBody,
  response: { 200: AccessTokenGrant, ...errorResponses },
});

export const revokeAccessToken = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/token/revoke',
  auth: 'none',
  tags: ['access-tokens'],
  summary: 'Revoke an access token',
  body: AccessTokenBody,
  response: { 200: Type.Object({ message: Type.String() }), ...errorResponses },
});
