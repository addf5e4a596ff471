import { describe, expect, it } from '@jest/globals';
import {
  formatHttpProxyConfigLine,
  httpTargetOrigin,
  parseHttpProxyConfigLine,
} from '../src/http-proxy.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('infisical-http-proxy config line', () => {
  it('round-trips ca and verify, and verifies by default', () => {
    const line = formatHttpProxyConfigLine({ caCertificates: PEM, verifyTls: false });
    expect(line).toBe(`CONFIG ca=${Buffer.from(PEM).toString('base64')} verify=false`);
    expect(parseHttpProxyConfigLine(line)).toEqual({ caCertificates: PEM, verifyTls: false });
    expect(parseHttpProxyConfigLine('CONFIG')).toEqual({
      caCertificates: undefined,
      verifyTls: true,
    });
    expect(parseHttpProxyConfigLine('')).toEqual({ caCertificates: undefined, verifyTls: true });
  });

  it('reads Go bool spellings and ignores unknown tokens', () => {
    expect(parseHttpProxyConfigLine('CONFIG verify=1 extra=x').verifyTls).toBe(true);
    expect(parseHttpProxyConfigLine('CONFIG verify=F').verifyTls).toBe(false);
  });

  it('names the bad token without quoting its value', () => {
    expect(() => parseHttpProxyConfigLine('CONFIG verify=secretish')).toThrow(
      'config line: verify= is not a bool',
    );
    expect(() => parseHttpProxyConfigLine('CONFIG ca=%%%')).toThrow(
      'config line: ca= is not base64',
    );
    expect(() =>
      parseHttpProxyConfigLine(`CONFIG ca=${Buffer.from('hello').toString('base64')}`),
    ).toThrow('config line: ca= holds no PEM certificate');
  });

  it('builds the target origin the way the reference does', () => {
    expect(httpTargetOrigin('k8s.internal', 6443).href).toBe('http://k8s.internal:6443/');
    expect(httpTargetOrigin('https://k8s.internal', 6443).href).toBe('https://k8s.internal:6443/');
    expect(() => httpTargetOrigin('https://k8s.internal/api', 443)).toThrow(
      /bare http\(s\) origin/,
    );
    expect(() => httpTargetOrigin('ftp://x', 21)).toThrow();
  });
});
