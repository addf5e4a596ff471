import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses } from '../schemas/common.ts';

/**
 * PAM access (reference §8.1):
 *   POST /api/v1/pam/accounts/access (member with a grant on the account or its folder, admin)
 *        {path, duration:"3600000ms"|"1h", reason?}
 *        → {sessionId, accountType, resourceType, metadata:{username, database?, accountName,
 *           resourceName}, relayHost, relayClientCertificate, relayClientPrivateKey,
 *           relayServerCertificateChain, gatewayClientCertificate, gatewayClientPrivateKey,
 *           gatewayServerCertificateChain, relays?:[…]}
 * Certificates live exactly the session's duration (at most 24 h).
 */
export const PamAccessGrant = Type.Object({
  sessionId: Type.String(),
  /** Burrow always sends these; callers read them as optional (reference platforms vary). */
  accountType: Type.Optional(Type.String()),
  resourceType: Type.String(),
  metadata: Type.Object({
    username: Type.Optional(Type.String()),
    /** postgres resources only. */
    database: Type.Optional(Type.String()),
    /** http and kubernetes resources: the target's origin (what the local listener stands for). */
    url: Type.Optional(Type.String()),
    accountName: Type.Optional(Type.String()),
    resourceName: Type.Optional(Type.String()),
  }),
  relayHost: Type.String(),
  relayClientCertificate: Type.String(),
  relayClientPrivateKey: Type.String(),
  relayServerCertificateChain: Type.String(),
  gatewayClientCertificate: Type.String(),
  gatewayClientPrivateKey: Type.String(),
  gatewayServerCertificateChain: Type.String(),
  relays: Type.Optional(
    Type.Array(
      Type.Object({
        relayHost: Type.String(),
        relayClientCertificate: Type.String(),
        relayClientPrivateKey: Type.String(),
        relayServerCertificateChain: Type.String(),
      }),
      {
        description:
          'Every relay that holds the gateway, in the order to try them (Burrow HA); the first is relayHost/relayClient*',
      },
    ),
  ),
});

export const accessPamAccount = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/accounts/access',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Open a PAM session on an account: certificates to reach its gateway',
  body: Type.Object({
    path: Type.String({ minLength: 1, maxLength: 255 }),
    duration: Type.String({ minLength: 1, maxLength: 32 }),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
  }),
  response: {
    200: PamAccessGrant,
    409: ErrorResponseRef,
    ...errorResponses,
  },
});
