import { describe, expect, it } from '@jest/globals';
import { CertificateError } from '../src/certificate-error.ts';
import { SshWireReader, SshWireWriter } from '../src/ssh/ssh-wire.ts';

function errorOf(fn: () => unknown): CertificateError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CertificateError);
    return e as CertificateError;
  }
  throw new Error('expected a CertificateError');
}

describe('SshWireWriter / SshWireReader', () => {
  it('round-trips every type', () => {
    const blob = new SshWireWriter()
      .writeByte(7)
      .writeUint32(0xdeadbeef)
      .writeUint64(0xffff_ffff_ffff_ffffn)
      .writeString('héllo')
      .writeMpint(Buffer.from([0x80, 1]))
      .writeMpint(Buffer.from([0, 0, 0x7f]))
      .writeMpint(Buffer.alloc(0))
      .toBuffer();
    const r = new SshWireReader(blob);
    expect(r.readByte()).toBe(7);
    expect(r.readUint32()).toBe(0xdeadbeef);
    expect(r.readUint64()).toBe(0xffff_ffff_ffff_ffffn);
    expect(r.readUtf8()).toBe('héllo');
    expect(r.readMpint()).toEqual(Buffer.from([0x80, 1]));
    expect(r.readMpint()).toEqual(Buffer.from([0x7f]));
    expect(r.readMpint()).toEqual(Buffer.alloc(0));
    expect(r.atEnd()).toBe(true);
  });

  it('encodes mpints as RFC 4251 says', () => {
    // RFC 4251 §5 examples: 0x80 → 00 00 00 02 00 80; 0 → 00 00 00 00.
    expect(new SshWireWriter().writeMpint(Buffer.of(0x80)).toBuffer()).toEqual(
      Buffer.from('000000020080', 'hex'),
    );
    expect(new SshWireWriter().writeMpint(Buffer.of(0)).toBuffer()).toEqual(
      Buffer.from('00000000', 'hex'),
    );
    expect(
      new SshWireWriter().writeMpint(Buffer.from('09a378f9b2e332a7', 'hex')).toBuffer(),
    ).toEqual(Buffer.from('0000000809a378f9b2e332a7', 'hex'));
  });

  it('reports truncation with the offset of the failing field', () => {
    const blob = new SshWireWriter().writeString('abc').toBuffer();
    const r = new SshWireReader(Buffer.concat([blob, Buffer.from([0, 0, 0, 9, 1])]));
    r.readString();
    const e = errorOf(() => r.readString('second'));
    expect(e.code).toBe('MALFORMED');
    expect(e.offset).toBe(7);
    expect(e.message).toContain('second');
  });

  it('refuses a huge length prefix without allocating', () => {
    const e = errorOf(() => new SshWireReader(Buffer.from('ffffffff00', 'hex')).readString());
    expect(e.code).toBe('MALFORMED');
    expect(e.offset).toBe(0);
  });

  it('keeps offsets absolute in nested readers', () => {
    const inner = new SshWireWriter().writeString('x').toBuffer();
    const blob = new SshWireWriter().writeUint32(1).writeString(inner).toBuffer();
    const r = new SshWireReader(blob);
    r.readUint32();
    const nested = r.readNested();
    expect(nested.offset).toBe(8);
    nested.readString();
    const e = errorOf(() => nested.readUint32());
    expect(e.offset).toBe(13);
  });

  it('refuses negative mpints, invalid UTF-8 and trailing bytes', () => {
    expect(
      errorOf(() => new SshWireReader(Buffer.from('0000000180', 'hex')).readMpint()).code,
    ).toBe('MALFORMED');
    expect(errorOf(() => new SshWireReader(Buffer.from('00000001ff', 'hex')).readUtf8()).code).toBe(
      'MALFORMED',
    );
    const r = new SshWireReader(Buffer.from('0000000000', 'hex'));
    r.readString();
    const e = errorOf(() => r.expectEnd('thing'));
    expect(e.offset).toBe(4);
  });

  it('refuses out-of-range values when writing', () => {
    expect(errorOf(() => new SshWireWriter().writeUint32(-1)).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => new SshWireWriter().writeUint32(2 ** 32)).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => new SshWireWriter().writeUint64(2n ** 64n)).code).toBe('INVALID_ARGUMENT');
  });
});
