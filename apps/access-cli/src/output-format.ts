import textTable from 'text-table';
import { humanDuration } from './duration.ts';
import {
  eventsToCommandLog,
  formatRecordedEvent,
  isTerminalRecording,
  terminalSafeLine,
} from '@burrow/session-recorder';
import type {
  getPamSession,
  listGateways,
  listPamAccounts,
  RouteResponse,
} from '@burrow/platform-api';

/**
 * Human output of `burrow`: plain text for people, stable enough for tests and scripts to grep.
 * Nothing secret ever reaches these functions (no token, no private key, no password).
 */

type SessionAnswer = RouteResponse<typeof getPamSession>['session'];
type AccountAnswer = RouteResponse<typeof listPamAccounts>['accounts'][number];
type GatewayAnswer = RouteResponse<typeof listGateways>[number];

/**
 * What the formatters read of the control plane's answers (@burrow/platform-api): a session of
 * `GET /api/v1/pam/sessions[/:id]`, an account of `GET /api/v1/pam/accounts`, a gateway of
 * `GET /api/v2/gateways`. Fields they can do without may be missing.
 */
export type PamSessionRecord = Pick<SessionAnswer, 'id' | 'status'> & Partial<SessionAnswer>;
export type PamAccountRecord = Pick<AccountAnswer, 'path' | 'resourceType'> &
  Partial<AccountAnswer>;
export type GatewayRecord = Pick<GatewayAnswer, 'id' | 'name'> & Partial<GatewayAnswer>;

/** Client hints per resource type (reference §8.1 step 4). */
export interface ConnectionHint {
  host: string;
  port: number;
  username?: string | undefined;
  database?: string | undefined;
}

/**
 * The ready-to-paste psql command. `sslmode=disable` because the local hop is loopback and the
 * tunnel itself is end-to-end mTLS; libpq's key/value syntax keeps odd names safe.
 *
 * @example
 *   formatPsqlCommand({ host: '127.0.0.1', port: 5433, username: 'app', database: 'orders' })
 *   // psql "host=127.0.0.1 port=5433 user=app dbname=orders sslmode=disable"
 */
export function formatPsqlCommand(hint: ConnectionHint): string {
  const parts = [`host=${hint.host}`, `port=${hint.port}`];
  if (hint.username) parts.push(`user=${libpqValue(hint.username)}`);
  if (hint.database) parts.push(`dbname=${libpqValue(hint.database)}`);
  parts.push('sslmode=disable');
  return `psql "${parts.join(' ')}"`;
}

/** A libpq conninfo value, quoted when it has spaces, quotes or backslashes. */
function libpqValue(value: string): string {
  if (/^[^\s'"\\]+$/.test(value)) return value;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/"/g, '\\"')}'`;
}

/** A word for a POSIX shell: as is when it is plain, else in single quotes. */
function shellWord(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The ready-to-paste ssh, scp and sftp commands of an ssh session (SSH-CONTRACT.md): the gateway's
 * key is pinned in `knownHostsFile`, so host-key checking stays strict and nothing prompts.
 *
 * @example
 *   formatSshCommands({ host: '127.0.0.1', port: 41235, username: 'deploy' }, '/tmp/burrow-ssh-x/known_hosts')
 *   // { ssh: 'ssh -p 41235 -o UserKnownHostsFile=/tmp/burrow-ssh-x/known_hosts -o StrictHostKeyChecking=yes deploy@127.0.0.1', scp: …, sftp: … }
 */
export function formatSshCommands(
  hint: ConnectionHint,
  knownHostsFile: string,
): { ssh: string; scp: string; sftp: string } {
  const pinned = `-o ${shellWord(`UserKnownHostsFile=${knownHostsFile}`)} -o StrictHostKeyChecking=yes`;
  const target = `${hint.username ? `${shellWord(hint.username)}@` : ''}${hint.host}`;
  return {
    ssh: `ssh -p ${hint.port} ${pinned} ${target}`,
    scp: `scp -P ${hint.port} ${pinned} <local file> ${target}:<remote path>`,
    sftp: `sftp -P ${hint.port} ${pinned} ${target}`,
  };
}

/** The block `burrow pam access` prints once its listener is ready. */
export function formatAccessReady(info: {
  path: string;
  sessionId: string;
  resourceType: string;
  hint: ConnectionHint;
  expiresAt: Date;
  /** ssh: the temporary known_hosts file pinning the gateway's SSH server key. */
  knownHostsFile?: string | undefined;
  /** http, kubernetes: the target's origin the local listener stands for. */
  url?: string | undefined;
  /** kubernetes: the kubeconfig context made current (and the one it replaced). */
  kubeContext?: { name: string; previous: string | undefined } | undefined;
  now?: Date;
}): string {
  const now = info.now ?? new Date();
  const lines = [
    `PAM session ${info.sessionId} for ${info.path} (${info.resourceType})`,
    `Listening on ${info.hint.host}:${info.hint.port}; expires ${info.expiresAt.toISOString()} (in ${humanDuration(info.expiresAt.getTime() - now.getTime())})`,
  ];
  if (info.resourceType === 'postgres') {
    lines.push('Connect with:', '', `  ${formatPsqlCommand(info.hint)}`, '');
    lines.push(
      `  or any PostgreSQL client: host ${info.hint.host}, port ${info.hint.port}` +
        (info.hint.username ? `, user ${info.hint.username}` : '') +
        (info.hint.database ? `, database ${info.hint.database}` : '') +
        ', no password, no TLS',
    );
    const { username, database } = info.hint;
    if (username && database)
      lines.push(
        `  (the gateway logs in as ${username} to database ${database} whatever user= and dbname= the client sends)`,
      );
  } else if (info.resourceType === 'ssh' && info.knownHostsFile) {
    const commands = formatSshCommands(info.hint, info.knownHostsFile);
    lines.push(
      'Connect with:',
      '',
      `  ${commands.ssh}`,
      `  ${commands.scp}`,
      `  ${commands.sftp}`,
      '',
      `  (the gateway's SSH key is pinned in ${info.knownHostsFile}, removed when the session ends;` +
        (info.hint.username
          ? ` it logs in to the server as ${info.hint.username} whatever user name the client sends)`
          : ' it logs in to the server with the account’s user whatever user name the client sends)'),
    );
  } else if (info.resourceType === 'http') {
    const local = `http://${info.hint.host}:${info.hint.port}/`;
    lines.push(
      `Open ${local}${info.url ? ` (it stands for ${info.url})` : ''}`,
      '',
      `  curl ${local}`,
      '',
      '  (the gateway adds the account’s credential to every request and drops any the client sends)',
    );
  } else if (info.resourceType === 'kubernetes' && info.kubeContext) {
    lines.push(
      `kubectl context ${info.kubeContext.name} is now current${info.url ? ` (the API server ${info.url})` : ''}:`,
      '',
      '  kubectl get pods',
      '',
      `  (the gateway adds the service account's token; the previous context ${
        info.kubeContext.previous ?? '(none)'
      } comes back when the session ends)`,
    );
  } else {
    lines.push(`Connect your ${info.resourceType} client to ${info.hint.host}:${info.hint.port}`);
  }
  lines.push('', 'The gateway supplies the credentials and records the session. Ctrl-C ends it.');
  return lines.join('\n');
}

/** `burrow pam accounts list`: path (what `pam access` takes), type and database user. */
export function formatAccountList(accounts: PamAccountRecord[]): string {
  if (accounts.length === 0) return 'No PAM accounts in your organization.';
  const rows = [...accounts]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((a) => [a.path, a.resourceType, a.username ?? '-']);
  return textTable([['ACCOUNT', 'TYPE', 'USER'], ...rows]);
}

/** `burrow pam sessions list`. */
export function formatSessionList(sessions: PamSessionRecord[]): string {
  if (sessions.length === 0) return 'No PAM sessions.';
  return textTable([
    ['SESSION', 'ACCOUNT', 'TYPE', 'STATUS', 'STARTED', 'ENDED', 'EVENTS', 'REASON'],
    ...sessions.map((s) =>
      [
        s.id,
        s.accountPath ?? '-',
        s.resourceType ?? '-',
        s.status,
        s.createdAt ?? '-',
        s.endedAt ?? '-',
        String(s.eventCount ?? s.events?.length ?? '-'),
        s.reason ?? '',
      ].map(terminalSafeLine),
    ),
  ]);
}

/**
 * `burrow pam sessions show <id>`: a header, then every recorded event in order, one block per
 * event: `[n] timestamp`, the input (query text with its parameters), `=> output`.
 *
 * @example
 *   [1] 2026-01-01T10:00:00.000Z
 *       SELECT 1
 *       => SELECT 1
 */
export function formatSessionDetails(session: PamSessionRecord): string {
  const events = session.events ?? [];
  const safe = (value: string | null | undefined) => terminalSafeLine(value ?? '-');
  const header = [
    `Session  ${safe(session.id)}`,
    `Account  ${safe(session.accountPath)} (${safe(session.resourceType)})`,
    `Status   ${safe(session.status)}`,
    `Started  ${safe(session.createdAt)}`,
    `Ended    ${safe(session.endedAt)}`,
    `Expires  ${safe(session.expiresAt)}`,
  ];
  if (session.reason) header.push(`Reason   ${safe(session.reason)}`);
  header.push(`Events   ${events.length}`);
  for (const problem of session.recordingProblems ?? []) {
    header.push(`WARNING  the recording is incomplete: ${terminalSafeLine(problem)}`);
  }
  if (events.length === 0) return [...header, '', 'No recorded events.'].join('\n');
  // A terminal (SSH) session: its commands, execs, sftp operations and exits, one per line; the
  // terminal itself replays with `export --format asciicast`.
  if (isTerminalRecording(events)) {
    return [
      ...header,
      '',
      eventsToCommandLog(events).trimEnd() || '(no commands: only terminal output)',
      '',
      `Replay the terminal: burrow pam sessions export ${safe(session.id)} --format asciicast | asciinema cat -`,
    ].join('\n');
  }
  return [
    ...header,
    '',
    ...events.map((event, index) => formatRecordedEvent(event, index + 1)),
  ].join('\n');
}

/**
 * `burrow pam sessions export <id>`: one event per line, each line a complete JSON value in the
 * control plane's field order, no trailing newline ('' for no events).
 *
 * @example
 *   {"timestamp":"2026-01-01T10:00:00.000Z","input":"SELECT 1","output":"SELECT 1"}
 */
export function formatSessionEventsJsonLines(events: readonly unknown[]): string {
  return events.map((event) => JSON.stringify(event)).join('\n');
}

/** `burrow gateways list`. */
export function formatGatewayList(gateways: GatewayRecord[]): string {
  if (gateways.length === 0) return 'No gateways.';
  return textTable([
    ['NAME', 'ID', 'RELAY', 'HEALTHY', 'LAST HEARTBEAT'],
    ...gateways.map((g) => [
      g.name,
      g.id,
      g.relayName ?? '-',
      g.isHealthy === undefined ? '-' : g.isHealthy ? 'yes' : 'no',
      g.heartbeat ?? '-',
    ]),
  ]);
}
