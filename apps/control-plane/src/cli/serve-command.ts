import {
  parseObservabilityListenAddress,
  startObservabilityServer,
  type ObservabilityServer,
} from '@burrow/observability';
import { Command, InvalidArgumentError, Option } from 'commander';
import { instrumentControlPlane } from '../app/control-plane-metrics.ts';
import { resolveServerConfig } from '../config/server-config.ts';
import { createControlPlane } from '../control-plane.ts';

/**
 * `burrow-control-plane serve`: runs the API until SIGINT/SIGTERM, then closes the server and
 * the database (a second signal exits at once).
 */
export function serveCommand(version: string): Command {
  return new Command('serve')
    .description('Run the control plane API')
    .addOption(
      new Option('--host <host>', 'listen address').env('BURROW_HOST').default('127.0.0.1'),
    )
    .addOption(
      new Option('--port <port>', 'listen port (0 = any free port)')
        .env('BURROW_PORT')
        .default('8080'),
    )
    .addOption(
      new Option('--data-dir <dir>', 'directory for burrow.sqlite and root.key')
        .env('BURROW_DATA_DIR')
        .default('./.burrow'),
    )
    .addOption(
      new Option(
        '--metrics-listen-address <host:port>',
        'serve /healthz, /readyz and Prometheus /metrics on this separate address (off when unset; :port means 127.0.0.1)',
      )
        .env('BURROW_CONTROL_PLANE_METRICS_LISTEN_ADDRESS')
        .argParser((value) => {
          const parsed = parseObservabilityListenAddress(value);
          if (typeof parsed === 'string') throw new InvalidArgumentError(parsed);
          return parsed;
        }),
    )
    .addOption(
      new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
        .env('BURROW_LOG_LEVEL')
        .default('info'),
    )
    .addHelpText(
      'after',
      `
Environment only:
  ENCRYPTION_KEY            32-byte root key (hex or base64) that encrypts CA private keys;
                            default: generated once into <data-dir>/root.key (mode 0600)
  RELAY_AUTH_SECRET         secret instance relays present (Authorization: Bearer ...);
                            unset = instance relay registration is refused
  BURROW_KEY_ALGORITHM      ecdsa-p256 (default) | rsa-2048 (the reference's) for CAs and TLS certs
  BURROW_SSH_KEY_ALGORITHM  ed25519 (default) | ecdsa-p256 | rsa-2048 for SSH CAs and keys
  BURROW_GCP_ID_TOKEN_JWKS_URL         Google ID token keys (gcp-id-token logins)
  BURROW_GCP_SERVICE_ACCOUNT_JWKS_URL  service account keys, {email} replaced (gcp-iam logins)
  BURROW_AZURE_LOGIN_URL               Entra ID base URL; keys at <url>/<tenantId>/discovery/keys
  BURROW_REFUSE_PRIVATE_IDP_ADDRESSES  true: refuse identity-provider URLs (OIDC, JWKS, Kubernetes,
                                       STS) in private address ranges (default false: admin-set
                                       URLs are trusted)`,
    )
    .action(async (flags: ServeFlags) => {
      const config = resolveServerConfig(flags);
      const { app, context, rootKeySource } = await createControlPlane({
        dataDir: config.dataDir,
        encryptionKey: config.encryptionKey,
        relayAuthSecret: config.relayAuthSecret,
        keyAlgorithm: config.keyAlgorithm,
        sshKeyType: config.sshKeyType,
        identityProviders: config.identityProviders,
        refusePrivateIdpAddresses: config.refusePrivateIdpAddresses,
        logLevel: config.logLevel,
        version,
      });
      app.log.info(
        {
          dataDir: config.dataDir,
          rootKey: rootKeySource === 'env' ? 'ENCRYPTION_KEY' : 'root.key',
          instanceRelays: config.relayAuthSecret !== undefined,
          keyAlgorithm: config.keyAlgorithm,
          sshKeyAlgorithm: config.sshKeyType,
          refusePrivateIdpAddresses: config.refusePrivateIdpAddresses,
        },
        'control plane starting',
      );
      const metrics = flags.metricsListenAddress && instrumentControlPlane(app, context);
      const address = await app.listen({ host: config.host, port: config.port });
      app.log.info({ address, docs: `${address}/docs` }, 'Control plane listening');
      let observability: ObservabilityServer | undefined;
      if (metrics && flags.metricsListenAddress) {
        observability = await startObservabilityServer({
          listen: flags.metricsListenAddress,
          registry: metrics.registry,
          readiness: () => metrics.readiness(),
        });
        app.log.info(observability.address, 'Serving /healthz, /readyz and /metrics');
      }
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) process.exit(1);
        stopping = true;
        app.log.info({ signal }, 'shutting down');
        Promise.all([app.close(), observability?.close()]).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}

interface ServeFlags {
  host: string;
  port: string;
  dataDir: string;
  logLevel: string;
  metricsListenAddress?: { host: string; port: number } | undefined;
}
