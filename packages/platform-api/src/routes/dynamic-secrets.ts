import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';
import {
  DurationString,
  DynamicSecretGrantJson,
  DynamicSecretJson,
  DynamicSecretName,
  SqlDatabaseProvider,
  StatementTemplate,
} from '../schemas/dynamic-secrets.ts';

/**
 * Dynamic secrets (reference API `/api/v1/dynamic-secrets`, provider `sql-database`, PostgreSQL):
 *
 *   POST   /api/v1/dynamic-secrets (admin)
 *          {name, provider:{type:"sql-database", inputs:{client:"postgres", gatewayId, host, port,
 *           database, username, password, creationStatement?, revocationStatement?,
 *           renewStatement?, ca?}}, defaultTTL:"1h", maxTTL?:"24h"}
 *          → {dynamicSecret}. Before saving, the control plane connects to the database through
 *          the gateway with the admin credentials and runs the statements in a transaction it
 *          rolls back: a syntax error, an unknown table, a missing `{{username}}` or a database
 *          that is unreachable is a 400 now, not at the first lease. 409 when the name is taken.
 *   GET    /api/v1/dynamic-secrets → {dynamicSecrets:[…]} (admin, auditor: all; member: granted)
 *   GET    /api/v1/dynamic-secrets/:name → {dynamicSecret}
 *   PATCH  /api/v1/dynamic-secrets/:name (admin) {data:{defaultTTL?, maxTTL?, inputs?}} →
 *          {dynamicSecret}; changed statements are checked again the same way
 *   DELETE /api/v1/dynamic-secrets/:name (admin) → {dynamicSecret}; 409 while leases are not revoked
 *   POST   /api/v1/dynamic-secrets/:name/grants (admin) {identityId} → {grant}
 *   GET    /api/v1/dynamic-secrets/:name/grants (admin) → {grants:[…]}
 *   DELETE /api/v1/dynamic-secrets/:name/grants/:grantId (admin) → {grant}
 *
 * The reference's `projectSlug`, `environmentSlug` and `path` are accepted and ignored (Burrow
 * has one namespace per organization). The admin password is sealed at rest and never answered.
 */
const ReferenceScope = {
  projectSlug: Type.Optional(Type.String({ maxLength: 64 })),
  environmentSlug: Type.Optional(Type.String({ maxLength: 64 })),
  path: Type.Optional(Type.String({ maxLength: 256 })),
};

const NameParams = Type.Object({ name: DynamicSecretName });

export const createDynamicSecret = defineRoute({
  method: 'POST',
  path: '/api/v1/dynamic-secrets',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary:
    'Create a dynamic secret (PostgreSQL through a gateway); its statements are tested first',
  body: Type.Object({
    name: DynamicSecretName,
    provider: SqlDatabaseProvider,
    defaultTTL: DurationString,
    maxTTL: Type.Optional(Type.Union([DurationString, Type.Null()])),
    ...ReferenceScope,
  }),
  response: {
    200: Type.Object({ dynamicSecret: DynamicSecretJson }),
    409: ErrorResponseRef,
    ...errorResponses,
  },
});

export const listDynamicSecrets = defineRoute({
  method: 'GET',
  path: '/api/v1/dynamic-secrets',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Dynamic secrets: all for admins and auditors, the granted ones for members',
  querystring: Type.Object(ReferenceScope),
  response: {
    200: Type.Object({ dynamicSecrets: Type.Array(DynamicSecretJson) }),
    ...errorResponses,
  },
});

export const getDynamicSecret = defineRoute({
  method: 'GET',
  path: '/api/v1/dynamic-secrets/:name',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'One dynamic secret (no admin password)',
  params: NameParams,
  querystring: Type.Object(ReferenceScope),
  response: { 200: Type.Object({ dynamicSecret: DynamicSecretJson }), ...errorResponses },
});

export const updateDynamicSecret = defineRoute({
  method: 'PATCH',
  path: '/api/v1/dynamic-secrets/:name',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Change a dynamic secret’s TTLs, connection or statements (tested again)',
  params: NameParams,
  body: Type.Object({
    data: Type.Object({
      defaultTTL: Type.Optional(DurationString),
      maxTTL: Type.Optional(Type.Union([DurationString, Type.Null()])),
      inputs: Type.Optional(
        Type.Object({
          host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
          database: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
          username: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
          password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
          creationStatement: Type.Optional(StatementTemplate),
          revocationStatement: Type.Optional(StatementTemplate),
          renewStatement: Type.Optional(StatementTemplate),
        }),
      ),
    }),
    ...ReferenceScope,
  }),
  response: { 200: Type.Object({ dynamicSecret: DynamicSecretJson }), ...errorResponses },
});

export const deleteDynamicSecret = defineRoute({
  method: 'DELETE',
  path: '/api/v1/dynamic-secrets/:name',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Delete a dynamic secret that has no live lease',
  params: NameParams,
  response: {
    200: Type.Object({ dynamicSecret: DynamicSecretJson }),
    409: ErrorResponseRef,
    ...errorResponses,
  },
});

export const createDynamicSecretGrant = defineRoute({
  method: 'POST',
  path: '/api/v1/dynamic-secrets/:name/grants',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Let a member lease this dynamic secret',
  params: NameParams,
  body: Type.Object({ identityId: Uuid }),
  response: {
    200: Type.Object({ grant: DynamicSecretGrantJson }),
    409: ErrorResponseRef,
    ...errorResponses,
  },
});

export const listDynamicSecretGrants = defineRoute({
  method: 'GET',
  path: '/api/v1/dynamic-secrets/:name/grants',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Who may lease this dynamic secret (besides admins)',
  params: NameParams,
  response: { 200: Type.Object({ grants: Type.Array(DynamicSecretGrantJson) }), ...errorResponses },
});

export const deleteDynamicSecretGrant = defineRoute({
  method: 'DELETE',
  path: '/api/v1/dynamic-secrets/:name/grants/:grantId',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Take back a grant (leases already taken keep running until they expire or are revoked)',
  params: Type.Object({ name: DynamicSecretName, grantId: Uuid }),
  response: { 200: Type.Object({ grant: DynamicSecretGrantJson }), ...errorResponses },
});
