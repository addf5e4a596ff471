/**
 * Operator tools for the PAM recording files on the gateway host:
 *
 *   burrow-gateway recordings list   [--pam-session-recording-path <dir>]
 *   burrow-gateway recordings export <file|sessionId> [--format jsonl|text|asciicast|commands]
 *                                    [--pam-session-recording-path <dir>]
 *                                    [--domain <url>] [--auth-method <method>] [--token <token>] …
 *
 * `list` reads only the files (no login): per session, its resource type, expiry, events stored,
 * events the control plane acknowledged (`.offset`) and whether it ended (`.ended`).
 *
 * `export` logs in with the gateway's identity (the login flags and environment variables of
 * `start`, resolved by the same code), fetches the gateway's PAM session key
 * (`GET /api/v2/gateways/pam-session-key`), checks every record of the file, then prints the
 * events as JSON lines, as a text replay, or (SSH sessions) as asciicast v2 / a command log. A torn tail (a crash mid-write) is a warning on
 * stderr; a record that fails authentication prints nothing on stdout and fails with one line.
 * The key is never printed.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { LoginOptions } from '@burrow/auth-methods';
import { CONTROL_PLANE_ENVIRONMENT_HELP, MachineIdentitySession } from '@burrow/auth-methods';
import {
  RecordingFormatError,
  RecordingIntegrityError,
  endedMarkerPath,
} from '@burrow/session-recorder';
import { Command, Option } from 'commander';
import { CommandFailure } from './command-failure.ts';
import type { AccessTokenSource } from '../gateway.ts';
import type { ControlPlaneConfig, GatewayFlags, GatewaySettingKey } from './gateway-config.ts';
import { GATEWAY_SETTINGS, resolveControlPlaneConfig } from './gateway-config.ts';
import { findLocalRecordings, listLocalRecordings } from '../pam/local-recordings.ts';
import { createPamPlatformClient } from '../platform/pam-platform-client.ts';
import { PlatformClient } from '@burrow/platform-api';
import { recordingDirCandidates } from '../pam/pam-recordings.ts';
import type { RecordingExportFormat } from '../pam/recording-export.ts';
import { RECORDING_EXPORT_FORMATS, exportRecording } from '../pam/recording-export.ts';
import { formatRecordingList } from '../pam/recording-output.ts';

/** The settings of `start` that `export` needs to log in as the gateway. */
const LOGIN_SETTINGS: readonly GatewaySettingKey[] = [
  'domain',
  'authMethod',
  'token',
  'clientId',
  'clientSecret',
  'organizationSlug',
  'machineIdentityId',
  'serviceAccountTokenPath',
  'serviceAccountKeyFilePath',
  'jwt',
];

/** Where the commands write, and how they log in (tests replace these). */
export interface RecordingsCommandIo {
  stdout: Writable;
  stderr: Writable;
  login: (
    apiUrl: string,
    options: LoginOptions,
    headers: Readonly<Record<string, string>>,
  ) => Promise<AccessTokenSource>;
  now: () => Date;
}

/**
 * The `recordings` command with `list` and `export`. Failures are {@link CommandFailure} (exit 1);
 * bad settings are ConfigError (exit 2), as for `start`.
 *
 * @example
 *   program.addCommand(buildRecordingsCommand(process.env));
 */
export function buildRecordingsCommand(
  env: NodeJS.ProcessEnv = process.env,
  io: Partial<RecordingsCommandIo> = {},
): Command {
  const { stdout, stderr, login, now }: RecordingsCommandIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    login: (apiUrl, options, headers) => MachineIdentitySession.login(apiUrl, options, headers),
    now: () => new Date(),
    ...io,
  };
  const recordingPath = GATEWAY_SETTINGS.pamSessionRecordingPath;
  const recordings = new Command('recordings')
    .description('list and export the encrypted PAM session recordings on this host')
    .exitOverride();

  recordings
    .command('list')
    .description(
      'every recording file: session, resource type, expiry, events stored, events acknowledged by the control plane, ended',
    )
    .addOption(new Option(`${recordingPath.flag} <dir>`, recordingPath.help).env(recordingPath.env))
    .exitOverride()
    .action(async (options: Record<string, string | undefined>) => {
      const dirs = searchDirs(options.pamSessionRecordingPath);
      const listing = await listLocalRecordings(dirs);
      for (const problem of listing.unreadable) {
        stderr.write(`burrow-gateway: warning: cannot read ${problem}\n`);
      }
      stdout.write(
        listing.recordings.length === 0
          ? `No PAM session recordings in ${dirs.join(', ')}.\n`
          : `${formatRecordingList(listing.recordings, now())}\n`,
      );
    });

  const exportCommand = recordings
    .command('export')
    .description(
      "decrypt one recording with the gateway's PAM session key (logs in as the gateway) and print its events",
    )
    .argument('<file|sessionId>', 'a recording file, or a session ID looked up in the directory')
    .addOption(
      new Option(
        '--format <format>',
        'jsonl: one JSON event per line; text: a readable replay; asciicast: an SSH session for asciinema play; commands: the commands of an SSH session',
      )
        .choices(RECORDING_EXPORT_FORMATS)
        .default('jsonl'),
    )
    .addOption(new Option(`${recordingPath.flag} <dir>`, recordingPath.help).env(recordingPath.env))
    .exitOverride();
  for (const key of LOGIN_SETTINGS) {
    const setting = GATEWAY_SETTINGS[key];
    exportCommand.addOption(new Option(`${setting.flag} <value>`, setting.help).env(setting.env));
  }
  exportCommand.addHelpText('after', `\n${CONTROL_PLANE_ENVIRONMENT_HELP}`);
  exportCommand.action(
    async (target: string, options: Record<string, string | undefined>, command: Command) => {
      const flags: GatewayFlags = Object.fromEntries(
        LOGIN_SETTINGS.map((key) => [key, options[key]]),
      );
      // INFISICAL_DOMAIN beats INFISICAL_API_URL, which commander folded into --domain.
      if (command.getOptionValueSource('domain') !== 'cli') delete flags.domain;
      await runExport(target, flags, options);
    },
  );

  async function runExport(
    target: string,
    flags: GatewayFlags,
    options: Record<string, string | undefined>,
  ): Promise<void> {
    const controlPlane = resolveControlPlaneConfig(flags, env);
    const dirs = searchDirs(options.pamSessionRecordingPath);
    const file = await findOne(dirs, target);
    const key = await fetchSessionKey(controlPlane, login);
    try {
      // Check every record first, so a tampered file prints no events at all.
      await exportOrFail(file, key, 'jsonl', discard());
      const result = await exportOrFail(
        file,
        key,
        (options.format ?? 'jsonl') as RecordingExportFormat,
        stdout,
      );
      if (result.truncatedTail !== undefined) {
        stderr.write(
          `burrow-gateway: warning: ${file} ends with ${result.truncatedTail.bytes} bytes of an incomplete record at byte ${result.truncatedTail.byteOffset} (a write cut short by a crash, or one under way); exported the ${result.events} complete events before it\n`,
        );
      }
      for (const line of integrityNotes(file, result, await exists(endedMarkerPath(file)))) {
        stderr.write(`burrow-gateway: ${line}\n`);
      }
    } finally {
      key.fill(0);
    }
  }
  return recordings;
}

/** The configured directory, or the default and its fallback. */
function searchDirs(configured: string | undefined): string[] {
  const text = configured?.trim();
  return recordingDirCandidates(text ? path.resolve(text) : undefined);
}

async function findOne(dirs: string[], target: string): Promise<string> {
  const files = await findLocalRecordings(dirs, target);
  if (files.length === 1) return files[0] as string;
  if (files.length === 0) {
    throw new CommandFailure(
      target.includes(path.sep) || target.endsWith('.enc')
        ? `no such recording file: ${target}`
        : `no recording of session ${target} in ${dirs.join(', ')} (see burrow-gateway recordings list)`,
    );
  }
  throw new CommandFailure(
    `session ${target} has ${files.length} recording files; give one path: ${files.join(', ')}`,
  );
}

async function fetchSessionKey(
  { apiUrl, login: options, customHeaders: headers }: ControlPlaneConfig,
  login: RecordingsCommandIo['login'],
): Promise<Buffer> {
  let session: AccessTokenSource;
  try {
    session = await login(apiUrl, options, headers);
  } catch (error) {
    throw new CommandFailure(`cannot log in to the control plane: ${message(error)}`);
  }
  try {
    const platform = new PlatformClient({ apiUrl, headers, token: () => session.accessToken });
    return await createPamPlatformClient(platform).fetchSessionKey();
  } catch (error) {
    throw new CommandFailure(`cannot fetch the gateway's PAM session key: ${message(error)}`);
  } finally {
    session.close();
  }
}

async function exportOrFail(
  file: string,
  key: Buffer,
  format: RecordingExportFormat,
  output: Writable,
): ReturnType<typeof exportRecording> {
  try {
    return await exportRecording(file, key, format, output);
  } catch (error) {
    if (error instanceof RecordingIntegrityError) {
      throw new CommandFailure(`${file}: ${message(error)}`);
    }
    if (error instanceof RecordingFormatError) {
      throw new CommandFailure(`${file}: not a valid recording: ${error.message}`);
    }
    throw new CommandFailure(`${file}: ${message(error)}`);
  }
}

/**
 * What the verification could not vouch for (recording-format.ts): a format-1 file has no
 * binding at all; a format-2 file without its seal may have lost records at its end.
 */
export function integrityNotes(
  file: string,
  result: { events: number; format: 1 | 2 | undefined; sealed: boolean },
  markedEnded: boolean,
): string[] {
  if (result.format === 1) {
    return [
      `note: ${file} is a format-1 recording (written before records were bound to their session and order): removed, reordered or spliced records cannot be detected in it`,
    ];
  }
  if (result.format === 2 && !result.sealed) {
    return markedEnded
      ? [
          `warning: ${file} is marked ended but has no seal after its ${result.events} events: records were removed from its end`,
        ]
      : [
          `note: ${file} has no seal yet: the session is still open or the gateway stopped before ending it (records removed from its end would look the same); ${result.events} events verified`,
        ];
  }
  return [];
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** A sink for the verification pass. */
function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.replace(/\s+/g, ' ') : String(error);
}
