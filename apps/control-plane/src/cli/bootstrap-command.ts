import { Command, Option } from 'commander';

/**
 * `burrow-control-plane bootstrap --email --password --organization [--api-url]`: calls
 * `POST /api/v1/admin/bootstrap` on a running control plane and prints the JSON answer (which
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
        const response = await fetch(`${base}/api/v1/admin/bootstrap`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            email: flags.email,
            password: flags.password,
            organization: flags.organization,
          }),
        });
        const text = await response.text();
        if (!response.ok) {
          let message = text;
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? text;
          } catch {
            // not JSON: print as is
          }
          process.stderr.write(`bootstrap failed (${response.status}): ${message}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      },
    );
}
