import { pickSetting } from './auth-flags.ts';
import { ConfigError } from '@burrow/observability';
import { fetchCredentialJson } from './login-request.ts';

/**
 * AWS credentials and region for aws-iam auth, from the standard places (reference §7: "the
 * standard AWS chain, falling back to EC2 IMDSv2"):
 *
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *   2. EC2 instance metadata, IMDSv2: PUT /latest/api/token, then the instance role's
 *      credentials under /latest/meta-data/iam/security-credentials/ (base URL
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT, default http://169.254.169.254; off with
 *      AWS_EC2_METADATA_DISABLED=true)
 *
 * Region: AWS_REGION, AWS_DEFAULT_REGION, the instance identity document, else us-east-1.
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const DEFAULT_EC2_METADATA_ENDPOINT = 'http://169.254.169.254';
/** IMDSv2 session token lifetime the reference asks for (6 hours). */
const IMDS_TOKEN_TTL_SECONDS = 21_600;

export async function resolveAwsCredentials(
  env: NodeJS.ProcessEnv,
): Promise<{ credentials: AwsCredentials; region: string }> {
  const accessKeyId = pickSetting(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = pickSetting(env.AWS_SECRET_ACCESS_KEY);
  const envRegion = pickSetting(env.AWS_REGION, env.AWS_DEFAULT_REGION);
  if (accessKeyId && secretAccessKey) {
    const sessionToken = pickSetting(env.AWS_SESSION_TOKEN);
    return {
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      region: envRegion ?? 'us-east-1',
    };
  }
  if (pickSetting(env.AWS_EC2_METADATA_DISABLED)?.toLowerCase() === 'true') {
    throw new ConfigError(
      undefined,
      'aws-iam auth found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run on EC2 with an instance role',
    );
  }
  return fromInstanceMetadata(
    (pickSetting(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) ?? DEFAULT_EC2_METADATA_ENDPOINT).replace(
      /\/+$/,
      '',
    ),
    envRegion,
  );
}

async function fromInstanceMetadata(
  base: string,
  envRegion: string | undefined,
): Promise<{ credentials: AwsCredentials; region: string }> {
  const what = 'the EC2 instance metadata service (AWS_EC2_METADATA_SERVICE_ENDPOINT)';
  let imdsToken: string;
  try {
    const response = await fetch(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(IMDS_TOKEN_TTL_SECONDS) },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    imdsToken = (await response.text()).trim();
  } catch (error) {
    throw new ConfigError(
      undefined,
      `aws-iam auth found no AWS credentials in the environment (AWS_ACCESS_KEY_ID) and ${what} failed: ${(error as Error).message}`,
    );
  }
  const headers = { 'x-aws-ec2-metadata-token': imdsToken };
  const roleResponse = await fetch(`${base}/latest/meta-data/iam/security-credentials/`, {
    headers,
    signal: AbortSignal.timeout(5_000),
  });
  const role = (await roleResponse.text()).split('\n')[0]?.trim();
  if (!roleResponse.ok || !role) {
    throw new ConfigError(undefined, `${what} has no instance role (no IAM role attached?)`);
  }
  const answer = (await fetchCredentialJson(
    what,
    `${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`,
    { headers },
  )) as { AccessKeyId?: string; SecretAccessKey?: string; Token?: string };
  if (!answer.AccessKeyId || !answer.SecretAccessKey) {
    throw new Error(`${what} answered the role credentials without AccessKeyId/SecretAccessKey`);
  }
  let region = envRegion;
  if (!region) {
    const document = (await fetchCredentialJson(
      what,
      `${base}/latest/dynamic/instance-identity/document`,
      { headers },
    )) as { region?: string };
    region = document.region ?? 'us-east-1';
  }
  return {
    credentials: {
      accessKeyId: answer.AccessKeyId,
      secretAccessKey: answer.SecretAccessKey,
      ...(answer.Token ? { sessionToken: answer.Token } : {}),
    },
    region,
  };
}
