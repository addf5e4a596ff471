import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PamPasswordRotation, RotationView } from '../services/pam-password-rotation.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * PAM password rotation (contract: @burrow/platform-api routes/pam-account-rotation.ts). A
 * refused rotation is answered 200 with `rotationStatus: "failed"` and the reason; no password
 * is ever answered or logged.
 */
function rotationJson({ account, rotation }: RotationView) {
  return {
    accountId: account.id,
    accountPath: account.path,
    rotationEnabled: rotation.enabled,
    rotationIntervalSeconds: rotation.intervalSeconds,
    lastRotatedAt: isoTime(rotation.lastRotatedAt),
    rotationStatus: rotation.status,
    lastRotationMessage: rotation.message,
    nextRotationAt: isoTime(rotation.nextRotationAt),
  };
}

export const pamAccountRotationPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  rotation: PamPasswordRotation;
}> = async (app, { authenticate, rotation }) => {
  app.route({
    ...declaredRoute(routes.getPamAccountRotation),
    handler: async (request) => ({
      rotation: rotationJson(rotation.get(authenticate(request), request.params.accountId)),
    }),
  });

  app.route({
    ...declaredRoute(routes.updatePamAccountRotation),
    handler: async (request) => {
      const view = rotation.setSchedule(
        authenticate(request),
        request.params.accountId,
        request.body,
      );
      request.log.info(
        {
          accountId: view.account.id,
          enabled: view.rotation.enabled,
          intervalSeconds: view.rotation.intervalSeconds,
        },
        'PAM account rotation schedule set',
      );
      return { rotation: rotationJson(view) };
    },
  });

  app.route({
    ...declaredRoute(routes.rotatePamAccountPassword),
    handler: async (request) => {
      const view = await rotation.rotateNow(authenticate(request), request.params.accountId);
      request.log.info(
        { accountId: view.account.id, status: view.rotation.status, reason: view.rotation.message },
        'PAM account password rotation',
      );
      return { rotation: rotationJson(view) };
    },
  });
};
