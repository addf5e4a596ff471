import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  startLoopbackServer,
  type LoopbackRequest,
  type LoopbackResponse,
} from './loopback-server.ts';

/**
 * An AWS STS endpoint on loopback that answers `GetCallerIdentity` the way STS does: it checks
 * the SigV4 signature of the request (recomputed with @smithy/signature-v4 from the known secret
 * of the access key), the body hash, the credential scope (service `sts`) and that the request
 * is less than 15 minutes old, then names the principal. JSON when the request accepts JSON,
 * XML otherwise.
 *
 * @example
 *   const sts = await startAwsStsServer();
 *   const creds = sts.addPrincipal({ arn: 'arn:aws:sts::123456789012:assumed-role/gw/i-1', account: '123456789012' });
 *   // AWS_ACCESS_KEY_ID=creds.accessKeyId AWS_SECRET_ACCESS_KEY=creds.secretAccessKey AWS_ENDPOINT_URL_STS=sts.url
 */
export interface AwsStsServer {
  url: string;
  addPrincipal(principal: { arn: string; account: string }): {
    accessKeyId: string;
    secretAccessKey: string;
  };
  /** The header names of every request received, in order (what a verifier forwarded). */
  receivedHeaderNames: string[][];
  close(): Promise<void>;
}

/** STS refuses requests signed more than 15 minutes away from its clock. */
const MAX_SIGNATURE_AGE_MS = 15 * 60 * 1000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export async function startAwsStsServer(): Promise<AwsStsServer> {
  const principals = new Map<string, { secretAccessKey: string; arn: string; account: string }>();
  const receivedHeaderNames: string[][] = [];
  const server = await startLoopbackServer((request) => {
    receivedHeaderNames.push(Object.keys(request.headers).sort());
    return handle(request, principals);
  });
  return {
    url: `${server.url}/`,
    receivedHeaderNames,
    addPrincipal(principal) {
      const accessKeyId = `AKIA${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
      const secretAccessKey = createHash('sha256')
        .update(randomUUID())
        .digest('base64')
        .slice(0, 40);
      principals.set(accessKeyId, { secretAccessKey, ...principal });
      return { accessKeyId, secretAccessKey };
    },
    close: () => server.close(),
  };
}

async function handle(
  request: LoopbackRequest,
  principals: Map<string, { secretAccessKey: string; arn: string; account: string }>,
): Promise<LoopbackResponse> {
  const json = (request.headers.accept ?? '').includes('application/json');
  const refuse = (status: number, code: string, message: string): LoopbackResponse =>
    json
      ? { status, body: { Error: { Type: 'Sender', Code: code, Message: message } } }
      : {
          status,
          contentType: 'text/xml',
          body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`,
        };
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match)
    return refuse(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const [
    ,
    accessKeyId = '',
    day = '',
    region = '',
    service = '',
    signedHeaderList = '',
    signature = '',
  ] = match;
  const principal = principals.get(accessKeyId);
  if (!principal) {
    return refuse(
      403,
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
    );
  }
  if (service !== 'sts')
    return refuse(403, 'SignatureDoesNotMatch', 'Credential should be scoped to correct service');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signedAt = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!Number.isFinite(signedAt) || !amzDate.startsWith(day)) {
    return refuse(
      403,
      'IncompleteSignature',
      'X-Amz-Date is missing or does not match the credential scope',
    );
  }
  if (Math.abs(Date.now() - signedAt) > MAX_SIGNATURE_AGE_MS) {
    return refuse(
      403,
      'SignatureDoesNotMatch',
      'Signature expired: the request is older than 15 minutes',
    );
  }
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const claimedHash = request.headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== bodyHash) {
    return refuse(
      400,
      'XAmzContentSHA256Mismatch',
      'The provided x-amz-content-sha256 header does not match',
    );
  }
  const signedHeaders = signedHeaderList.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined)
      return refuse(403, 'SignatureDoesNotMatch', `signed header ${name} is missing`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: principal.secretAccessKey },
    region,
    service: 'sts',
    sha256: Sha256,
    applyChecksum: signedHeaders.includes('x-amz-content-sha256'),
  });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: request.url.pathname,
      query: Object.fromEntries(request.url.searchParams),
      headers,
      body: request.body,
    },
    { signingDate: new Date(signedAt), signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature =
    /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization))?.[1] ?? '';
  if (!timingSafeEqual(Buffer.from(expectedSignature.padEnd(64, '0')), Buffer.from(signature))) {
    return refuse(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
  const params = new URLSearchParams(request.body);
  if (params.get('Action') !== 'GetCallerIdentity') {
    return refuse(400, 'InvalidAction', `Could not find operation ${params.get('Action')}`);
  }
  const userId = `AROA${accessKeyId.slice(4)}:session`;
  const requestId = randomUUID();
  if (json) {
    return {
      status: 200,
      body: {
        GetCallerIdentityResponse: {
          GetCallerIdentityResult: {
            Arn: principal.arn,
            UserId: userId,
            Account: principal.account,
          },
          ResponseMetadata: { RequestId: requestId },
        },
      },
    };
  }
  return {
    status: 200,
    contentType: 'text/xml',
    body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${principal.arn}</Arn><UserId>${userId}</UserId><Account>${principal.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}
