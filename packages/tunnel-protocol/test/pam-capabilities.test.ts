import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import {
  decodePamCapabilities,
  encodePamCapabilities,
  readPamCapabilities,
} from '../src/pam-capabilities.ts';

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

  it('round-trips the frame with the gateway SSH host key; drops wrong-typed fields', async () => {
    const stream = new PassThrough();
    const result = readPamCapabilities(stream);
    const sent = {
      gatewayName: 'gw-1',
      supportedResourceTypes: ['postgres', 'ssh'],
      sshHostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0 gw-1',
    };
    stream.write(encodePamCapabilities(sent));
    await expect(result).resolves.toEqual(sent);
    expect(
      decodePamCapabilities(
        Buffer.from(JSON.stringify({ supportedResourceTypes: ['ssh', 7], sshHostKey: 42 })),
      ),
    ).toEqual({ supportedResourceTypes: ['ssh'] });
    expect(() => decodePamCapabilities(Buffer.from('[1]'))).toThrow(/not a JSON object/);
  });

  it('refuses a length that cannot be a capabilities frame without waiting for it', async () => {
    const stream = new PassThrough();
    const result = readPamCapabilities(stream);
    stream.write(Buffer.from([0x7f, 0, 0, 0]));
    await expect(result).rejects.toThrow(/too large/);
  });
});
