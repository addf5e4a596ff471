/**
 * Turns a compose service's settings into the same settings for a plain process on loopback, so
 * the compose file's own commands and variables can be run without containers:
 *
 * - paths: a container path that is a volume mount or a file the image copies in (from the build
 *   context or the app's `pnpm deploy` output) becomes the matching host path;
 * - `<service>:<port>` (in URLs and host:port values) becomes `127.0.0.1:<free port>` for every
 *   port a service declares in `expose:`;
 * - the service's own `0.0.0.0:<port>` or `127.0.0.1:<port>` listen address becomes
 *   `127.0.0.1:<its free port>` (for ports it exposes, and loopback-only ones such as the metrics
 *   address its healthcheck asks);
 * - a whole value that is `0.0.0.0` or a service name becomes `127.0.0.1`, and a whole value that
 *   is one of the service's own exposed ports becomes its free port.
 *
 * Nothing else is changed: what runs is what compose.yaml says.
 */
export interface PathMapping {
  container: string;
  host: string;
}

export class LoopbackRewriter {
  /** "service:containerPort" -> host port. */
  readonly ports: ReadonlyMap<string, number>;
  private readonly services: readonly string[];

  constructor(services: readonly string[], ports: ReadonlyMap<string, number>) {
    this.services = services;
    this.ports = ports;
  }

  /** The host port standing in for `service`'s container port. */
  port(service: string, containerPort: number): number {
    const port = this.ports.get(`${service}:${containerPort}`);
    if (port === undefined) throw new Error(`${service} does not expose ${containerPort}`);
    return port;
  }

  rewrite(service: string, value: string, paths: readonly PathMapping[]): string {
    for (const mapping of [...paths].sort((a, b) => b.container.length - a.container.length)) {
      if (value === mapping.container) return mapping.host;
      if (value.startsWith(`${mapping.container}/`)) {
        return `${mapping.host}${value.slice(mapping.container.length)}`;
      }
    }
    if (value === '0.0.0.0' || this.services.includes(value)) return '127.0.0.1';
    const own = this.ports.get(`${service}:${value}`);
    if (own !== undefined) return String(own);
    let result = value.replace(
      /(?<![\w.-])(?:0\.0\.0\.0|127\.0\.0\.1):(\d+)\b/g,
      (match, port: string) => {
        const mapped = this.ports.get(`${service}:${port}`);
        return mapped === undefined ? match : `127.0.0.1:${mapped}`;
      },
    );
    for (const [key, hostPort] of this.ports) {
      const [name, port] = key.split(':') as [string, string];
      const pattern = new RegExp(`(?<![\\w.-])${escapeRegExp(name)}:${port}(?!\\d)`, 'g');
      result = result.replace(pattern, `127.0.0.1:${hostPort}`);
    }
    return result;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
