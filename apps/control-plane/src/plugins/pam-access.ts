import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { bearerAuth, errorResponses } from '../app/common-schemas.ts';
import { grantPamAccess } from '../services/pam-access.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * PAM access (docs/pam-contract.md, reference §8.1):
 *   POST /api/v1/pam/accounts/access (member) {path, duration:"3600000ms"|"1h", reason?}
 *        → {sessionId, accountType, resourceType, metadata:{username, database, accountName,
 *           resourceName}, relayHost, relayClientCertificate, relayClientPrivateKey,
 *           relayServerCertificateChain, gatewayClientCertificate, gatewayClientPrivateKey,
 *           gatewayServerCertificateChain}
 * Certificates live exactly the session's duration (at most 24 h); see services/pam-access.ts.
 */
const AccessResponse = Type.Object({
  sessionId: Type.String(),
  accountType: Type.String(),
  resourceType: Type.String(),
  metadata: Type.Object({
    username: Type.String(),
    database: Type.String(),
    accountName: Type.String(),
    resourceName: Type.String(),
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

export const pamAccessPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.post(
    '/api/v1/pam/accounts/access',
    {
      schema: {
        tags: ['pam'],
        summary: 'Open a PAM session on an account: certificates to reach its gateway',
        security: bearerAuth,
        body: Type.Object({
          path: Type.String({ minLength: 1, maxLength: 255 }),
          duration: Type.String({ minLength: 1, maxLength: 32 }),
          reason: Type.Optional(Type.String({ maxLength: 1000 })),
        }),
        response: {
          200: AccessResponse,
          409: Type.Ref('ErrorResponse'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const grant = await grantPamAccess(context, caller, request.body);
      request.log.info(
        { sessionId: grant.sessionId, path: request.body.path, identityId: caller.id },
        'PAM session opened',
      );
      return grant;
    },
  );
};
