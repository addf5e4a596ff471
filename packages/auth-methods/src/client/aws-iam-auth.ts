import { routes } from '@burrow/platform-api';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { pickSetting, type AuthFlags } from './auth-flags.ts';
import { resolveAwsCredentials } from './aws-credentials.ts';
import type { LoginRequest } from './login-request.ts';
import { machineIdentityId } from './machine-identity-id.ts';

/**
 * AWS IAM auth, client side (reference §7): the client signs an `sts:GetCallerIdentity` request
 * with SigV4 (never sending it) and hands method, body and signed headers to the control plane,
 * which forwards them to STS and learns from the answer which IAM principal signed.
 *
 *   --machine-identity-id  INFISICAL_MACHINE_IDENTITY_ID (or INFISICAL_AWS_IAM_AUTH_IDENTITY_ID)
 *   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else EC2 IMDSv2 (see
 *   aws-credentials.ts); AWS_REGION / AWS_DEFAULT_REGION
 *   AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL)  STS endpoint the request is signed for
 *                                              (default https://sts.<region>.amazonaws.com/)
 *
 *   POST /v1/auth/aws-auth/login {identityId, iamHttpRequestMethod: "POST",
 *        iamRequestBody: b64("Action=GetCallerIdentity&Version=2011-06-15"),
 *        iamRequestHeaders: b64(JSON of the signed headers)}
 */
export interface AwsIamLogin {
  method: 'aws-iam';
  identityId: string;
  /** Fixed STS endpoint; undefined = the regional endpoint of the resolved region. */
  stsEndpoint?: string;
  env: NodeJS.ProcessEnv;
}

export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

export function resolveAwsIamLogin(flags: AuthFlags, env: NodeJS.ProcessEnv): AwsIamLogin {
  const stsEndpoint = pickSetting(env.AWS_ENDPOINT_URL_STS, env.AWS_ENDPOINT_URL);
  return {
    method: 'aws-iam',
    identityId: machineIdentityId(flags, env, 'aws-iam', 'INFISICAL_AWS_IAM_AUTH_IDENTITY_ID'),
    ...(stsEndpoint ? { stsEndpoint } : {}),
    // Credentials are read at each login (instance role credentials rotate).
    env: pickAwsEnv(env),
  };
}

function pickAwsEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('AWS_')));
}

export async function awsIamLoginRequest(options: AwsIamLogin): Promise<LoginRequest> {
  const { credentials, region } = await resolveAwsCredentials(options.env);
  const endpoint = new URL(options.stsEndpoint ?? `https://sts.${region}.amazonaws.com/`);
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: endpoint.pathname || '/',
    query: {},
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'content-length': String(Buffer.byteLength(GET_CALLER_IDENTITY_BODY)),
      accept: 'application/json',
    },
    body: GET_CALLER_IDENTITY_BODY,
  });
  return {
    route: routes.awsAuthLogin,
    body: {
      identityId: options.identityId,
      iamHttpRequestMethod: 'POST',
      iamRequestBody: Buffer.from(GET_CALLER_IDENTITY_BODY).toString('base64'),
      iamRequestHeaders: Buffer.from(JSON.stringify(signed.headers)).toString('base64'),
    },
  };
}
