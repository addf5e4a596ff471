/**
 * The PostgreSQL pieces of the PAM proxy on their own: framing under arbitrary chunking, SCRAM
 * against RFC 7677's example, MD5, parameter interpolation and the recorder's request/answer
 * matching (pipelines, errors, suspended portals).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { interpolateParameters } from '../../../src/pam/postgres/bound-parameters.ts';
import { encodeErrorResponse } from '../../../src/pam/postgres/error-response.ts';
import type { QueryEvent } from '../../../src/pam/postgres/query-recorder.ts';
import { QueryRecorder } from '../../../src/pam/postgres/query-recorder.ts';
import { ScramSha256Client } from '../../../src/pam/postgres/scram-sha-256.ts';
import { md5Response } from '../../../src/pam/postgres/server-authentication.ts';
import type { SplitterOutput } from '../../../src/pam/postgres/wire-messages.ts';
import {
  PgMessageSplitter,
  PgProtocolError,
  cstring,
  encodeMessage,
  int32,
} from '../../../src/pam/postgres/wire-messages.ts';

describe('PgMessageSplitter', () => {
  const messages = [
    encodeMessage('Q', cstring('select 1')),
    encodeMessage('D', Buffer.alloc(3000, 7)),
    encodeMessage('C', cstring('SELECT 1')),
    encodeMessage('D', Buffer.alloc(0)),
    encodeMessage('Z', Buffer.from('I')),
    encodeMessage('Q', Buffer.alloc(5000, 0x61)), // inspected type, over the limit
    encodeMessage('S'),
  ];
  const stream = Buffer.concat(messages);

  function split(chunkSizes: () => number): { out: SplitterOutput[]; bytes: Buffer } {
    const splitter = new PgMessageSplitter({
      inspect: new Set(['Q', 'C', 'Z', 'S']),
      maxInspectedBodyBytes: 4096,
    });
    const out: SplitterOutput[] = [];
    for (let offset = 0; offset < stream.length;) {
      const size = Math.min(chunkSizes(), stream.length - offset);
      out.push(...splitter.push(stream.subarray(offset, offset + size)));
      offset += size;
    }
    expect(splitter.atMessageBoundary).toBe(true);
    const bytes = Buffer.concat(
      out.flatMap((item) =>
        item.kind === 'bytes' ? [item.bytes] : item.kind === 'message' ? [item.raw] : [],
      ),
    );
    return { out, bytes };
  }

  it.each([1, 2, 3, 5, 7, 64, 4099, 100_000])(
    'forwards every byte in order and hands out inspected messages whole (chunks of %i)',
    (size) => {
      const { out, bytes } = split(() => size);
      expect(bytes.equals(stream)).toBe(true);
      const inspected = out.flatMap((item) =>
        item.kind === 'message' ? [`${item.message.type}:${item.message.body.length}`] : [],
      );
      expect(inspected).toEqual(['Q:9', 'C:9', 'Z:1', 'S:0']);
      expect(out.filter((item) => item.kind === 'oversized')).toEqual([
        { kind: 'oversized', type: 'Q', length: 5000 },
      ]);
    },
  );

  it('survives random chunking', () => {
    for (let round = 0; round < 50; round++) {
      const { bytes } = split(() => 1 + Math.floor(Math.random() * 600));
      expect(bytes.equals(stream)).toBe(true);
    }
  });

  it('refuses a length below 4', () => {
    const splitter = new PgMessageSplitter({ inspect: new Set(), maxInspectedBodyBytes: 10 });
    expect(() => splitter.push(Buffer.from([0x51, 0, 0, 0, 3]))).toThrow(PgProtocolError);
  });
});

describe('authentication answers', () => {
  it('SCRAM-SHA-256 reproduces RFC 7677 and verifies the server signature', async () => {
    const scram = new ScramSha256Client('pencil', 'rOprNGfwEbeRWgbNEkqO', 'user');
    expect(scram.clientFirstMessage()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const final = await scram.clientFinalMessage(
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    expect(final).toBe(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    expect(() =>
      scram.verifyServerFinal('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='),
    ).not.toThrow();
    expect(() => scram.verifyServerFinal('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).toThrow(
      'server signature does not match',
    );
  });

  it('SCRAM refuses a server nonce that does not extend the client nonce', async () => {
    const scram = new ScramSha256Client('pencil', 'abc');
    await expect(scram.clientFinalMessage('r=xyz123,s=AAAA,i=4096')).rejects.toThrow(
      'does not extend',
    );
  });

  it('MD5 is "md5" + md5(md5(password + user) + salt)', () => {
    const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');
    const salt = Buffer.from([1, 2, 3, 4]);
    const expected = `md5${md5(Buffer.concat([Buffer.from(md5('secretalice')), salt]))}`;
    expect(md5Response({ username: 'alice', password: 'secret' }, salt)).toBe(expected);
  });
});

describe('interpolateParameters', () => {
  it('replaces placeholders but not inside strings, identifiers, comments or dollar quotes', () => {
    expect(
      interpolateParameters(
        `select $1, '$1', "$2", $2 -- $1\n, $$ $1 $$, $tag$ $2 $tag$ /* $1 */, $10, a$1`,
        ["'x'", '7'],
      ),
    ).toBe(`select 'x', '$1', "$2", 7 -- $1\n, $$ $1 $$, $tag$ $2 $tag$ /* $1 */, $10, a$1`);
  });
});

describe('QueryRecorder', () => {
  const parse = (name: string, query: string, types: number[] = []) =>
    ({
      type: 'P',
      body: Buffer.concat([
        cstring(name),
        cstring(query),
        Buffer.from([types.length >> 8, types.length & 0xff]),
        ...types.map((t) => int32(t)),
      ]),
    }) as const;
  const bind = (portal: string, statement: string, values: (string | null)[]) => {
    const parts: Buffer[] = [cstring(portal), cstring(statement), Buffer.from([0, 0])];
    parts.push(Buffer.from([0, values.length]));
    for (const value of values) {
      if (value === null) parts.push(int32(-1));
      else parts.push(int32(Buffer.byteLength(value)), Buffer.from(value));
    }
    parts.push(Buffer.from([0, 0]));
    return { type: 'B', body: Buffer.concat(parts) } as const;
  };
  const execute = (portal: string) =>
    ({ type: 'E', body: Buffer.concat([cstring(portal), int32(0)]) }) as const;
  const sync = { type: 'S', body: Buffer.alloc(0) } as const;
  const server = (type: string, body: Buffer = Buffer.alloc(0)) => ({ type, body });
  const error = (message: string) => {
    const raw = encodeErrorResponse({ severity: 'ERROR', code: '42P01', message });
    return server('E', raw.subarray(5));
  };

  function recorder(): { recorder: QueryRecorder; events: QueryEvent[] } {
    const events: QueryEvent[] = [];
    return { recorder: new QueryRecorder((event) => events.push(event)), events };
  }

  it('records a pipeline of executes in order, each with its own parameters', () => {
    const { recorder: r, events } = recorder();
    r.fromClient(parse('s1', 'insert into t values ($1, $2)', [23, 25]));
    r.fromClient(bind('', 's1', ['1', "it's"]));
    r.fromClient(execute(''));
    r.fromClient(bind('', 's1', ['2', null]));
    r.fromClient(execute(''));
    r.fromClient(sync);
    r.fromServer(server('1'));
    r.fromServer(server('2'));
    r.fromServer(server('C', cstring('INSERT 0 1')));
    r.fromServer(server('2'));
    r.fromServer(server('C', cstring('INSERT 0 1')));
    r.fromServer(server('Z', Buffer.from('I')));
    expect(events.map(({ input, output }) => [input, output])).toEqual([
      ["insert into t values (1, 'it''s')", 'INSERT 0 1'],
      ['insert into t values (2, NULL)', 'INSERT 0 1'],
    ]);
  });

  it('an error fails every execute up to the Sync; a failed Parse is recorded once', () => {
    const { recorder: r, events } = recorder();
    r.fromClient(parse('', 'select * from missing where id = $1'));
    r.fromClient(bind('', '', ['5']));
    r.fromClient(execute(''));
    r.fromClient(sync);
    r.fromServer(error('relation "missing" does not exist'));
    r.fromServer(server('Z', Buffer.from('I')));
    r.fromClient(parse('', 'selec 1'));
    r.fromClient(sync);
    r.fromServer(error('syntax error at or near "selec"'));
    r.fromServer(server('Z', Buffer.from('I')));
    expect(events.map(({ input, output }) => [input, output])).toEqual([
      ["select * from missing where id = '5'", 'ERROR: relation "missing" does not exist'],
      ['selec 1', 'ERROR: syntax error at or near "selec"'],
    ]);
  });

  it('a simple query with several statements joins the tags; a suspended portal says so', () => {
    const { recorder: r, events } = recorder();
    r.fromClient({ type: 'Q', body: cstring('begin; select 1; commit') });
    r.fromServer(server('C', cstring('BEGIN')));
    r.fromServer(server('T', Buffer.alloc(2)));
    r.fromServer(server('C', cstring('SELECT 1')));
    r.fromServer(server('C', cstring('COMMIT')));
    r.fromServer(server('Z', Buffer.from('I')));
    r.fromClient(parse('', 'select generate_series(1, 10)'));
    r.fromClient(bind('p', '', []));
    r.fromClient(execute('p'));
    r.fromClient(sync);
    r.fromServer(server('1'));
    r.fromServer(server('2'));
    r.fromServer(server('s'));
    r.fromServer(server('Z', Buffer.from('T')));
    r.fromClient({ type: 'Q', body: cstring('select pg_sleep(100)') });
    r.close('the PAM session expired');
    expect(events.map(({ input, output }) => [input, output])).toEqual([
      ['begin; select 1; commit', 'BEGIN; SELECT 1; COMMIT'],
      ['select generate_series(1, 10)', 'SUSPENDED (row limit reached)'],
      [
        'select pg_sleep(100)',
        '(connection closed before the query finished: the PAM session expired)',
      ],
    ]);
  });
});
