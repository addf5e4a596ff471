import { Type } from 'typebox';

/**
 * JSON schemas shared by several routes. Names follow the reference API's JSON.
 */
export const ErrorResponse = Type.Object(
  {
    reqId: Type.String(),
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
  },
  { $id: 'ErrorResponse', description: 'Every 4xx/5xx answer' },
);

export const errorResponses = {
  400: Type.Ref('ErrorResponse'),
  401: Type.Ref('ErrorResponse'),
  403: Type.Ref('ErrorResponse'),
  404: Type.Ref('ErrorResponse'),
};

/** Slugs for relay and gateway names (reference: 1–32 characters). */
export const Slug = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$',
  description: 'lowercase letters, digits, "-" and "_"; 1-32 characters',
});

export const Uuid = Type.String({ format: 'uuid' });

export const Ttl = Type.Integer({ minimum: 0, maximum: 315_360_000 });

export const TrustedIp = Type.Object({
  ipAddress: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.Integer()),
});

export const AccessTokenGrant = Type.Object({
  accessToken: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds until expiry; 0 = no expiry' }),
  accessTokenMaxTTL: Type.Integer(),
  tokenType: Type.Literal('Bearer'),
});

export const bearerAuth = [{ bearerAuth: [] }];

/** Epoch ms → ISO string (null stays null). */
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
