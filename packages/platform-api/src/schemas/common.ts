import { Type } from 'typebox';

/**
 * JSON schemas shared by several routes. Names follow the reference API's JSON.
 */

/** Every 4xx/5xx answer: `{reqId, statusCode, error, message}` (Infisical's shape). */
export const ErrorResponse = Type.Object(
  {
    reqId: Type.String(),
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
  },
  { $id: 'ErrorResponse', description: 'Every 4xx/5xx answer' },
);

/** A reference to {@link ErrorResponse}, which the server registers once under its `$id`. */
export const ErrorResponseRef = Type.Ref('ErrorResponse');

/** The error answers every API route may give. */
export const errorResponses = {
  400: ErrorResponseRef,
  401: ErrorResponseRef,
  403: ErrorResponseRef,
  404: ErrorResponseRef,
};

/** Slugs for relay and gateway names (reference: 1–32 characters). */
export const Slug = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$',
  description: 'lowercase letters, digits, "-" and "_"; 1-32 characters',
});

export const Uuid = Type.String({ format: 'uuid' });

/** Seconds; at most ten years. */
export const Ttl = Type.Integer({ minimum: 0, maximum: 315_360_000 });

export const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const TrustedIp = Type.Object({
  ipAddress: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.Integer()),
});

/** What every login and token call answers. */
export const AccessTokenGrant = Type.Object({
  accessToken: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds until expiry; 0 = no expiry' }),
  accessTokenMaxTTL: Type.Integer(),
  tokenType: Type.Literal('Bearer'),
});
