import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Port, Slug, Uuid } from '../schemas/common.ts';
import { GatewayRegistration } from './gateways.ts';
import { RelayHeartbeat, RelayJson, RelayRegistration } from './relays.ts';

/**
 * Enrolled gateways and relays (reference §3.2, §3.5, §5.1, §5.2, §7 "Resource auth"): an admin
 * creates the gateway or relay with the token auth method and mints a one-time enrollment token;
 * the gateway or relay trades it for a resource access token (a JWT naming only itself) and
 * connects with that instead of a machine identity.
 *
 *   POST /api/v3/gateways {name, authMethod:{method:"token"}}                       (admin)
 *   POST /api/v3/gateways/:gatewayId/token-auth/generate-enrollment-token → {token, expiresAt}
 *   POST /api/v3/gateways/:gatewayId/revoke → {method}   (every access token of it stops working)
 *   POST /api/v3/gateways/token-auth/enroll {token} → {accessToken, gatewayId, tokenType:"Bearer"}
 *   POST /api/v3/gateways/connect {relayName?}        (gateway access token) → registration
 *
 *   POST /api/v2/relays {name, host, authMethod:{method:"token"}, sshPort?, tlsPort?}  (admin)
 *   POST /api/v2/relays/:relayId/token-auth/generate-enrollment-token → {token, expiresAt}
 *   POST /api/v2/relays/:relayId/revoke → {method}
 *   POST /api/v2/relays/login {method:"token", token} → {accessToken, relayId, tokenType:"Bearer"}
 *   POST /api/v2/relays/connect  (relay access token; Burrow: optional {host?, sshPort?, tlsPort?})
 *   POST /api/v2/relays/heartbeat (relay access token)
 *
 * An enrollment token lives one hour, works once, and minting a new one voids the older ones.
 * Enroll and login allow 10 requests a minute per client address (429 beyond). The reference's
 * `aws` method is part of the schema and refused (400, not built in Burrow).
 */
const TokenAuthMethod = Type.Object({ method: Type.Literal('token') });
const AwsAuthMethod = Type.Object(
  { method: Type.Literal('aws') },
  { additionalProperties: true, description: 'the reference’s AWS method: not built in Burrow' },
);
const AuthMethodInput = Type.Union([TokenAuthMethod, AwsAuthMethod]);

const AuthMethodView = Type.Object({
  method: Type.Literal('token'),
  config: Type.Object({}),
});

export const EnrolledGatewayJson = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  identityId: Type.String(),
  name: Type.String(),
  relayId: Type.Union([Type.String(), Type.Null()]),
  heartbeat: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  authMethod: AuthMethodView,
});

export const EnrolledRelayJson = Type.Object({
  ...RelayJson.properties,
  authMethod: AuthMethodView,
});

export const EnrollmentToken = Type.Object({
  token: Type.String({ minLength: 1 }),
  expiresAt: Type.String({ description: 'ISO time; one hour after minting' }),
});

const RevokedAccess = Type.Object({ method: Type.String() });

/** Enroll and login answer 429 after 10 requests a minute from one address. */
const loginErrors = { ...errorResponses, 429: ErrorResponseRef };

export const createEnrolledGateway = defineRoute({
  method: 'POST',
  path: '/api/v3/gateways',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Create a gateway that enrolls with a one-time token instead of an identity',
  body: Type.Object({ name: Slug, authMethod: AuthMethodInput }),
  response: { 200: EnrolledGatewayJson, ...errorResponses },
});

export const generateGatewayEnrollmentToken = defineRoute({
  method: 'POST',
  path: '/api/v3/gateways/:gatewayId/token-auth/generate-enrollment-token',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Mint a one-time, one-hour enrollment token for the gateway (voids older ones)',
  params: Type.Object({ gatewayId: Uuid }),
  response: { 200: EnrollmentToken, ...errorResponses },
});

export const revokeGatewayAccess = defineRoute({
  method: 'POST',
  path: '/api/v3/gateways/:gatewayId/revoke',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Void every access token and enrollment token of the gateway',
  params: Type.Object({ gatewayId: Uuid }),
  response: { 200: RevokedAccess, ...errorResponses },
});

export const enrollGateway = defineRoute({
  method: 'POST',
  path: '/api/v3/gateways/token-auth/enroll',
  auth: 'none',
  tags: ['gateways'],
  summary: 'Trade a gateway enrollment token for the gateway’s access token (once)',
  body: Type.Object({ token: Type.String({ minLength: 1 }) }),
  response: {
    200: Type.Object({
      accessToken: Type.String(),
      gatewayId: Type.String(),
      tokenType: Type.Literal('Bearer'),
    }),
    ...loginErrors,
  },
});

export const connectGateway = defineRoute({
  method: 'POST',
  path: '/api/v3/gateways/connect',
  auth: 'resource-token',
  tags: ['gateways'],
  summary: 'The enrolled gateway registers with a relay (the stored one when none is named)',
  body: Type.Object({ relayName: Type.Optional(Slug) }),
  response: { 200: GatewayRegistration, ...errorResponses },
});

export const createEnrolledRelay = defineRoute({
  method: 'POST',
  path: '/api/v2/relays',
  auth: 'identity',
  tags: ['relays'],
  summary: 'Create an org relay that enrolls with a one-time token instead of an identity',
  body: Type.Object({
    name: Slug,
    host: Type.String({ minLength: 1, maxLength: 253 }),
    authMethod: AuthMethodInput,
    sshPort: Type.Optional(Port),
    tlsPort: Type.Optional(Port),
  }),
  response: { 200: EnrolledRelayJson, ...errorResponses },
});

export const generateRelayEnrollmentToken = defineRoute({
  method: 'POST',
  path: '/api/v2/relays/:relayId/token-auth/generate-enrollment-token',
  auth: 'identity',
  tags: ['relays'],
  summary: 'Mint a one-time, one-hour enrollment token for the relay (voids older ones)',
  params: Type.Object({ relayId: Uuid }),
  response: { 200: EnrollmentToken, ...errorResponses },
});

export const revokeRelayAccess = defineRoute({
  method: 'POST',
  path: '/api/v2/relays/:relayId/revoke',
  auth: 'identity',
  tags: ['relays'],
  summary: 'Void every access token and enrollment token of the relay',
  params: Type.Object({ relayId: Uuid }),
  response: { 200: RevokedAccess, ...errorResponses },
});

export const relayLogin = defineRoute({
  method: 'POST',
  path: '/api/v2/relays/login',
  auth: 'none',
  tags: ['relays'],
  summary: 'Trade a relay enrollment token for the relay’s access token (once)',
  body: Type.Union([
    Type.Object({ method: Type.Literal('token'), token: Type.String({ minLength: 1 }) }),
    AwsAuthMethod,
  ]),
  response: {
    200: Type.Object({
      accessToken: Type.String(),
      relayId: Type.String(),
      tokenType: Type.Literal('Bearer'),
    }),
    ...loginErrors,
  },
});

export const connectRelay = defineRoute({
  method: 'POST',
  path: '/api/v2/relays/connect',
  auth: 'resource-token',
  tags: ['relays'],
  summary: 'The enrolled relay gets its certificates (Burrow: may move its host and ports)',
  body: Type.Object({
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    sshPort: Type.Optional(Port),
    tlsPort: Type.Optional(Port),
  }),
  response: { 200: RelayRegistration, ...errorResponses },
});

export const relayHeartbeat = defineRoute({
  method: 'POST',
  path: '/api/v2/relays/heartbeat',
  auth: 'resource-token',
  tags: ['relays'],
  summary: 'Enrolled relay heartbeat: probe the relay, then record it',
  response: { 200: RelayHeartbeat, ...errorResponses },
});
