/**
 * The client side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL uses it, on node:crypto.
 *
 *   client-first  "n,,n=,r=<client nonce>"           (gs2 header "n,,": no channel binding; the
 *                                                     user name is empty, the server takes the
 *                                                     startup packet's `user`)
 *   server-first  "r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>"
 *   client-final  "c=biws,r=<nonce>,p=<base64 ClientProof>"
 *   server-final  "v=<base64 ServerSignature>"  or  "e=<error>"
 *
 *   SaltedPassword  = PBKDF2-HMAC-SHA-256(SASLprep(password), salt, i, 32)
 *   ClientKey       = HMAC(SaltedPassword, "Client Key");  StoredKey = SHA-256(ClientKey)
 *   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
 *   ClientProof     = ClientKey XOR HMAC(StoredKey, AuthMessage)
 *   ServerSignature = HMAC(HMAC(SaltedPassword, "Server Key"), AuthMessage)
 *
 * The server signature is verified (constant time): a server that does not know the password
 * cannot pretend the login succeeded. The client nonce is 18 random bytes, base64 (as libpq and
 * the reference do). Iteration counts are bounded so a hostile server cannot burn the gateway's CPU.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export const SCRAM_SHA_256 = 'SCRAM-SHA-256';

/** PostgreSQL's default is 4096; far above this is a server trying to stall the gateway. */
const MAX_ITERATIONS = 1_000_000;
const CLIENT_NONCE_BYTES = 18;
/** base64("n,,"): the gs2 header, echoed in client-final. */
const CHANNEL_BINDING_NONE = 'biws';

/** A SCRAM exchange failed; the message never holds the password or derived keys. */
export class ScramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScramError';
  }
}

/**
 * One SCRAM-SHA-256 client exchange.
 *
 * @example
 *   const scram = new ScramSha256Client(password);
 *   send(scram.clientFirstMessage());
 *   send(await scram.clientFinalMessage(serverFirst));
 *   scram.verifyServerFinal(serverFinal);
 */
export class ScramSha256Client {
  private readonly password: string;
  private readonly clientNonce: string;
  private readonly username: string;
  private serverSignature: Buffer | undefined;

  /**
   * @param username PostgreSQL ignores it (the startup packet names the user), so it is empty
   *   unless a test replays an RFC example.
   */
  constructor(
    password: string,
    clientNonce: string = randomBytes(CLIENT_NONCE_BYTES).toString('base64'),
    username = '',
  ) {
    this.password = password;
    this.clientNonce = clientNonce;
    this.username = username.replaceAll('=', '=3D').replaceAll(',', '=2C');
  }

  clientFirstMessage(): string {
    return `n,,${this.clientFirstBare()}`;
  }

  async clientFinalMessage(serverFirst: string): Promise<string> {
    const attributes = parseAttributes(serverFirst);
    const nonce = attributes.get('r');
    const saltText = attributes.get('s');
    const iterationsText = attributes.get('i');
    if (nonce === undefined || saltText === undefined || iterationsText === undefined) {
      throw new ScramError('server-first-message is missing r, s or i');
    }
    if (!nonce.startsWith(this.clientNonce) || nonce.length <= this.clientNonce.length) {
      throw new ScramError('server nonce does not extend the client nonce');
    }
    if (!/^[1-9][0-9]*$/.test(iterationsText)) throw new ScramError('invalid iteration count');
    const iterations = Number(iterationsText);
    if (iterations > MAX_ITERATIONS) {
      throw new ScramError(`iteration count ${iterations} is above ${MAX_ITERATIONS}`);
    }
    const salt = Buffer.from(saltText, 'base64');
    if (salt.length === 0) throw new ScramError('empty salt');

    const saltedPassword = await pbkdf2Async(
      saslPrep(this.password),
      salt,
      iterations,
      32,
      'sha256',
    );
    const clientKey = hmac(saltedPassword, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const clientFinalWithoutProof = `c=${CHANNEL_BINDING_NONE},r=${nonce}`;
    const authMessage = `${this.clientFirstBare()},${serverFirst},${clientFinalWithoutProof}`;
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.serverSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
    return `${clientFinalWithoutProof},p=${proof.toString('base64')}`;
  }

  /** Throws unless the server proved it knows the password. */
  verifyServerFinal(serverFinal: string): void {
    if (!this.serverSignature) throw new ScramError('server-final before client-final');
    const attributes = parseAttributes(serverFinal);
    const error = attributes.get('e');
    if (error !== undefined) throw new ScramError(`server reported ${error}`);
    const verifier = attributes.get('v');
    if (verifier === undefined) throw new ScramError('server-final-message has no verifier');
    const received = Buffer.from(verifier, 'base64');
    if (
      received.length !== this.serverSignature.length ||
      !timingSafeEqual(received, this.serverSignature)
    ) {
      throw new ScramError('the server signature does not match (the server may be an impostor)');
    }
  }

  private clientFirstBare(): string {
    return `n=${this.username},r=${this.clientNonce}`;
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(',')) {
    const equals = part.indexOf('=');
    if (equals !== 1) continue;
    attributes.set(part[0]!, part.slice(2));
  }
  return attributes;
}

/** RFC 3454 table B.1 ("commonly mapped to nothing"), which SASLprep removes. */
const MAPPED_TO_NOTHING: ReadonlySet<number> = new Set([
  0x00ad, 0x034f, 0x1806, 0x180b, 0x180c, 0x180d, 0x200b, 0x200c, 0x200d, 0x2060, 0xfe00, 0xfe01,
  0xfe02, 0xfe03, 0xfe04, 0xfe05, 0xfe06, 0xfe07, 0xfe08, 0xfe09, 0xfe0a, 0xfe0b, 0xfe0c, 0xfe0d,
  0xfe0e, 0xfe0f, 0xfeff,
]);

/**
 * SASLprep (RFC 4013), the parts that matter for passwords: non-ASCII spaces become a space,
 * "mapped to nothing" characters are dropped, then NFKC. Like libpq, a password that cannot be
 * prepared (it holds prohibited characters) is used as it is.
 */
function saslPrep(password: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  const mapped = password
    .replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
    .split('')
    .filter((char) => !MAPPED_TO_NOTHING.has(char.charCodeAt(0)))
    .join('')
    .normalize('NFKC');
  // Prohibited output (control characters, private use, surrogates, non-characters): keep raw.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\ue000-\uf8ff\ufff9-\ufffd]/u.test(mapped)) return password;
  return mapped;
}
