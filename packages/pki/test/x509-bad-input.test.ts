/**
 * Hostile or broken input: every failure is a CertificateError with the right code, never an
 * untyped error, never a hang.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';

import { CertificateError, type CertificateErrorCode } from '../src/certificate-error.ts';
import {
  GATEWAY_ACTOR_OID,
  GATEWAY_ROUTING_INFO_OID,
  MAX_PEM_TEXT_LENGTH,
  PAM_INFO_OID,
  issueGatewayPlatformClientCertificate,
  parseCertificate,
  parseCertificateChainPem,
  parseCertificateDer,
  parseCertificatePem,
  readBurrowExtensions,
  type IssuedCertificate,
} from '../src/x509/index.ts';
import * as x509 from '../src/x509/peculiar-x509.ts';
import { craftCertificate, seededRandom } from './support/x509-crafted-certificate.ts';
import { createTestPki, type TestPki } from './support/x509-test-pki.ts';

function errorOf(fn: () => unknown): CertificateError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof CertificateError) return error;
    throw error;
  }
  return undefined;
}

function codeOf(fn: () => unknown): CertificateErrorCode | undefined {
  return errorOf(fn)?.code;
}

let pki: TestPki;
let leaf: IssuedCertificate;
let der: Buffer;
beforeAll(async () => {
  pki = await createTestPki('ecdsa-p256');
  leaf = await issueGatewayPlatformClientCertificate({
    issuer: pki.clientCa,
    orgId: 'org-1',
    gatewayId: 'gw-1',
    targetHost: 'db.internal',
    targetPort: 5432,
  });
  der = Buffer.from(leaf.certificate.rawData);
});

describe('PEM input', () => {
  const body = () => leaf.certificatePem.split('\n').slice(1, -2).join('\n');

  it.each([
    ['empty', ''],
    ['plain garbage', 'this is not a certificate'],
    ['base64 without armor', 'MIIBkTCCATegAwIBAgIQ'],
    ['bad base64 characters', '-----BEGIN CERTIFICATE-----\nMII*&^%\n-----END CERTIFICATE-----\n'],
    ['bad base64 padding', '-----BEGIN CERTIFICATE-----\nMI=I\n-----END CERTIFICATE-----\n'],
    [
      'armor around random bytes',
      '-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQoLDA0ODw==\n-----END CERTIFICATE-----\n',
    ],
    ['unterminated block', '-----BEGIN CERTIFICATE-----\nMIIB\n'],
    ['mismatched END', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END PRIVATE KEY-----\n'],
    ['END without BEGIN', '-----END CERTIFICATE-----\n'],
    [
      'RFC 1421 headers',
      '-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nMIIB\n-----END CERTIFICATE-----\n',
    ],
  ])('%s → MALFORMED', (_name, pem) => {
    expect(codeOf(() => parseCertificatePem(pem))).toBe('MALFORMED');
    expect(codeOf(() => readBurrowExtensions(pem))).toBe('MALFORMED');
  });

  it('a private key or two certificates where one is expected → MALFORMED', () => {
    expect(codeOf(() => parseCertificatePem(leaf.privateKeyPem))).toBe('MALFORMED');
    expect(codeOf(() => parseCertificateChainPem(leaf.certificatePem + leaf.privateKeyPem))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => parseCertificatePem(leaf.certificatePem + leaf.certificatePem))).toBe(
      'MALFORMED',
    );
  });

  it('tolerates CRLF, indentation and comments between blocks', () => {
    const messy = `subject=whatever\r\n  -----BEGIN CERTIFICATE-----\r\n${body().replace(/\n/g, '\r\n')}\r\n-----END CERTIFICATE-----\r\ntrailing note\n`;
    expect(parseCertificatePem(messy).subject).toBe(leaf.certificate.subject);
    expect(
      parseCertificateChainPem(leaf.certificatePem + pki.clientCa.certificatePem),
    ).toHaveLength(2);
  });

  it('oversized and pathological PEM fail fast', () => {
    const started = Date.now();
    expect(codeOf(() => parseCertificatePem('A'.repeat(MAX_PEM_TEXT_LENGTH + 1)))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => parseCertificatePem('-----BEGIN CERTIFICATE-----\n'.repeat(30_000)))).toBe(
      'MALFORMED',
    );
    expect(
      codeOf(() => parseCertificatePem(`-----BEGIN CERTIFICATE-----\n${'A'.repeat(900_000)}`)),
    ).toBe('MALFORMED');
    expect(codeOf(() => parseCertificatePem('-'.repeat(500_000)))).toBe('MALFORMED');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('inputs of the wrong type → MALFORMED', () => {
    expect(codeOf(() => parseCertificate(42 as unknown as string))).toBe('MALFORMED');
    expect(codeOf(() => parseCertificate({} as unknown as string))).toBe('MALFORMED');
  });
});

describe('DER input', () => {
  it('every truncation → MALFORMED with the offset where data ran out', () => {
    for (let length = 0; length < der.length; length++) {
      const error = errorOf(() => parseCertificateDer(der.subarray(0, length)));
      expect(error?.code).toBe('MALFORMED');
    }
    expect(errorOf(() => parseCertificateDer(der.subarray(0, der.length - 1)))?.offset).toBe(
      der.length - 1,
    );
  });

  it('trailing bytes → MALFORMED at the end of the certificate', () => {
    const error = errorOf(() => parseCertificateDer(Buffer.concat([der, Buffer.from([0])])));
    expect(error?.code).toBe('MALFORMED');
    expect(error?.offset).toBe(der.length);
  });

  it('a consistent outer length around a truncated body → MALFORMED', () => {
    // Re-frame the first N bytes of the body as a complete SEQUENCE: only the inner parse can tell.
    const headerLength = 2 + ((der[1] ?? 0) & 0x7f);
    const inner = der.subarray(headerLength, der.length - 20);
    const reframed = Buffer.concat([
      Buffer.from([0x30, 0x82, inner.length >> 8, inner.length & 0xff]),
      inner,
    ]);
    expect(codeOf(() => parseCertificateDer(reframed))).toBe('MALFORMED');
    expect(codeOf(() => readBurrowExtensions(reframed))).toBe('MALFORMED');
  });

  it('random byte corruption never produces an untyped error', () => {
    const random = seededRandom(0xb0220);
    let rejected = 0;
    for (let round = 0; round < 400; round++) {
      const mutated = Buffer.from(der);
      const flips = 1 + Math.floor(random() * 3);
      for (let i = 0; i < flips; i++) {
        mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      }
      const error = errorOf(() => readBurrowExtensions(mutated));
      if (error) {
        expect(error.code).toBe('MALFORMED');
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('custom extension JSON', () => {
  async function withExtension(
    oid: string,
    value: string | Uint8Array,
    extra: x509.Extension[] = [],
  ) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    return (
      await craftCertificate({
        issuer: pki.clientCa,
        extensions: [new x509.Extension(oid, false, bytes), ...extra],
      })
    ).certificatePem;
  }

  it.each([
    ['not JSON', GATEWAY_ROUTING_INFO_OID, 'targetHost=db'],
    ['a JSON array', GATEWAY_ROUTING_INFO_OID, '[{"targetHost":"db","targetPort":5432}]'],
    ['JSON null', GATEWAY_ROUTING_INFO_OID, 'null'],
    ['host not a string', GATEWAY_ROUTING_INFO_OID, '{"targetHost":5,"targetPort":5432}'],
    ['port as a string', GATEWAY_ROUTING_INFO_OID, '{"targetHost":"db","targetPort":"5432"}'],
    ['port out of range', GATEWAY_ROUTING_INFO_OID, '{"targetHost":"db","targetPort":70000}'],
    ['port not an integer', GATEWAY_ROUTING_INFO_OID, '{"targetHost":"db","targetPort":54.32}'],
    ['port missing', GATEWAY_ROUTING_INFO_OID, '{"targetHost":"db"}'],
    ['actor without type', GATEWAY_ACTOR_OID, '{"id":"u-1"}'],
    ['actor id not a string', GATEWAY_ACTOR_OID, '{"type":"user","id":7,"name":"a"}'],
    ['PAM without resourceType', PAM_INFO_OID, '{"sessionId":"s-1"}'],
    ['PAM sessionId null', PAM_INFO_OID, '{"sessionId":null,"resourceType":"postgres"}'],
    ['relay client name not a string', PAM_INFO_OID, '{"name":["gw"]}'],
    ['neither PAM nor relay client shape', PAM_INFO_OID, '{"other":"x"}'],
    ['truncated JSON', GATEWAY_ACTOR_OID, '{"type":"platf'],
  ])('%s → MALFORMED', async (_name, oid, json) => {
    const pem = await withExtension(oid, json);
    const error = errorOf(() => readBurrowExtensions(pem));
    expect(error?.code).toBe('MALFORMED');
    expect(error?.message).toContain(oid);
  });

  it('invalid UTF-8 → MALFORMED', async () => {
    const pem = await withExtension(
      GATEWAY_ACTOR_OID,
      Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    );
    expect(codeOf(() => readBurrowExtensions(pem))).toBe('MALFORMED');
  });

  it('DER-wrapped JSON (not the reference encoding) → MALFORMED', async () => {
    const json = Buffer.from('{"type":"platform"}');
    const wrapped = Buffer.concat([Buffer.from([0x0c, json.length]), json]); // UTF8String
    const pem = await withExtension(GATEWAY_ACTOR_OID, wrapped);
    expect(codeOf(() => readBurrowExtensions(pem))).toBe('MALFORMED');
  });

  it('the same OID twice → MALFORMED', async () => {
    const second = new x509.Extension(
      GATEWAY_ACTOR_OID,
      false,
      Buffer.from('{"type":"user","id":"u","name":"n"}'),
    );
    const pem = await withExtension(GATEWAY_ACTOR_OID, '{"type":"platform"}', [second]);
    expect(codeOf(() => readBurrowExtensions(pem))).toBe('MALFORMED');
  });

  it('ignores unknown JSON fields, like Go does', async () => {
    const pem = await withExtension(
      GATEWAY_ROUTING_INFO_OID,
      '{"targetHost":"db","targetPort":1,"future":true}',
    );
    expect(readBurrowExtensions(pem)).toEqual({ routing: { targetHost: 'db', targetPort: 1 } });
  });
});
