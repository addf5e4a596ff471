/**
 * Certificate serial numbers: 16 random bytes (128 bits, CA/B Forum asks for at least 64 bits of
 * entropy) with the high bit cleared so the DER INTEGER is positive without a padding byte (RFC
 * 5280 §4.1.2.2: positive, at most 20 octets), and a non-zero first byte so it always encodes in
 * exactly 16 octets (DER forbids leading zero bytes, and strict parsers such as Go's reject them).
 */

/**
 * Length of a Burrow serial number in bytes.
 *
 * @example
 *   Buffer.from(randomSerialNumber(), 'hex').length === SERIAL_NUMBER_BYTES; // true
 */
export const SERIAL_NUMBER_BYTES = 16;

/**
 * Returns a fresh random serial number as lowercase hex (the form `@peculiar/x509` takes).
 *
 * @example
 *   randomSerialNumber(); // '5c1f0e...' (32 hex digits, first digit 0-7)
 */
export function randomSerialNumber(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(SERIAL_NUMBER_BYTES));
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return Buffer.from(bytes).toString('hex');
}
