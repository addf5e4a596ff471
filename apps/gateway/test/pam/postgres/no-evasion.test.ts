/**
 * Issue 14, "no evasion": whatever the database executed is in the recording with its SQL text,
 * and no answer reaches the caller for a query that could not be recorded. The real proxy
 * (PostgresPamConnection with its QueryRecorder) in front of a real PostgreSQL, driven by the
 * real pg driver (its Client, and its protocol-level Connection where a test must pipeline) and
 * psql; the session's recording is an in-memory list here (the file is session-recorder's
 * business and has its own tests), so that a test can also make an append fail.
 */
import { createHash, randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import pg from 'pg';
import { BackendKeyTable } from '../../../src/pam/postgres/backend-keys.ts';
import { PostgresPamConnection } from '../../../src/pam/postgres/postgres-pam-proxy.ts';
import type { PostgresCredentials } from '../../../src/pam/postgres/postgres-credentials.ts';
import {
  MAX_INSPECTED_CLIENT_MESSAGE_BYTES,
  MAX_RECORDED_QUERY_CHARS,
} from '../../../src/pam/postgres/query-recorder.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { runPsql } from '../../helpers/psql-client.ts';
import type { PostgresTarget } from '../../helpers/postgres-target.ts';
import { startPostgresTarget } from '../../helpers/postgres-target.ts';

jest.setTimeout(120_000);

interface Event {
  timestamp: string;
  input: string;
  output: string;
}

let postgres: PostgresTarget;
let listener: net.Server;
let port: number;
/** What the session recorded. */
let events: Event[];
/** When set, appends fail from this event on (0 = the first). */
let failAppendsFrom: number | undefined;
const connections: PostgresPamConnection[] = [];

beforeAll(async () => {
  postgres = await startPostgresTarget();
  const credentials: PostgresCredentials = {
    host: postgres.host,
    port: postgres.port,
    database: postgres.database,
    username: postgres.scram.username,
    password: postgres.scram.password,
    sslEnabled: false,
    sslRejectUnauthorized: false,
  };
  const logger = captureLogs('warn').logger;
  const backendKeys = new BackendKeyTable();
  listener = net.createServer((socket) => {
    const connection = new PostgresPamConnection(
      socket as never,
      {
        sessionId: randomUUID(),
        resourceType: 'postgres',
        credentials: async () => credentials,
        record: async (event: object) => {
          // Like a real append: on disk a moment later.
          await new Promise((resolve) => setImmediate(resolve));
          if (failAppendsFrom !== undefined && events.length >= failAppendsFrom) {
            throw new Error('ENOSPC: no space left on device, write');
          }
          events.push(event as Event);
        },
        backendKeys,
      },
      logger,
    );
    connections.push(connection);
    connection.start();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
});

beforeEach(() => {
  events = [];
  failAppendsFrom = undefined;
});

afterAll(async () => {
  for (const connection of connections) connection.terminate('test over');
  await Promise.all(connections.map((connection) => connection.closed));
  await new Promise<void>((resolve) => listener?.close(() => resolve()));
  await postgres?.stop();
});

function client(): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, user: 'nobody', database: 'nowhere' });
}

/** pg.Connection, the pg driver's protocol layer (its typings leave most of it out). */
interface ProtocolConnection extends NodeJS.EventEmitter {
  readonly stream: net.Socket;
  connect(port: number, host: string): void;
  startup(parameters: Record<string, string>): void;
  parse(query: { name: string; text: string; types: number[] }): void;
  bind(config: { statement: string; values: unknown[] }): void;
  execute(config: { rows: number }): void;
  sync(): void;
  query(text: string): void;
  end(): void;
}

/** The pg driver's protocol layer on a fresh connection, logged in. */
async function protocolConnection(): Promise<ProtocolConnection> {
  const connection = new pg.Connection() as unknown as ProtocolConnection;
  await new Promise<void>((resolve, reject) => {
    connection.once('connect', () => {
      connection.startup({ user: 'nobody', database: 'nowhere' });
    });
    connection.once('readyForQuery', () => resolve());
    connection.once('errorMessage', (error: Error) => reject(error));
    connection.connect(port, '127.0.0.1');
  });
  return connection;
}

/** Resolves after `count` ReadyForQuery messages. */
function readyForQuery(connection: ProtocolConnection, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onReady = (): void => {
      seen += 1;
      if (seen === count) {
        connection.off('readyForQuery', onReady);
        resolve();
      }
    };
    connection.on('readyForQuery', onReady);
  });
}

/** psql on the listener, without ON_ERROR_STOP (one statement per script here). */
function psql(script: string) {
  return runPsql(port, script, { onErrorStop: false });
}

describe('no evasion', () => {
  test('prepare s0, then 10,000 more statements, execute s0: its SQL is recorded', async () => {
    const connection = await protocolConnection();
    connection.parse({ name: 's0', text: 'SELECT 4200 + $1::int AS answer', types: [] });
    for (let i = 1; i <= 10_000; i++) {
      connection.parse({ name: `s${i}`, text: `SELECT ${i} AS filler`, types: [] });
    }
    connection.sync();
    await readyForQuery(connection, 1);

    const rows: unknown[] = [];
    connection.on('dataRow', (message: { fields: unknown[] }) => rows.push(message.fields));
    connection.bind({ statement: 's0', values: ['42'] });
    connection.execute({ rows: 0 });
    connection.sync();
    await readyForQuery(connection, 1);
    expect(rows.map((fields) => String((fields as Buffer[])[0]))).toEqual(['4242']);
    connection.end();

    expect(events.map(({ input, output }) => ({ input, output }))).toEqual([
      { input: "SELECT 4200 + '42'::int AS answer", output: 'SELECT 1' },
    ]);
  });

  test('100,000 pipelined Syncs before a query do not drop it', async () => {
    const connection = await protocolConnection();
    const syncs = Buffer.alloc(100_000 * 5);
    for (let i = 0; i < 100_000; i++) {
      syncs.write('S', i * 5, 'latin1');
      syncs.writeInt32BE(4, i * 5 + 1);
    }
    const answered = readyForQuery(connection, 100_001);
    connection.stream.write(syncs);
    connection.query("SELECT 'after 100000 syncs' AS marker");
    await answered;
    connection.end();
    expect(events.map(({ input, output }) => ({ input, output }))).toEqual([
      { input: "SELECT 'after 100000 syncs' AS marker", output: 'SELECT 1' },
    ]);
  });

  test('a query of 2 MiB (psql) is recorded in full', async () => {
    const literal = 'x'.repeat(2 * 1024 * 1024);
    // psql sends the statement with its semicolon.
    const query = `SELECT length('${literal}') AS n;`;
    const result = await psql(`${query}\n`);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(String(literal.length));
    expect(events).toHaveLength(1);
    const input = events[0]?.input ?? '';
    // Compared without printing 2 MiB on failure.
    expect({ length: input.length, head: input.slice(0, 30), tail: input.slice(-20) }).toEqual({
      length: query.length,
      head: query.slice(0, 30),
      tail: query.slice(-20),
    });
    expect(input === query).toBe(true);
    expect(events[0]?.output).toBe('SELECT 1');
  });

  test('a query over the bound (pg driver, 6 MiB) is kept up to the bound with the SHA-256 of the whole', async () => {
    expect(6 * 1024 * 1024).toBeGreaterThan(MAX_INSPECTED_CLIENT_MESSAGE_BYTES);
    const literal = 'y'.repeat(6 * 1024 * 1024);
    const query = `SELECT length('${literal}') AS n`;
    const c = client();
    await c.connect();
    expect((await c.query(query)).rows).toEqual([{ n: literal.length }]);
    await c.end();
    expect(events).toHaveLength(1);
    const { input, output } = events[0] as Event;
    expect(output).toBe('SELECT 1');
    // The simple-query message body is the text and its NUL.
    const sha256 = createHash('sha256')
      .update(Buffer.concat([Buffer.from(query), Buffer.alloc(1)]))
      .digest('hex');
    expect(input.startsWith(query.slice(0, MAX_RECORDED_QUERY_CHARS))).toBe(true);
    expect(
      input.endsWith(
        `… (truncated: the Q message is ${query.length + 1} bytes; SHA-256 of its body ${sha256})`,
      ),
    ).toBe(true);
  });

  test('a prepared statement over the bound: its Bind and Execute are recorded with its text and hash', async () => {
    const literal = 'z'.repeat(5 * 1024 * 1024);
    const text = `SELECT length('${literal}') + $1::int AS n`;
    const c = client();
    await c.connect();
    expect((await c.query({ name: 'big', text, values: [1] })).rows).toEqual([
      { n: literal.length + 1 },
    ]);
    expect((await c.query({ name: 'big', text, values: [2] })).rows).toEqual([
      { n: literal.length + 2 },
    ]);
    await c.end();
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.output).toBe('SELECT 1');
      expect(event.input.startsWith("SELECT length('zzz")).toBe(true);
      expect(event.input.slice(-200)).toMatch(
        /… \(truncated: the P message is \d+ bytes; SHA-256 of its body [0-9a-f]{64}\)$/,
      );
    }
  });
});

describe('fail closed', () => {
  test('statements the recorder cannot keep without forgetting one close the connection before they run', async () => {
    const connection = await protocolConnection();
    const errors: Array<{ message: string; code: string }> = [];
    connection.on('errorMessage', (error: { message: string; code: string }) => errors.push(error));
    const closed = new Promise<void>((resolve) => connection.stream.once('close', () => resolve()));
    // 17 statements of 4 MiB of SQL each: more than MAX_REMEMBERED_CHARS (64 Mi) together.
    const body = 'x'.repeat(4 * 1024 * 1024 - 64);
    for (let i = 0; i < 17; i++) {
      connection.parse({ name: `big${i}`, text: `SELECT '${body}' AS b${i}`, types: [] });
    }
    connection.sync();
    await closed;
    expect(errors.map((error) => error.code)).toEqual(['54000']);
    expect(errors[0]?.message).toMatch(
      /records at most 67108864 and never forgets one the database can still execute: close statements/,
    );
  });

  test('an answer whose event cannot be written never reaches the caller; the connection closes', async () => {
    const c = client();
    await c.connect();
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    failAppendsFrom = 1;
    const error = await c.query("SELECT 'secret result' AS leaked").then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /gateway could not record this query, so its answer is withheld/,
    );
    await c.end().catch(() => undefined);
    expect(events.map((event) => event.input)).toEqual(['SELECT 1 AS one']);
  });
});
