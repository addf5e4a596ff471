import { AuthError } from './auth-error.ts';
import {
  accessTokenPolicy,
  type AccessTokenPolicy,
  type AccessTokenPolicyInput,
} from './access-token-policy.ts';
import { globMatches, splitList } from './bound-claims.ts';
import { bindsSomething, refuseUnboundConfiguration, refuseUnboundLogin } from './login-binding.ts';
import { assertLoginIpTrusted, httpUrl, type VerifiedLogin } from './login-method-config.ts';
import { providerRequest } from './provider-request.ts';

/**
 * AWS IAM auth, server side (reference §7; Infisical's identity-aws-auth): the client sends a
 * SigV4-signed `sts:GetCallerIdentity` request it did not send itself; the control plane forwards
 * exactly that request to STS, and STS — which knows the signing key — answers with the ARN and
 * account of the principal that signed it. The control plane then checks them against the
 * identity's `allowedPrincipalArns` (`*` wildcards; an assumed-role session also matches its
 * role's IAM ARN) and `allowedAccountIds`.
 *
 * Stricter than the reference: the body must be GetCallerIdentity and nothing else (the control
 * plane is not a signing oracle for other STS actions), and the request goes to the configured
 * `stsEndpoint` — or, when the client signed for a regional AWS STS host, to that host — never to
 * an arbitrary host named in the client's headers. Only what SigV4 needs is forwarded: the
 * `Authorization` header, exactly the headers its `SignedHeaders` names (which must include
 * `host`), and `X-Amz-Date` / `X-Amz-Security-Token` when present; every other header the client
 * sent is dropped. What STS answers (its error code, its status) is never put in the error the
 * caller gets: it goes to the control plane's log (AuthError.detail).
 *
 * @example
 *   const config = awsIamAuthConfig({ stsEndpoint: 'https://sts.amazonaws.com/', allowedAccountIds: '123456789012' });
 *   await verifyAwsIamLogin(config, { identityId, clientIp, iamHttpRequestMethod, iamRequestBody, iamRequestHeaders });
 */
export interface AwsIamAuthConfig extends AccessTokenPolicy {
  stsEndpoint: string;
  /** Comma-separated ARNs (may contain `*`); '' = any principal (then allowedAccountIds is needed). */
  allowedPrincipalArns: string;
  /** Comma-separated 12-digit account IDs; '' = any account (then allowedPrincipalArns is needed). */
  allowedAccountIds: string;
}

export type AwsIamAuthConfigInput = AccessTokenPolicyInput &
  Partial<Omit<AwsIamAuthConfig, keyof AccessTokenPolicy>>;

export const DEFAULT_STS_ENDPOINT = 'https://sts.amazonaws.com/';
const GET_CALLER_IDENTITY = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
/** AWS's own STS hosts, global and regional (and China). */
const AWS_STS_HOST = /^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/;
/** Headers that describe one hop, not the signed request. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'proxy-connection',
]);
const MAX_FORWARDED_HEADERS = 50;

export function awsIamAuthConfig(input: AwsIamAuthConfigInput = {}): AwsIamAuthConfig {
  const accounts = splitList(input.allowedAccountIds);
  const bad = accounts.find((id) => !/^\d{12}$/.test(id));
  if (bad !== undefined) {
    throw new AuthError(
      'INVALID_ARGUMENT',
      `allowedAccountIds: "${bad}" is not a 12-digit AWS account ID`,
    );
  }
  const config: AwsIamAuthConfig = {
    ...accessTokenPolicy(input),
    stsEndpoint: httpUrl('stsEndpoint', input.stsEndpoint || DEFAULT_STS_ENDPOINT),
    allowedPrincipalArns: splitList(input.allowedPrincipalArns).join(','),
    allowedAccountIds: accounts.join(','),
  };
  refuseUnboundConfiguration('AWS IAM auth', awsIamMissingBinding(config));
  return config;
}

/** What an AWS configuration lacks to bind a principal (login-binding.ts). */
export function awsIamMissingBinding(config: AwsIamAuthConfig): string | undefined {
  return bindsSomething(config.allowedPrincipalArns) || bindsSomething(config.allowedAccountIds)
    ? undefined
    : 'allowedPrincipalArns or allowedAccountIds';
}

export interface AwsIamLoginAttempt {
  identityId: string;
  clientIp: string;
  iamHttpRequestMethod: string;
  /** base64 of the form-encoded body. */
  iamRequestBody: string;
  /** base64 of the JSON object of signed headers. */
  iamRequestHeaders: string;
}

export async function verifyAwsIamLogin(
  config: AwsIamAuthConfig,
  attempt: AwsIamLoginAttempt,
): Promise<VerifiedLogin> {
  assertLoginIpTrusted(config, attempt.clientIp);
  refuseUnboundLogin('AWS IAM auth', awsIamMissingBinding(config));
  if (attempt.iamHttpRequestMethod.toUpperCase() !== 'POST') {
    throw new AuthError('INVALID_CREDENTIALS', 'iamHttpRequestMethod must be POST');
  }
  const body = Buffer.from(attempt.iamRequestBody, 'base64').toString('utf8');
  const params = new URLSearchParams(body);
  const isGetCallerIdentity =
    [...params.keys()].length === 2 &&
    params.get('Action') === GET_CALLER_IDENTITY.Action &&
    params.get('Version') === GET_CALLER_IDENTITY.Version;
  if (!isGetCallerIdentity) {
    throw new AuthError(
      'INVALID_CREDENTIALS',
      'iamRequestBody must be exactly Action=GetCallerIdentity&Version=2011-06-15',
    );
  }
  const headers = signedHeadersOnly(decodeHeaders(attempt.iamRequestHeaders));
  const url = destination(config, headers.host);
  const answer = await providerRequest('AWS STS', url, { method: 'POST', headers, body });
  if (answer.status >= 500 || answer.status === 0) {
    throw new AuthError('PROVIDER_UNAVAILABLE', 'AWS STS could not verify the signed request', {
      detail: `AWS STS answered ${answer.status}`,
    });
  }
  if (answer.status !== 200) {
    throw new AuthError(
      'INVALID_CREDENTIALS',
      'AWS STS refused the signed GetCallerIdentity request',
      { detail: `AWS STS answered ${answer.status}${stsErrorSummary(answer.body)}` },
    );
  }
  const caller = parseCallerIdentity(answer.body);
  const accounts = splitList(config.allowedAccountIds);
  if (accounts.length > 0 && !accounts.includes(caller.account)) {
    throw new AuthError('NOT_BOUND', 'the AWS account of the signer is not allowed', {
      detail: `AWS account ${caller.account} is not allowed`,
    });
  }
  const principals = splitList(config.allowedPrincipalArns);
  const candidates = [caller.arn, iamRoleArn(caller.arn)].filter((arn): arn is string => !!arn);
  if (
    principals.length > 0 &&
    !principals.some((pattern) => candidates.some((arn) => globMatches(pattern, arn)))
  ) {
    throw new AuthError('NOT_BOUND', 'the AWS principal of the signer is not allowed', {
      detail: `AWS principal ${caller.arn} is not allowed`,
    });
  }
  return { subject: caller.arn };
}

function decodeHeaders(encoded: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw new AuthError('INVALID_CREDENTIALS', 'iamRequestHeaders is not base64 of a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AuthError('INVALID_CREDENTIALS', 'iamRequestHeaders is not base64 of a JSON object');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length > MAX_FORWARDED_HEADERS) {
    throw new AuthError('INVALID_CREDENTIALS', 'iamRequestHeaders has too many headers');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    // The reference's Go client sends header values as strings or as arrays of strings.
    const text = Array.isArray(value) ? value.join(',') : value;
    if (typeof text !== 'string' || /[\r\n]/.test(text) || !/^[A-Za-z0-9-]+$/.test(name)) {
      throw new AuthError(
        'INVALID_CREDENTIALS',
        `iamRequestHeaders has an invalid header "${name}"`,
      );
    }
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name.toLowerCase()] = text;
  }
  return headers;
}

/** Headers SigV4 needs beside the signed ones: the signature, its date and session token. */
const SIGV4_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token'];

/**
 * Keeps the Authorization header, exactly the headers its SignedHeaders lists, and the other
 * SigV4 headers; drops everything else the client sent.
 */
function signedHeadersOnly(headers: Record<string, string>): Record<string, string> {
  const authorization = headers.authorization ?? '';
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    throw new AuthError(
      'INVALID_CREDENTIALS',
      'iamRequestHeaders carry no SigV4 Authorization header',
    );
  }
  const listed = /SignedHeaders=([A-Za-z0-9;-]+)/.exec(authorization)?.[1];
  const signed = (listed ?? '')
    .toLowerCase()
    .split(';')
    .filter((name) => name !== '');
  if (!signed.includes('host')) {
    throw new AuthError(
      'INVALID_CREDENTIALS',
      'the SigV4 Authorization header must list SignedHeaders including host',
    );
  }
  const kept: Record<string, string> = {};
  for (const name of [...SIGV4_HEADERS, ...signed]) {
    const value = headers[name];
    if (value === undefined) {
      if (signed.includes(name)) {
        throw new AuthError('INVALID_CREDENTIALS', `signed header "${name}" is missing`);
      }
      continue;
    }
    kept[name] = value;
  }
  return kept;
}

function destination(config: AwsIamAuthConfig, signedHost: string | undefined): string {
  const endpoint = new URL(config.stsEndpoint);
  if (signedHost === undefined || signedHost === endpoint.host) return endpoint.toString();
  if (AWS_STS_HOST.test(signedHost)) return `https://${signedHost}/`;
  throw new AuthError(
    'NOT_BOUND',
    `the request is signed for ${signedHost}, not for this identity's STS endpoint ${endpoint.host}`,
  );
}

function parseCallerIdentity(body: string): { arn: string; account: string } {
  let arn: string | undefined;
  let account: string | undefined;
  try {
    const json = JSON.parse(body) as {
      GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Arn?: string; Account?: string } };
    };
    arn = json.GetCallerIdentityResponse?.GetCallerIdentityResult?.Arn;
    account = json.GetCallerIdentityResponse?.GetCallerIdentityResult?.Account;
  } catch {
    // STS answers XML unless asked for JSON.
    arn = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
    account = /<Account>([^<]+)<\/Account>/.exec(body)?.[1];
  }
  if (!arn || !account) {
    throw new AuthError('PROVIDER_UNAVAILABLE', 'AWS STS could not verify the signed request', {
      detail: 'AWS STS answered without Arn/Account',
    });
  }
  return { arn, account };
}

/** `arn:aws:sts::123:assumed-role/Role/session` → `arn:aws:iam::123:role/Role`. */
export function iamRoleArn(arn: string): string | undefined {
  const match = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}

function stsErrorSummary(body: string): string {
  const code = /"Code"\s*:\s*"([^"]+)"/.exec(body)?.[1] ?? /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  return code ? `: ${code}` : '';
}
