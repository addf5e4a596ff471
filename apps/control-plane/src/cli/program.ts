import { Command } from 'commander';
import { bootstrapCommand } from './bootstrap-command.ts';
import { serveCommand } from './serve-command.ts';

/** `burrow-control-plane <command>`. */
export function controlPlaneProgram(version: string): Command {
  return new Command('burrow-control-plane')
    .description('Burrow control plane: identities, CAs, relays and gateways')
    .version(version)
    .addCommand(serveCommand(version))
    .addCommand(bootstrapCommand());
}
