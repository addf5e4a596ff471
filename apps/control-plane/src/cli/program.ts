import { Command } from 'commander';
import { bootstrapCommand } from './bootstrap-command.ts';
import { serveCommand } from './serve-command.ts';

/** `burrow-control-plane <command>`. */
export function controlPlaneProgram(version: string): Command {
  return new Command('burrow-control-plane')
    .description('Burrow control plane: identities, CAs, relays and gateways')
    .version(version, '-v, --version')
    .addCommand(serveCommand(version))
    .addCommand(bootstrapCommand());
}

/** `-V` (the relay's and control plane's version flag before all four took `-v`) still prints the version; --help lists only `-v, --version`. */
export function withVersionAlias(argv: string[]): string[] {
  return argv[2] === '-V' ? [...argv.slice(0, 2), '--version', ...argv.slice(3)] : argv;
}
