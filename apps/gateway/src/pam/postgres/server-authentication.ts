/**
 * The gateway logs in to the PostgreSQL server with the stored credentials, answering the
 * server's authentication requests itself. The caller never sees any of them.
 *
 * Wire contract (server -> gateway, typed 'R' = int32 code ‖ data):
 *   0  AuthenticationOk                     done
 *   3  AuthenticationCleartextPassword      gateway -> 'p' cstring password
 *   5  AuthenticationMD5Password (salt[4])  gateway -> 'p' "md5" + md5hex(md5hex(password ‖ user) ‖ salt)
 *   10 AuthenticationSASL (mechanisms*)     gateway -> 'p' cstring "SCRAM-SHA-256" ‖ int32 len ‖ client-first
 *   11 AuthenticationSASLContinue           gateway -> 'p' client-final
 *   12 AuthenticationSASLFinal              server signature verified (see scram-sha-256.ts)
 *   2/7/8/9 Kerberos/GSS/SSPI               not supported: the login fails with a clear error
 * Other messages in this phase: 'E' ErrorResponse (login refused: reported, password never
 * quoted), 'v' NegotiateProtocolVersion and 'N' NoticeResponse (handed to `onPassThrough` so the
 * caller sees them, as it would from the server).
 */
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { parseErrorFields } from './error-response.ts';
import type { MessageReader } from './message-reader.ts';
import { SCRAM_SHA_256, ScramSha256Client } from './scram-sha-256.ts';
import type { PgMessage } from './wire-messages.ts';
import { BodyReader, PgProtocolError, cstring, encodeMessage, int32 } from './wire-messages.ts';

/** The server refused the login, or asked for something the gateway cannot do. */
export class ServerAuthenticationError extends Error {
  /** SQLSTATE the server reported, when it sent an ErrorResponse. */
  readonly sqlState: string | undefined;
  constructor(message: string, sqlState?: string) {
    super(message);
    this.name = 'ServerAuthenticationError';
    this.sqlState = sqlState;
  }
}

export interface ServerLogin {
  readonly username: string;
  readonly password: string;
}

/** The authentication method the server chose (for logs). */
export type AuthenticationMethod = 'trust' | 'cleartext' | 'md5' | 'scram-sha-256';

/**
 * Runs the authentication exchange after the StartupMessage was sent. Resolves at
 * AuthenticationOk with the method used; rejects with ServerAuthenticationError when the server
 * refuses (its message, which never contains the password) or PgProtocolError on bad framing.
 */
export async function authenticateToServer(
  reader: MessageReader,
  server: Duplex,
  login: ServerLogin,
  onPassThrough: (message: PgMessage) => void,
): Promise<AuthenticationMethod> {
  let method: AuthenticationMethod = 'trust';
  let scram: ScramSha256Client | undefined;
  for (;;) {
    const message = await reader.message();
    if (message.type === 'E') {
      const fields = parseErrorFields(message.body);
      throw new ServerAuthenticationError(fields.get('M') ?? 'login refused', fields.get('C'));
    }
    if (message.type === 'v' || message.type === 'N') {
      onPassThrough(message);
      continue;
    }
    if (message.type !== 'R') {
      throw new PgProtocolError(
        `unexpected server message ${JSON.stringify(message.type)} during authentication`,
      );
    }
    const body = new BodyReader(message.body);
    const code = body.int32();
    switch (code) {
      case 0:
        if (scram) throw new PgProtocolError('AuthenticationOk before the SCRAM exchange ended');
        return method;
      case 3:
        method = 'cleartext';
        server.write(passwordMessage(cstring(login.password)));
        break;
      case 5: {
        method = 'md5';
        const salt = body.bytes(4);
        server.write(passwordMessage(cstring(md5Response(login, salt))));
        break;
      }
      case 10: {
        const mechanisms: string[] = [];
        for (;;) {
          const name = body.cstring();
          if (name === '') break;
          mechanisms.push(name);
        }
        if (!mechanisms.includes(SCRAM_SHA_256)) {
          throw new ServerAuthenticationError(
            `the server offers only SASL mechanisms ${mechanisms.join(', ') || '(none)'}; the gateway supports ${SCRAM_SHA_256}`,
          );
        }
        method = 'scram-sha-256';
        scram = new ScramSha256Client(login.password);
        const first = Buffer.from(scram.clientFirstMessage(), 'utf8');
        server.write(
          passwordMessage(Buffer.concat([cstring(SCRAM_SHA_256), int32(first.length), first])),
        );
        break;
      }
      case 11: {
        if (!scram) throw new PgProtocolError('SASLContinue without SASL');
        const final = await scram.clientFinalMessage(body.rest().toString('utf8'));
        server.write(passwordMessage(Buffer.from(final, 'utf8')));
        break;
      }
      case 12: {
        if (!scram) throw new PgProtocolError('SASLFinal without SASL');
        try {
          scram.verifyServerFinal(body.rest().toString('utf8'));
        } catch (error) {
          throw new ServerAuthenticationError(
            `SCRAM: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        scram = undefined;
        break;
      }
      default:
        throw new ServerAuthenticationError(
          `the server asked for authentication method ${describeAuthCode(code)}, which the gateway does not support (use scram-sha-256, md5 or password)`,
        );
    }
  }
}

function passwordMessage(body: Buffer): Buffer {
  return encodeMessage('p', body);
}

/** "md5" + md5hex(md5hex(password ‖ user) ‖ salt), PostgreSQL's MD5 challenge answer. */
export function md5Response(login: ServerLogin, salt: Buffer): string {
  const inner = createHash('md5')
    .update(login.password, 'utf8')
    .update(login.username, 'utf8')
    .digest('hex');
  const outer = createHash('md5').update(inner, 'latin1').update(salt).digest('hex');
  return `md5${outer}`;
}

function describeAuthCode(code: number): string {
  const names: Record<number, string> = {
    2: 'Kerberos V5',
    6: 'SCM credentials',
    7: 'GSSAPI',
    8: 'GSSAPI',
    9: 'SSPI',
  };
  return names[code] ?? `#${code}`;
}
