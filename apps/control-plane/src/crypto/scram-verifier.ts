import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802/7677, as `pg_authid.rolpassword` stores
 * it): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64. PostgreSQL takes
 * it in `ALTER ROLE … PASSWORD '<verifier>'` as the already-hashed password, so a rotated password
 * never reaches the database server in clear (nor its statement log).
 *
 * Only for passwords that SASLprep leaves unchanged (ASCII letters and digits, as the control
 * plane makes them).
 *
 * @example
 *   scramSha256Verifier('Xy3…'); // 'SCRAM-SHA-256$4096:…$…:…'
 */
export const SCRAM_ITERATIONS = 4096;

export function scramSha256Verifier(password: string, salt = randomBytes(16)): string {
  if (!/^[A-Za-z0-9]+$/.test(password)) throw new Error('only letters and digits are hashed here');
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
