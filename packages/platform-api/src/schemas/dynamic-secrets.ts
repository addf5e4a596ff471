import { Type } from 'typebox';

/**
 * JSON schemas shared by the dynamic-secret, lease, audit-log and PAM rotation routes (issue 17).
 * Field names follow the reference API (Infisical's `/api/v1/dynamic-secrets`): a dynamic secret
 * has a `provider {type, inputs}`, `defaultTTL` and `maxTTL` as duration strings ("1h"); a lease
 * has `expireAt`, `externalEntityId` (the database role) and `status` / `statusDetails`.
 */

/** A dynamic secret's name: a slug, unique in the organization ("leases"/"grants" are taken by routes). */
export const DynamicSecretName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^(?!(leases|grants)$)[a-z0-9]([a-z0-9_-]*[a-z0-9])?$',
  description: 'lowercase letters, digits, "-" and "_"; 1-64 characters; not "leases" or "grants"',
});

/** A duration as the reference writes it: "30s", "15m", "1h", "7d" (or plain seconds, "3600"). */
export const DurationString = Type.String({
  minLength: 1,
  maxLength: 16,
  pattern: '^[0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d|w)?$',
  description: 'a duration: 30s, 15m, 1h, 7d; a bare number is seconds',
});

/** A SQL statement template; `{{username}}`, `{{password}}`, `{{expiration}}`, `{{database}}` are filled in. */
export const StatementTemplate = Type.String({ minLength: 1, maxLength: 16_384 });

/**
 * The inputs of the `sql-database` provider (PostgreSQL only, `client: "postgres"`): where the
 * database is (reached through `gatewayId`), the admin credentials the control plane creates and
 * drops roles with (the password is sealed at rest and never answered), and the statements.
 */
export const SqlDatabaseInputs = Type.Object({
  client: Type.Literal('postgres'),
  gatewayId: Type.String({ format: 'uuid' }),
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  database: Type.String({ minLength: 1, maxLength: 63 }),
  username: Type.String({ minLength: 1, maxLength: 63 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
  creationStatement: Type.Optional(StatementTemplate),
  revocationStatement: Type.Optional(StatementTemplate),
  renewStatement: Type.Optional(StatementTemplate),
  /** PEM of the CA the database's TLS certificate chains to; absent = no TLS to the database. */
  ca: Type.Optional(Type.String({ maxLength: 65_536 })),
});

export const SqlDatabaseProvider = Type.Object({
  type: Type.Literal('sql-database'),
  inputs: SqlDatabaseInputs,
});

/** What is answered about the inputs: everything but the admin password. */
export const SqlDatabaseInputsJson = Type.Object({
  client: Type.Literal('postgres'),
  gatewayId: Type.String(),
  host: Type.String(),
  port: Type.Integer(),
  database: Type.String(),
  username: Type.String(),
  creationStatement: Type.String(),
  revocationStatement: Type.String(),
  renewStatement: Type.String(),
  ca: Type.Optional(Type.String()),
});

export const DynamicSecretJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.Literal('sql-database'),
  defaultTTL: Type.String(),
  maxTTL: Type.Union([Type.String(), Type.Null()]),
  inputs: SqlDatabaseInputsJson,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

/**
 * A lease's state: `active` until it is revoked or expires; `revocation pending` when the revoke
 * statement could not run yet (gateway or database down) and the control plane retries with
 * backoff (`statusDetails` says why, `nextRevocationAttemptAt` when); `revoked` at the end.
 */
export const LeaseStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('revocation pending'),
  Type.Literal('revoked'),
]);

export const DynamicSecretLeaseJson = Type.Object({
  id: Type.String(),
  dynamicSecretId: Type.String(),
  dynamicSecretName: Type.String(),
  /** The database role the lease created. */
  externalEntityId: Type.String(),
  /** Who took the lease. */
  identityId: Type.String(),
  status: LeaseStatus,
  statusDetails: Type.Union([Type.String(), Type.Null()]),
  /** Renewals so far + 1. */
  version: Type.Integer(),
  expireAt: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  revocationAttempts: Type.Integer(),
  nextRevocationAttemptAt: Type.Union([Type.String(), Type.Null()]),
});

/** The credentials a lease returns once, at creation (never stored, never answered again). */
export const SqlDatabaseLeaseData = Type.Object({
  DB_USERNAME: Type.String(),
  DB_PASSWORD: Type.String(),
  DB_HOST: Type.String(),
  DB_PORT: Type.Integer(),
  DB_NAME: Type.String(),
});

export const DynamicSecretGrantJson = Type.Object({
  id: Type.String(),
  dynamicSecretId: Type.String(),
  dynamicSecretName: Type.String(),
  identityId: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

/** One audit event: who did what to which object, when, and how it ended. */
export const AuditLogJson = Type.Object({
  id: Type.String(),
  /** e.g. `create-dynamic-secret-lease`, `revoke-dynamic-secret-lease`, `rotate-pam-account-password`. */
  eventType: Type.String(),
  actor: Type.Object({
    /** `identity` (a person or machine identity) or `platform` (the control plane's own schedule). */
    type: Type.Union([Type.Literal('identity'), Type.Literal('platform')]),
    identityId: Type.Union([Type.String(), Type.Null()]),
    name: Type.Union([Type.String(), Type.Null()]),
  }),
  /** What the event is about: `dynamic-secret-lease`, `dynamic-secret`, `pam-account`. */
  resourceType: Type.String(),
  resourceId: Type.String(),
  /** A readable name of the resource (the dynamic secret's name, the PAM account's path). */
  resourceName: Type.String(),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  /** Why it failed, or extra facts (role name, new expiry); never a secret. */
  details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])),
  createdAt: Type.String(),
});

/** A PAM account's password rotation: schedule and last outcome. */
export const PamAccountRotationJson = Type.Object({
  accountId: Type.String(),
  accountPath: Type.String(),
  rotationEnabled: Type.Boolean(),
  /** Seconds between scheduled rotations; null = on demand only. */
  rotationIntervalSeconds: Type.Union([Type.Integer(), Type.Null()]),
  lastRotatedAt: Type.Union([Type.String(), Type.Null()]),
  /** `success` / `failed` of the last attempt; null before the first. */
  rotationStatus: Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Null()]),
  /** Why the last attempt failed (the old password still works), or null. */
  lastRotationMessage: Type.Union([Type.String(), Type.Null()]),
  nextRotationAt: Type.Union([Type.String(), Type.Null()]),
});
