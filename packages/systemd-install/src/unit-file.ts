/**
 * The service unit of a relay or gateway, after the reference's shared template
 * (`infisical-service.tmpl`, reference §5.10): secrets stay in the environment file the unit
 * names; the service restarts on failure and starts on boot, with the reference's hardening and
 * resource limits. `Type=notify` with `NotifyAccess=all`, as the reference's: the relay sends
 * `READY=1` once it listens, the gateway once its first relay connection is up
 * (ready-notification.ts).
 *
 * Differences from the reference, on purpose:
 * - `InaccessiblePaths=` is the current name of the reference's `InaccessibleDirectories=`.
 * - `After=`/`Wants=network-online.target`: both services dial out at start.
 * - A log file is appended to with `StandardOutput=append:` instead of `bash -c '… | tee'`.
 */
import { execCommandLine } from './exec-command-line.ts';

export interface UnitFileOptions {
  /** `Description=`. */
  description: string;
  /** The command, absolute executable first, e.g. [process.execPath, '/opt/burrow/relay.js', 'start']. */
  execStart: readonly string[];
  /** Absolute path of the environment file (as the running system sees it). */
  environmentFile: string;
  /** Optional absolute path that stdout and stderr are appended to (otherwise the journal). */
  logFile?: string | undefined;
}

/** Reference §5.10 limits: core dumps and real-time limits unlimited, many files and processes. */
export const SERVICE_LIMITS = {
  LimitCORE: 'infinity',
  LimitNOFILE: '1000000',
  LimitNPROC: '60000',
  LimitRTPRIO: 'infinity',
  LimitRTTIME: '7000000',
} as const;

/**
 * @example
 *   renderUnitFile({
 *     description: 'Burrow relay edge-1',
 *     execStart: ['/usr/bin/node', '/opt/burrow/relay/dist/main.js', 'start'],
 *     environmentFile: '/etc/infisical/relays/edge-1.env.conf',
 *   });
 */
export function renderUnitFile(options: UnitFileOptions): string {
  if (!options.environmentFile.startsWith('/')) {
    throw new Error('the environment file must be an absolute path');
  }
  if (/[\n\r]/.test(options.description)) throw new Error('the description must be one line');
  const service = [
    'Type=notify',
    'NotifyAccess=all',
    `EnvironmentFile=${options.environmentFile}`,
    `ExecStart=${execCommandLine(options.execStart)}`,
    'Restart=on-failure',
    'RestartSec=5',
  ];
  if (options.logFile !== undefined) {
    if (!options.logFile.startsWith('/') || /[\s]/.test(options.logFile)) {
      throw new Error('the log file must be an absolute path without spaces');
    }
    service.push(`StandardOutput=append:${options.logFile}`, 'StandardError=inherit');
  }
  service.push(
    'InaccessiblePaths=/home',
    'PrivateTmp=yes',
    'NoNewPrivileges=yes',
    ...Object.entries(SERVICE_LIMITS).map(([key, value]) => `${key}=${value}`),
  );
  return [
    '# Written by Burrow systemd install. Secrets live in the EnvironmentFile (mode 0600), not here.',
    '[Unit]',
    `Description=${options.description}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    ...service,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
