import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { readPamCapabilities } from '../src/pam-capabilities.ts';

function frame(json: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(json));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  return Buffer.concat([length, body]);
}

describe('readPamCapabilities', () => {
  it('reads the length-prefixed JSON, even split across chunks', async () => {
    const stream = new PassThrough();
    const result = readPamCapabilities(stream);
    const bytes = frame({ gatewayName: 'gw', supportedResourceTypes: ['postgres'] });
    stream.write(bytes.subarray(0, 3));
    stream.write(bytes.subarray(3, 10));
    stream.write(bytes.subarray(10));
    await expect(result).resolves.toEqual({
      gatewayName: 'gw',
      supportedResourceTypes: ['postgres'],
    });
  });

  it('fails when the gateway closes first, or sends garbage, or nothing in time', async () => {
    const closed = new PassThrough();
    const first = readPamCapabilities(closed);
    closed.destroy();
    await expect(first).rejects.toThrow(/closed/);

    const garbage = new PassThrough();
    const second = readPamCapabilities(garbage);
    garbage.write(Buffer.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]));
    await expect(second).rejects.toThrow(/not JSON/);

    await expect(readPamCapabilities(new PassThrough(), 50)).rejects.toThrow(/within 50 ms/);
  });
});
