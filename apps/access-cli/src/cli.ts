/**
 * The `burrow` command line (reference §8.1 for `pam access`):
 *
 *   burrow login [--domain <url>] [--method universal-auth|token|…] [--client-id <id>]
 *                [--client-secret <secret>] [--token <token>] [--organization-slug <slug>]
 *   burrow login --email <email> [--domain <url>]   (a person; password asked or BURROW_PASSWORD)
 *   burrow logout
 *   burrow pam accounts list
 *   burrow pam access <path> [--duration 1h] [--port 0] [--reason <text>]
 *   burrow pam sessions list
 *   burrow pam sessions show <session-id>
 *   burrow pam sessions export <session-id> [--format jsonl]
 *   burrow gateways list
 *   burrow dynamic-secrets lease create <name> [--ttl 1h] [--format text|json|env]
 *   burrow dynamic-secrets lease list <name> [--format text|json]
 *   burrow dynamic-secrets lease renew <lease-id> [--ttl 1h]
 *   burrow dynamic-secrets lease revoke <lease-id>      (alias: delete)
 *
 * Global: `--config-dir` (BURROW_CONFIG_DIR, default ~/.burrow), `--debug` (BURROW_DEBUG).
 * Every flag has an environment variable, shown in `--help`. Output is plain text for people;
 * failures are one line `burrow: <message>` on stderr with the exit codes of cli-error.ts.
 */
import { createLogger, packageVersion } from '@burrow/observability';
import { Command, Option } from 'commander';
import { CliError, EXIT_CODES } from './cli-error.ts';
import { resolveConfigDir } from './config-dir.ts';
import { deleteCredentials, requireLogin } from './credentials-store.ts';
import { parseDuration } from './duration.ts';
import { LEASE_FORMATS, type LeaseFormat } from './dynamic-secret-lease-format.ts';
import {
  createLease,
  listLeases,
  renewLease,
  revokeLease,
} from './dynamic-secret-leases-command.ts';
import { listGateways } from './gateways-command.ts';
import { runLogin } from './login-command.ts';
import { readPassword } from './read-password.ts';
import { formatAccessReady } from './output-format.ts';
import { listPamAccounts } from './pam-accounts-command.ts';
import { PamAccessSession } from './pam-access-session.ts';
import { writeKubeconfigContext } from './kubeconfig-context.ts';
import {
  exportPamSession,
  listPamSessions,
  SESSION_EXPORT_FORMATS,
  showPamSession,
  type SessionExportFormat,
} from './pam-sessions-command.ts';
import { terminalSafeLine } from '@burrow/session-recorder';
import { ControlPlane, customHeadersOf } from './control-plane.ts';

/** What the commands need from the outside world; main.ts passes the real process. */
export interface CliContext {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Calls `handler` on the first SIGINT/SIGTERM (later ones are main.ts's business). */
  onInterrupt: (handler: () => void) => void;
}

interface GlobalOptions {
  configDir?: string;
  debug?: boolean;
}

/**
 * @example
 *   await createCli(context).parseAsync(process.argv);
 */
export function createCli(context: CliContext): Command {
  const program = new Command('burrow')
    .description(
      'Burrow access CLI: log in with a machine identity and reach private databases through a gateway, without ever seeing their passwords.',
    )
    .version(packageVersion(new URL('../package.json', import.meta.url)), '-v, --version')
    .addOption(
      new Option('--config-dir <dir>', 'where the login is stored (default ~/.burrow)').env(
        'BURROW_CONFIG_DIR',
      ),
    )
    .addOption(new Option('--debug', 'diagnostic JSON log lines on stderr').env('BURROW_DEBUG'))
    .showHelpAfterError();

  const globals = (command: Command): { configDir: string; debug: boolean } => {
    const options = command.optsWithGlobals<GlobalOptions>();
    return {
      configDir: resolveConfigDir(
        options.configDir ? { BURROW_CONFIG_DIR: options.configDir } : context.env,
      ),
      debug: Boolean(options.debug),
    };
  };
  const platformFor = (command: Command): ControlPlane =>
    new ControlPlane(requireLogin(globals(command).configDir), customHeadersOf(context.env));

  program
    .command('login')
    .description(
      'log in as a person (--email; password asked, piped in or BURROW_PASSWORD) or with a machine identity, and store the access token (file mode 0600)',
    )
    .addOption(
      new Option(
        '--domain <url>',
        'platform URL, with or without /api; INFISICAL_DOMAIN, when set, wins over INFISICAL_API_URL',
      ).env('INFISICAL_API_URL'),
    )
    .addOption(
      new Option(
        '--method <method>',
        'universal-auth or token (others through their INFISICAL_* variables)',
      ).env('INFISICAL_AUTH_METHOD'),
    )
    .addOption(
      new Option('--client-id <id>', 'universal auth client ID').env(
        'INFISICAL_UNIVERSAL_AUTH_CLIENT_ID',
      ),
    )
    .addOption(
      new Option('--client-secret <secret>', 'universal auth client secret').env(
        'INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET',
      ),
    )
    .addOption(new Option('--token <token>', 'an access token (token auth)').env('INFISICAL_TOKEN'))
    .addOption(
      new Option('--organization-slug <slug>', 'organization to log in to').env(
        'INFISICAL_AUTH_ORGANIZATION_SLUG',
      ),
    )
    .addOption(
      new Option(
        '--email <email>',
        "a person's email (the console's users); the password is asked, read from stdin or BURROW_PASSWORD",
      ).env('BURROW_EMAIL'),
    )
    .action(async (options: Record<string, string | undefined>, command: Command) => {
      const { configDir } = globals(command);
      const result = await runLogin(
        {
          // INFISICAL_DOMAIN beats INFISICAL_API_URL (commander's fallback): both read from env.
          domain: command.getOptionValueSource('domain') === 'cli' ? options.domain : undefined,
          method: options.method,
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          token: options.token,
          organizationSlug: options.organizationSlug,
          email: options.email,
          password: () =>
            context.env.BURROW_PASSWORD !== undefined
              ? Promise.resolve(context.env.BURROW_PASSWORD)
              : readPassword('Password: '),
        },
        configDir,
        context.env,
      );
      context.out(result.message);
    });

  program
    .command('logout')
    .description('forget the stored login')
    .action((_options: unknown, command: Command) => {
      const removed = deleteCredentials(globals(command).configDir);
      context.out(removed ? 'Logged out.' : 'Not logged in.');
    });

  const pam = program
    .command('pam')
    .description(
      'privileged access to databases, servers and web applications (PostgreSQL, SSH, HTTP, Kubernetes)',
    );
  pam
    .command('accounts')
    .description('PAM accounts you can open with pam access')
    .command('list')
    .description('path, type and user of every PAM account you may access')
    .action(async (_options: unknown, command: Command) => {
      context.out(await listPamAccounts(platformFor(command)));
    });
  pam
    .command('access')
    .description(
      'open a PAM session and a local port that tunnels every connection through relay and gateway (psql for postgres accounts, ssh/scp/sftp for ssh accounts: the commands are printed; a local http:// URL for web applications; for kubernetes accounts a kubeconfig context made current, the previous one restored at the end); Ctrl-C ends it',
    )
    .argument('<path>', 'account path: <folder>/<account>, e.g. prod/orders-db or ops/web-1')
    .addOption(
      new Option(
        '--duration <duration>',
        'session length: 1h, 30m, 1h30m, 90s; at most 24h (the control plane refuses longer)',
      )
        .env('BURROW_PAM_DURATION')
        .default('1h'),
    )
    .addOption(
      new Option('--port <port>', 'local port on 127.0.0.1 (0 = any free port)')
        .env('BURROW_PAM_PORT')
        .default('0'),
    )
    .addOption(
      new Option('--reason <text>', 'why you need access (kept with the session)').env(
        'BURROW_PAM_REASON',
      ),
    )
    .action(async (path: string, options: Record<string, string | undefined>, command: Command) => {
      const durationMs = parseDuration(options.duration ?? '1h');
      const port = parsePort(options.port ?? '0');
      const platform = platformFor(command);
      // Diagnostics: JSON lines on stderr, only with --debug / BURROW_DEBUG=1.
      const log = createLogger({
        name: 'burrow',
        level: globals(command).debug ? 'debug' : 'silent',
        destination: 2,
      });
      const session = await PamAccessSession.open({
        platform,
        path,
        durationMs,
        port,
        reason: options.reason,
        log,
        notice: context.err,
      });
      context.onInterrupt(() => void session.end('interrupted'));
      const kubeContext =
        session.access.resourceType === 'kubernetes'
          ? (() => {
              try {
                return writeKubeconfigContext(path, session.port);
              } catch (error) {
                void session.end('interrupted');
                throw error;
              }
            })()
          : undefined;
      context.out(
        formatAccessReady({
          path,
          sessionId: session.sessionId,
          resourceType: session.access.resourceType,
          hint: {
            host: '127.0.0.1',
            port: session.port,
            username: session.access.metadata?.username,
            database: session.access.metadata?.database,
          },
          expiresAt: session.expiresAt,
          knownHostsFile: session.knownHostsFile,
          url: session.access.metadata?.url,
          kubeContext,
        }),
      );
      try {
        await session.finished;
      } finally {
        kubeContext?.restore();
      }
    });

  const sessions = pam.command('sessions').description('recorded PAM sessions');
  sessions
    .command('list')
    .description('PAM sessions of your organization')
    .action(async (_options: unknown, command: Command) => {
      context.out(await listPamSessions(platformFor(command)));
    });
  sessions
    .command('show')
    .description('one session with every recorded query in order: timestamp, query, result')
    .argument('<session-id>', 'the session ID (see pam sessions list)')
    .action(async (sessionId: string, _options: unknown, command: Command) => {
      context.out(await showPamSession(platformFor(command), sessionId));
    });
  sessions
    .command('export')
    .description(
      'every recorded event of one session: JSON lines, or an SSH session as asciicast v2 (asciinema play) or its command log',
    )
    .argument('<session-id>', 'the session ID (see pam sessions list)')
    .addOption(
      new Option(
        '--format <format>',
        'jsonl: one event per line; asciicast: an SSH session for asciinema play/cat; commands: the commands of an SSH session',
      )
        .choices(SESSION_EXPORT_FORMATS)
        .default('jsonl'),
    )
    .action(
      async (sessionId: string, options: { format: SessionExportFormat }, command: Command) => {
        const { lines, problems } = await exportPamSession(
          platformFor(command),
          sessionId,
          options.format,
        );
        if (lines !== '') context.out(lines);
        for (const problem of problems) {
          context.err(`burrow: warning: the recording is incomplete: ${terminalSafeLine(problem)}`);
        }
      },
    );

  program
    .command('gateways')
    .description('gateways of your organization')
    .command('list')
    .description('name, ID, relay and health of every gateway')
    .action(async (_options: unknown, command: Command) => {
      context.out(await listGateways(platformFor(command)));
    });

  const lease = program
    .command('dynamic-secrets')
    .description('short-lived database users made on demand through the gateway')
    .command('lease')
    .description(
      'lease a dynamic secret: the control plane creates a fresh database role through the gateway and drops it when the lease ends',
    );
  lease
    .command('create')
    .description('create a lease and print its credentials (shown only this once)')
    .argument('<name>', 'the dynamic secret, e.g. orders-ro')
    .addOption(
      new Option(
        '--ttl <duration>',
        "how long: 30s, 15m, 1h, 7d (default: the secret's defaultTTL; at most its maxTTL)",
      ).env('BURROW_LEASE_TTL'),
    )
    .addOption(
      new Option(
        '--format <format>',
        'text for people; env prints PGHOST= PGPORT= PGDATABASE= PGUSER= PGPASSWORD= lines for eval; json the whole answer',
      )
        .choices(LEASE_FORMATS)
        .default('text'),
    )
    .addHelpText(
      'after',
      `
Examples:
  burrow dynamic-secrets lease create orders-ro --ttl 15m
  eval "$(burrow dynamic-secrets lease create orders-ro --ttl 15m --format env)" && psql -c 'SELECT 1'
  burrow dynamic-secrets lease revoke "$BURROW_LEASE_ID"`,
    )
    .action(
      async (name: string, options: { ttl?: string; format: LeaseFormat }, command: Command) => {
        context.out(await createLease(platformFor(command), name, options));
      },
    );
  lease
    .command('list')
    .description(
      'leases of a dynamic secret that are not revoked yet (yours; every one for admins and auditors)',
    )
    .argument('<name>', 'the dynamic secret')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (name: string, options: { format: 'text' | 'json' }, command: Command) => {
      context.out(await listLeases(platformFor(command), name, options.format));
    });
  lease
    .command('renew')
    .description(
      "extend a lease by --ttl (the role's VALID UNTIL moves with it; at most the secret's maxTTL after creation)",
    )
    .argument('<lease-id>', 'the lease ID (lease create and lease list print it)')
    .addOption(
      new Option(
        '--ttl <duration>',
        "by how much: 30s, 15m, 1h (default: the secret's defaultTTL)",
      ).env('BURROW_LEASE_TTL'),
    )
    .action(async (leaseId: string, options: { ttl?: string }, command: Command) => {
      context.out(await renewLease(platformFor(command), leaseId, options.ttl));
    });
  lease
    .command('revoke')
    .alias('delete')
    .description(
      'end a lease now: the role is dropped; if the gateway is down the lease shows "revocation pending" and the control plane retries',
    )
    .argument('<lease-id>', 'the lease ID')
    .action(async (leaseId: string, _options: unknown, command: Command) => {
      const { text, pending } = await revokeLease(platformFor(command), leaseId);
      if (pending) context.err(`burrow: ${text}`);
      else context.out(text);
    });

  return program;
}

/** `--port`: 0–65535. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65_535) {
    throw new CliError(
      `invalid port ${JSON.stringify(text)} (--port): 0–65535, 0 = any free port`,
      EXIT_CODES.usage,
    );
  }
  return port;
}
