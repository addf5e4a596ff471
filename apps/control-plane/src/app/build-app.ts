import { ErrorResponse, SECURITY_SCHEMES } from '@burrow/platform-api';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createLogger, type DestinationStream } from '@burrow/observability';
import Fastify, { type FastifyInstance } from 'fastify';
import { accessTokensPlugin } from '../plugins/access-tokens.ts';
import { awsAuthPlugin } from '../plugins/aws-auth.ts';
import { azureAuthPlugin } from '../plugins/azure-auth.ts';
import { gcpAuthPlugin } from '../plugins/gcp-auth.ts';
import { jwtAuthPlugin } from '../plugins/jwt-auth.ts';
import { kubernetesAuthPlugin } from '../plugins/kubernetes-auth.ts';
import { oidcAuthPlugin } from '../plugins/oidc-auth.ts';
import { adminBootstrapPlugin } from '../plugins/admin-bootstrap.ts';
import { gatewaysPlugin } from '../plugins/gateways.ts';
import { gatewayPamSessionKeyPlugin } from '../plugins/gateway-pam-session-key.ts';
import { auditLogsPlugin } from '../plugins/audit-logs.ts';
import { dynamicSecretLeasesPlugin } from '../plugins/dynamic-secret-leases.ts';
import { dynamicSecretsPlugin } from '../plugins/dynamic-secrets.ts';
import { pamAccessPlugin } from '../plugins/pam-access.ts';
import { pamAccountRotationPlugin } from '../plugins/pam-account-rotation.ts';
import { pamAccountsPlugin } from '../plugins/pam-accounts.ts';
import { pamGrantsPlugin } from '../plugins/pam-grants.ts';
import { pamResourcesPlugin } from '../plugins/pam-resources.ts';
import { pamSessionsPlugin } from '../plugins/pam-sessions.ts';
import { healthPlugin } from '../plugins/health.ts';
import { identitiesPlugin } from '../plugins/identities.ts';
import { relaysPlugin } from '../plugins/relays.ts';
import { resourceTokenAuthPlugin } from '../plugins/resource-token-auth.ts';
import { tokenAuthPlugin } from '../plugins/token-auth.ts';
import { universalAuthPlugin } from '../plugins/universal-auth.ts';
import { userSignInPlugin } from '../plugins/user-sign-in.ts';
import { consoleAssetsPlugin } from '../plugins/console-assets.ts';
import { requestAuthenticator } from '../plugins/authenticate.ts';
import { bootstrapInstance } from '../services/instance-bootstrap.ts';
import { startScheduleSweeper } from '../services/schedule-sweeper.ts';
import type { ControlPlaneContext } from './control-plane-context.ts';
import { errorHandler } from './error-handler.ts';

/**
 * The fastify app: one plugin per domain, each with schema-validated routes, OpenAPI at /docs
 * (JSON at /docs/json), Infisical-shaped errors, pino logs without secrets.
 *
 * @example
 *   const app = await buildApp(context, { logLevel: 'silent' });
 *   const res = await app.inject({ method: 'GET', url: '/healthz' });
 */
export interface BuildAppOptions {
  logLevel?: string;
  /** Where logs go (default stdout). */
  logStream?: DestinationStream;
  version?: string;
  /** Run the schedule (lease expiry, revocation retries, rotations); default true. */
  schedules?: boolean;
}

export type ControlPlaneApp = FastifyInstance;

export async function buildApp(
  context: ControlPlaneContext,
  options: BuildAppOptions = {},
): Promise<ControlPlaneApp> {
  const logger = createLogger({
    level: options.logLevel ?? 'info',
    destination: options.logStream,
  });
  const app = Fastify({
    loggerInstance: logger,
    // The reference CLI posts to "/login/" as well as "/login".
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // An empty body with Content-Type: application/json counts as `{}` (some clients send the
  // header on body-less POSTs); routes that need fields then fail validation naming them.
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') done(null, {});
    else defaultJsonParser(request, text, done);
  });
  // A POST without any body is validated as `{}` too, so optional-only bodies may be left out.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      reqId: request.id,
      statusCode: 404,
      error: 'Not Found',
      message: `Route ${request.method} ${request.url.split('?')[0]} not found`,
    });
  });
  app.addSchema(ErrorResponse);
  await app.register(fastifyCookie);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Burrow control plane',
        description:
          'Identities, login methods, certificate authorities, relays and gateways (Infisical-compatible paths).',
        version: options.version ?? '0.1.0',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(consoleAssetsPlugin);

  const { services } = context;
  const authenticate = requestAuthenticator(
    context.accessTokens,
    services.userAccounts,
    services.resourceTokens,
  );
  const providers = {
    secretBox: context.secretBox,
    jwks: context.jwks,
    identityProviders: context.identityProviders,
  };
  const loginMethodOptions = { authenticate, loginMethods: services.loginMethods, providers };
  await app.register(healthPlugin, {
    checkDatabase: () => void context.db.prepare('SELECT 1').get(),
  });
  await app.register(adminBootstrapPlugin, {
    bootstrap: (input) => bootstrapInstance(context, input),
  });
  const { revocation } = services;
  await app.register(userSignInPlugin, {
    authenticate,
    accounts: services.userAccounts,
    accessTokens: context.accessTokens,
    revocation,
  });
  await app.register(identitiesPlugin, {
    authenticate,
    directory: services.directory,
    revocation,
  });
  await app.register(universalAuthPlugin, {
    authenticate,
    universalAuth: services.universalAuth,
    revocation,
  });
  await app.register(tokenAuthPlugin, { authenticate, tokenAuth: services.tokenAuth });
  await app.register(kubernetesAuthPlugin, loginMethodOptions);
  await app.register(awsAuthPlugin, loginMethodOptions);
  await app.register(gcpAuthPlugin, loginMethodOptions);
  await app.register(azureAuthPlugin, loginMethodOptions);
  await app.register(oidcAuthPlugin, loginMethodOptions);
  await app.register(jwtAuthPlugin, loginMethodOptions);
  await app.register(accessTokensPlugin, { accessTokens: context.accessTokens, revocation });
  await app.register(relaysPlugin, { authenticate, relays: services.relays, revocation });
  await app.register(gatewaysPlugin, { authenticate, gateways: services.gateways, revocation });
  await app.register(resourceTokenAuthPlugin, {
    authenticate,
    resourceTokens: services.resourceTokens,
    gateways: services.gateways,
    relays: services.relays,
  });
  await app.register(gatewayPamSessionKeyPlugin, { authenticate, gateways: services.gateways });
  await app.register(pamResourcesPlugin, { authenticate, catalog: services.pamCatalog });
  await app.register(pamAccountsPlugin, { authenticate, catalog: services.pamCatalog });
  await app.register(pamGrantsPlugin, { authenticate, grants: services.pamGrants });
  await app.register(pamAccessPlugin, { authenticate, pamAccess: services.pamAccess });
  await app.register(pamSessionsPlugin, {
    authenticate,
    sessions: services.pamSessions,
    revocation,
    recordings: services.pamRecordings,
  });

  await app.register(pamAccountRotationPlugin, { authenticate, rotation: services.pamRotation });
  await app.register(dynamicSecretsPlugin, { authenticate, secrets: services.dynamicSecrets });
  await app.register(dynamicSecretLeasesPlugin, {
    authenticate,
    leases: services.dynamicSecretLeases,
  });
  await app.register(auditLogsPlugin, { authenticate, audit: services.audit });

  // The control plane's own schedule: lease expiry and revocation retries, PAM rotations. It
  // reads its due times from the database, so a restart continues where the last run stopped.
  const sweeper =
    options.schedules === false
      ? undefined
      : startScheduleSweeper({
          jobs: [
            {
              runDue: (now) => services.dynamicSecretLeases.revokeDue(now),
              nextDueAt: () => services.dynamicSecretLeases.nextDueAt(),
            },
            services.pamRotation,
          ],
          onError: (error) => logger.warn({ err: String(error) }, 'scheduled work failed'),
        });
  if (sweeper) {
    services.dynamicSecretLeases.onScheduleChanged = () => sweeper.wake();
    services.pamRotation.onScheduleChanged = () => sweeper.wake();
  }

  app.addHook('onClose', () => {
    sweeper?.stop();
    context.db.close();
  });
  return app as unknown as ControlPlaneApp;
}
