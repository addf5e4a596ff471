/**
 * Installs and uninstalls a relay or gateway as a systemd service (reference §3.6, §5.10):
 *
 *   install    env file (0600, in a 0700 directory) -> unit file (0644) -> [logrotate rule]
 *              -> systemctl daemon-reload -> systemctl enable <name>.service
 *   uninstall  systemctl disable --now <name>.service -> remove unit, env file, logrotate rule
 *              -> systemctl daemon-reload
 *
 * With `root` set (tests, image builds) the files go under that directory and systemctl is not run
 * (unless a `systemctl` stand-in is passed, which tests use to check the calls).
 * Without it the caller must be root, since the files live in /etc.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderEnvFile } from './env-file.ts';
import { renderLogrotateConfig } from './logrotate-config.ts';
import type { ServiceKind, ServiceLayout } from './service-layout.ts';
import { serviceLayout, underRoot } from './service-layout.ts';
import type { Systemctl } from './systemctl.ts';
import { runSystemctl } from './systemctl.ts';
import { renderUnitFile } from './unit-file.ts';

export interface InstallServiceOptions {
  kind: ServiceKind;
  /** Relay or gateway name; also the service name. */
  name: string;
  /** The start command, absolute executable first. */
  execStart: readonly string[];
  /** What goes into the environment file: every setting, including the secrets. */
  environment: Readonly<Record<string, string | undefined>>;
  /** Append stdout/stderr to this file (and write a logrotate rule) instead of the journal. */
  logFile?: string | undefined;
  /** Install under this directory and skip systemctl; undefined = the running system. */
  root?: string | undefined;
  /** Replaces `systemctl`; with `root`, runs only when given (tests). */
  systemctl?: Systemctl;
}

export interface InstalledService extends ServiceLayout {
  /** Where the files were written (prefixed with `root`). */
  readonly written: readonly string[];
  /** Whether systemctl daemon-reload and enable ran. */
  readonly enabled: boolean;
}

const ENV_FILE_MODE = 0o600;
const ENV_DIR_MODE = 0o700;
const PUBLIC_FILE_MODE = 0o644;

/**
 * @example
 *   await installService({
 *     kind: 'relay', name: 'edge-1',
 *     execStart: [process.execPath, '/opt/burrow/relay/dist/main.js', 'start'],
 *     environment: { INFISICAL_RELAY_NAME: 'edge-1', INFISICAL_TOKEN: token },
 *   });
 */
export async function installService(options: InstallServiceOptions): Promise<InstalledService> {
  const layout = serviceLayout(options.kind, options.name);
  const root = options.root ?? '/';
  if (options.root === undefined) assertRoot('install');
  const unit = renderUnitFile({
    description: `Burrow ${options.kind} ${options.name}`,
    execStart: options.execStart,
    environmentFile: layout.envFilePath,
    logFile: options.logFile,
  });
  const envText = renderEnvFile(
    options.environment,
    `Burrow ${options.kind} ${options.name}: settings and secrets for ${layout.unitName}. Keep mode 0600.`,
  );
  const written: string[] = [];

  const envPath = underRoot(root, layout.envFilePath);
  fs.mkdirSync(path.dirname(envPath), { recursive: true, mode: ENV_DIR_MODE });
  writeFileWithMode(envPath, envText, ENV_FILE_MODE);
  written.push(envPath);

  const unitPath = underRoot(root, layout.unitPath);
  fs.mkdirSync(path.dirname(unitPath), { recursive: true, mode: 0o755 });
  writeFileWithMode(unitPath, unit, PUBLIC_FILE_MODE);
  written.push(unitPath);

  if (options.logFile !== undefined) {
    const rotatePath = underRoot(root, layout.logrotatePath);
    fs.mkdirSync(path.dirname(rotatePath), { recursive: true, mode: 0o755 });
    writeFileWithMode(rotatePath, renderLogrotateConfig(options.logFile), PUBLIC_FILE_MODE);
    written.push(rotatePath);
  }

  const systemctl = chooseSystemctl(options);
  if (systemctl === undefined) return { ...layout, written, enabled: false };
  await systemctl(['daemon-reload']);
  await systemctl(['enable', layout.unitName]);
  return { ...layout, written, enabled: true };
}

export interface UninstallServiceOptions {
  kind: ServiceKind;
  name: string;
  root?: string | undefined;
  systemctl?: Systemctl;
}

/** Stops and disables the service, then removes its files. Missing files are not an error. */
export async function uninstallService(
  options: UninstallServiceOptions,
): Promise<{ removed: string[] }> {
  const layout = serviceLayout(options.kind, options.name);
  const root = options.root ?? '/';
  if (options.root === undefined) assertRoot('uninstall');
  const systemctl = chooseSystemctl(options);
  if (systemctl !== undefined) {
    await systemctl(['disable', '--now', layout.unitName]).catch(() => {
      // Not installed or already disabled: the files are still removed below.
    });
  }
  const removed: string[] = [];
  for (const systemPath of [layout.unitPath, layout.envFilePath, layout.logrotatePath]) {
    const file = underRoot(root, systemPath);
    if (fs.existsSync(file)) {
      fs.rmSync(file);
      removed.push(file);
    }
  }
  if (systemctl !== undefined) await systemctl(['daemon-reload']);
  return { removed };
}

/** The real systemctl for the running system; none under `root` unless the caller passes one. */
function chooseSystemctl(options: {
  root?: string | undefined;
  systemctl?: Systemctl | undefined;
}): Systemctl | undefined {
  if (options.systemctl !== undefined) return options.systemctl;
  return options.root === undefined ? runSystemctl : undefined;
}

/**
 * Writes `text` so that the file never exists with wider permissions than `mode`, even briefly:
 * a temporary file created with `mode`, then renamed over the target.
 */
function writeFileWithMode(file: string, text: string, mode: number): void {
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temporary, 'w', mode);
  try {
    fs.fchmodSync(fd, mode); // the umask may have narrowed (or the file existed with) other bits
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

function assertRoot(action: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      `systemd ${action} writes to /etc and runs systemctl: run it as root (sudo), or pass --root DIR`,
    );
  }
}
