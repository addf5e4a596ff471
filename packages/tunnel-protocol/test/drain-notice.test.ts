import { describe, expect, it } from '@jest/globals';
import {
  advertisesDrainNotice,
  DRAIN_NOTICE,
  GATEWAY_SSH_IDENT,
  isDrainNotice,
} from '../src/drain-notice.ts';

describe('drain notice', () => {
  it('is asked for by the Burrow gateway identification comments only', () => {
    const comments = GATEWAY_SSH_IDENT.split(' ').slice(1).join(' ');
    expect(advertisesDrainNotice(comments)).toBe(true);
    expect(advertisesDrainNotice('other@x drain-notice@burrow')).toBe(true);
    expect(advertisesDrainNotice(undefined)).toBe(false); // "SSH-2.0-Go", the reference
    expect(advertisesDrainNotice('')).toBe(false);
    expect(advertisesDrainNotice('drain-notice@burrow-not')).toBe(false);
  });

  it('has an identification software version RFC 4253 allows (no space, no dash)', () => {
    expect(GATEWAY_SSH_IDENT.split(' ')[0]).toMatch(/^[\x21-\x2c\x2e-\x7e]+$/);
  });

  it('tells the notice (or a prefix of it) from a TLS record', () => {
    expect(isDrainNotice(Buffer.from(DRAIN_NOTICE))).toBe(true);
    expect(isDrainNotice(Buffer.from('burrow'))).toBe(true);
    expect(isDrainNotice(Buffer.from([0x16, 0x03, 0x01]))).toBe(false);
    expect(isDrainNotice(Buffer.alloc(0))).toBe(false);
  });
});
