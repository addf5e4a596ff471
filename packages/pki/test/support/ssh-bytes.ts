/** Byte-level helpers for tampering tests. */

/** A copy of `buf` with the byte at `index` XOR-ed with `mask` (negative index counts from the end). */
export function flipByte(buf: Buffer, index: number, mask = 0x01): Buffer {
  const out = Buffer.from(buf);
  const at = index < 0 ? out.length + index : index;
  out[at] = (out[at] as number) ^ mask;
  return out;
}
