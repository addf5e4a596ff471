import { Command, Option } from 'commander';
import { PlatformClient, PlatformError, routes, type RouteResponse } from '@burrow/platform-api';

/**
 * `burrow-control-plane bootstrap --email --password --organization [--api-url]`: calls
 * `POST /api/v1/admin/bootstrap` (platform-api's bootstrapInstance, through PlatformClient) on a
 * running control plane and prints the JSON answer (which
 * contains the admin identity's token: keep it out of shell history and logs).
 */
export function bootstrapCommand(): Command {
  return new Command('bootstrap')
    .description('Set up a fresh control plane: admin user, organization, admin identity token')
    .addOption(
      new Option('--email <email>', 'admin user email')
        .env('BURROW_ADMIN_EMAIL')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--password <password>', 'admin user password (min. 8 characters)')
        .env('BURROW_ADMIN_PASSWORD')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--organization <name>', 'first organization name')
        .env('BURROW_ORGANIZATION')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--api-url <url>', 'control plane base URL')
        .env('INFISICAL_API_URL')
        .default('http://127.0.0.1:8080'),
    )
    .action(
      async (flags: { email: string; password: string; organization: string; apiUrl: string }) => {
        const base = flags.apiUrl.replace(/\/+$/, '').replace(/\/api$/, '');
        const api = new PlatformClient({ apiUrl: `${base}/api` });
        let answer: RouteResponse<typeof routes.bootstrapInstance>;
        try {
          answer = await api.call(routes.bootstrapInstance, {
            body: {
              email: flags.email,
              password: flags.password,
              organization: flags.organization,
            },
          });
        } catch (error) {
          if (!(error instanceof PlatformError)) throw error;
          const status = error.status === undefined ? 'no answer' : String(error.status);
          process.stderr.write(
            `bootstrap failed (${status}): ${error.serverMessage ?? error.message}\n`,
          );
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      },
    );
}
