/**
 * Where a relay or gateway service lives on disk (reference §3.6, §5.10):
 *
 *   relay    /etc/systemd/system/<name>.service   /etc/infisical/relays/<name>.env.conf   (0600)
 *   gateway  /etc/systemd/system/<name>.service   /etc/infisical/gateways/<name>.conf     (0600)
 *   either   /etc/logrotate.d/<name>                                         (only with --log-file)
 *
 * The service is named after the relay or gateway. `root` prefixes every path (like DESTDIR), so a
 * test can install into a scratch tree; the unit file still names the real, unprefixed paths.
 */
import path from 'node:path';

export type ServiceKind = 'relay' | 'gateway';

export interface ServiceLayout {
  /** The systemd unit name, `<name>.service`. */
  readonly unitName: string;
  /** Paths as the running system sees them (what the unit file refers to). */
  readonly unitPath: string;
  readonly envFilePath: string;
  readonly logrotatePath: string;
}

/** Service names are slugs: they become file names and the systemd unit name. */
const SERVICE_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_SERVICE_NAME_LENGTH = 64;

/** Throws when `name` cannot be a unit and file name (only lowercase letters, digits, hyphens). */
export function assertServiceName(name: string): void {
  if (name.length > MAX_SERVICE_NAME_LENGTH || !SERVICE_NAME.test(name)) {
    throw new Error(
      `service name "${name}" must be 1-${MAX_SERVICE_NAME_LENGTH} lowercase letters, digits and single hyphens`,
    );
  }
}

/**
 * @example
 *   serviceLayout('relay', 'edge-1').envFilePath; // '/etc/infisical/relays/edge-1.env.conf'
 */
export function serviceLayout(kind: ServiceKind, name: string): ServiceLayout {
  assertServiceName(name);
  return {
    unitName: `${name}.service`,
    unitPath: `/etc/systemd/system/${name}.service`,
    envFilePath: envFilePath(kind, name),
    logrotatePath: `/etc/logrotate.d/${name}`,
  };
}

/** The env file of `name` (not checked: `--help` shows it for `<name>`). */
export function envFilePath(kind: ServiceKind, name: string): string {
  return kind === 'relay'
    ? `/etc/infisical/relays/${name}.env.conf`
    : `/etc/infisical/gateways/${name}.conf`;
}

/** `systemPath` as seen under `root` (`/` = the running system). */
export function underRoot(root: string, systemPath: string): string {
  return path.join(root, systemPath);
}
