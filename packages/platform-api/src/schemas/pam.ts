import { Type } from 'typebox';

/**
 * JSON schemas shared by the PAM routes.
 */

/** A resource or account name: like a slug, up to 64 characters. */
export const PamName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$',
  description: 'lowercase letters, digits, "-" and "_"; 1-64 characters',
});

/** A folder path of such names: `prod`, `prod/eu`; '' or absent = the root folder. */
export const PamFolderPath = Type.String({
  maxLength: 190,
  pattern: '^([a-z0-9]([a-z0-9_-]*[a-z0-9])?(/[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*)?$',
});

export const PamConnectionDetailsJson = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  database: Type.String({ minLength: 1, maxLength: 63 }),
  sslEnabled: Type.Optional(Type.Boolean()),
  sslRejectUnauthorized: Type.Optional(Type.Boolean()),
  sslCertificate: Type.Optional(Type.String({ maxLength: 65536 })),
});

export const PamResourceJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  resourceType: Type.String(),
  gatewayId: Type.String(),
  connectionDetails: PamConnectionDetailsJson,
  createdAt: Type.String(),
});

export const PamAccountJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  path: Type.String(),
  folderPath: Type.String(),
  resourceId: Type.String(),
  resourceType: Type.String(),
  username: Type.String(),
  createdAt: Type.String(),
});

export const PamSessionStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('ended'),
  Type.Literal('expired'),
]);

export const PamSessionJson = Type.Object({
  id: Type.String(),
  accountPath: Type.String(),
  resourceType: Type.String(),
  status: PamSessionStatus,
  reason: Type.Union([Type.String(), Type.Null()]),
  identityId: Type.String(),
  gatewayId: Type.String(),
  createdAt: Type.String(),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.String(),
  eventCount: Type.Integer(),
});
