/**
 * Every identity-based login method at the API level (app.inject), against identity providers
 * that are real protocol implementations on loopback (@burrow/test-support). The client
 * side of @burrow/auth-methods builds each login body (file, metadata endpoint, SigV4 signing,
 * IAM signJwt), so client and server are tested together. For each method: a good login answers
 * the common grant; each refusal is a 401 with a reason in the body and no token issued.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DEFAULT_IDENTITY_PROVIDER_ENDPOINTS,
  methodLoginRequest,
  resolveAuthFromEnv,
  setProviderAddressPolicy,
} from '@burrow/auth-methods';
import {
  createSigningKey,
  startAwsStsServer,
  startAzureServer,
  startGoogleCloudServer,
  startKubernetesApiServer,
  startOidcIssuer,
  tamperClaims,
  tamperSignature,
  type AwsStsServer,
  type AzureServer,
  type GoogleCloudServer,
  type KubernetesApiServer,
  type OidcIssuer,
} from '@burrow/test-support';
import {
  auth,
  bootstrap,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

const GCE_SERVICE_ACCOUNT = 'gateway-vm@burrow-test.iam.gserviceaccount.com';
const IAM_SERVICE_ACCOUNT = 'gateway-iam@burrow-test.iam.gserviceaccount.com';

let cp: TestControlPlane;
/** The control plane's log: what identity providers said is here, never in answers. */
let logs = '';
let admin: Bootstrapped;
let oidc: OidcIssuer;
let k8s: KubernetesApiServer;
let sts: AwsStsServer;
let gcp: GoogleCloudServer;
let azure: AzureServer;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-login-methods-'));

beforeAll(async () => {
  [oidc, k8s, sts, azure] = await Promise.all([
    startOidcIssuer(),
    startKubernetesApiServer(),
    startAwsStsServer(),
    startAzureServer(),
  ]);
  gcp = await startGoogleCloudServer({
    instance: {
      serviceAccountEmail: GCE_SERVICE_ACCOUNT,
      projectId: 'burrow-test',
      zone: 'europe-west1-b',
    },
  });
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  cp = await startTestControlPlane({
    logStream,
    logLevel: 'info',
    identityProviders: {
      ...DEFAULT_IDENTITY_PROVIDER_ENDPOINTS,
      gcpIdTokenJwksUrl: gcp.controlPlaneEnv.BURROW_GCP_ID_TOKEN_JWKS_URL as string,
      gcpServiceAccountJwksUrl: gcp.controlPlaneEnv.BURROW_GCP_SERVICE_ACCOUNT_JWKS_URL as string,
      azureLoginUrl: azure.url,
    },
  });
  admin = await bootstrap(cp);
});

afterAll(async () => {
  await cp?.close();
  await Promise.all([oidc?.close(), k8s?.close(), sts?.close(), gcp?.close(), azure?.close()]);
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function identityWith(method: string, config: object): Promise<string> {
  const created = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/identities',
    headers: auth(admin.token),
    payload: {
      name: `${method}-${Math.random().toString(36).slice(2, 8)}`,
      organizationId: admin.orgId,
    },
  });
  const identityId = created.json<{ identity: { id: string } }>().identity.id;
  const attached = await cp.app.inject({
    method: 'POST',
    url: `/api/v1/auth/${method}/identities/${identityId}`,
    headers: auth(admin.token),
    payload: config,
  });
  if (attached.statusCode !== 200) throw new Error(`attach ${method}: ${attached.body}`);
  return identityId;
}

function tokenCount(): number {
  return (
    cp.context.db.prepare('SELECT COUNT(*) AS n FROM identity_access_tokens').get() as { n: number }
  ).n;
}

async function login(
  path: string,
  body: object,
  remoteAddress = '127.0.0.1',
): Promise<{ statusCode: number; json: Record<string, unknown> }> {
  const res = await cp.app.inject({
    method: 'POST',
    url: `/api${path}`,
    payload: body,
    remoteAddress,
  });
  return { statusCode: res.statusCode, json: res.json() };
}

async function expectGranted(path: string, body: object): Promise<void> {
  const res = await login(path, body);
  expect(res.json).toEqual({
    accessToken: expect.stringMatching(/^burrow\.at\./),
    expiresIn: expect.any(Number),
    accessTokenMaxTTL: expect.any(Number),
    tokenType: 'Bearer',
  });
  expect(res.statusCode).toBe(200);
}

async function expectRefused(
  path: string,
  body: object,
  reason: RegExp,
  remoteAddress?: string,
): Promise<void> {
  const before = tokenCount();
  const res = await login(path, body, remoteAddress);
  expect({ status: res.statusCode, message: res.json.message }).toEqual({
    status: 401,
    message: expect.stringMatching(reason),
  });
  expect(res.json).not.toHaveProperty('accessToken');
  expect(tokenCount()).toBe(before);
}

/** Login body built by the real client side from the given env. */
async function clientLogin(
  env: Record<string, string>,
): Promise<{ path: string; body: Record<string, unknown> }> {
  const options = resolveAuthFromEnv({}, env);
  if (options.method === 'token') throw new Error('not a login method');
  const { route, body } = await methodLoginRequest(options);
  return { path: route.path.slice('/api'.length), body };
}

describe('oidc-auth', () => {
  let identityId: string;
  const good = {
    sub: 'repo:acme/infra:ref:refs/heads/main',
    aud: 'burrow',
    repository: 'acme/infra',
  };
  beforeAll(async () => {
    identityId = await identityWith('oidc-auth', {
      oidcDiscoveryUrl: oidc.url,
      boundAudiences: 'burrow',
      boundSubject: 'repo:acme/*',
      boundClaims: { repository: 'acme/infra, acme/apps' },
      accessTokenTrustedIps: [{ ipAddress: '127.0.0.0/8' }],
    });
  });
  const body = (jwt: string) => ({ identityId, jwt });

  it('logs in with an ID token of the discovered issuer (client: INFISICAL_JWT)', async () => {
    const request = await clientLogin({
      INFISICAL_AUTH_METHOD: 'oidc-auth',
      INFISICAL_MACHINE_IDENTITY_ID: identityId,
      INFISICAL_JWT: await oidc.issue(good),
    });
    await expectGranted(request.path, request.body);
  });
  it('refuses wrong audience, expired, unknown key, tampered, unbound claim/subject, untrusted IP', async () => {
    const path = '/v1/auth/oidc-auth/login';
    await expectRefused(path, body(await oidc.issue({ ...good, aud: 'someone-else' })), /audience/);
    await expectRefused(path, body(await oidc.issue(good, { expiresInSeconds: -300 })), /expired/);
    const stranger = await createSigningKey();
    await expectRefused(path, body(await stranger.sign({ ...good, iss: oidc.url })), /unknown key/);
    await expectRefused(path, body(tamperSignature(await oidc.issue(good))), /invalid signature/);
    await expectRefused(
      path,
      body(tamperClaims(await oidc.issue(good), { repository: 'acme/apps' })),
      /invalid signature/,
    );
    await expectRefused(
      path,
      body(await oidc.issue({ ...good, repository: 'evil/infra' })),
      /claim "repository" is not bound/,
    );
    await expectRefused(path, body(await oidc.issue({ ...good, sub: 'repo:evil/x' })), /subject/);
    await expectRefused(
      path,
      body(await oidc.issue({ ...good, iss: 'https://evil.example' })),
      /issuer/,
    );
    await expectRefused(
      path,
      body(await oidc.issue(good)),
      /may not be used from 192\.0\.2\.7/,
      '192.0.2.7',
    );
  });
});

describe('jwt-auth', () => {
  const claims = { sub: 'gateway-1', aud: 'burrow', iss: 'https://ci.example', role: 'gateway' };
  let staticId: string;
  let jwksId: string;
  beforeAll(async () => {
    staticId = await identityWith('jwt-auth', {
      configurationType: 'static',
      publicKeys: [(await createSigningKey()).publicKeyPem, oidc.key.publicKeyPem],
      boundIssuer: 'https://ci.example',
      boundAudiences: 'burrow',
      boundClaims: { role: 'gateway' },
    });
    jwksId = await identityWith('jwt-auth', {
      configurationType: 'jwks',
      jwksUrl: oidc.jwksUrl,
      boundAudiences: 'burrow',
      boundSubject: 'gateway-*',
    });
  });

  it('logs in with static public keys and with a JWKS URL', async () => {
    for (const identityId of [staticId, jwksId]) {
      const request = await clientLogin({
        INFISICAL_AUTH_METHOD: 'jwt-auth',
        INFISICAL_MACHINE_IDENTITY_ID: identityId,
        INFISICAL_JWT: await oidc.key.sign(claims),
      });
      await expectGranted(request.path, request.body);
    }
  });
  it('refuses wrong audience, expired, unknown key, tampered, unbound claim', async () => {
    const path = '/v1/auth/jwt-auth/login';
    const stranger = await createSigningKey();
    for (const identityId of [staticId, jwksId]) {
      const body = (jwt: string) => ({ identityId, jwt });
      await expectRefused(path, body(await oidc.key.sign({ ...claims, aud: 'other' })), /audience/);
      await expectRefused(
        path,
        body(await oidc.key.sign(claims, { expiresInSeconds: -300 })),
        /expired/,
      );
      await expectRefused(
        path,
        body(await stranger.sign(claims)),
        /unknown key|not signed by any of the configured public keys/,
      );
      await expectRefused(
        path,
        body(tamperSignature(await oidc.key.sign(claims))),
        /invalid signature|not signed by any/,
      );
    }
    await expectRefused(
      path,
      { identityId: staticId, jwt: await oidc.key.sign({ ...claims, role: 'admin' }) },
      /claim "role" is not bound/,
    );
    await expectRefused(
      path,
      { identityId: jwksId, jwt: await oidc.key.sign({ ...claims, sub: 'relay-1' }) },
      /subject/,
    );
  });
});

describe('kubernetes', () => {
  let identityId: string;
  const tokenFile = path.join(scratch, 'k8s-token');
  beforeAll(async () => {
    identityId = await identityWith('kubernetes-auth', {
      kubernetesHost: k8s.url,
      caCert: k8s.caPem,
      tokenReviewerJwt: k8s.reviewerToken,
      allowedNamespaces: 'burrow',
      allowedNames: 'gateway,relay',
      allowedAudience: 'burrow',
    });
  });
  const body = (jwt: string) => ({ identityId, jwt });

  it('logs in with the service account token file (TokenReview over pinned TLS)', async () => {
    fs.writeFileSync(
      tokenFile,
      await k8s.issueServiceAccountToken({
        namespace: 'burrow',
        name: 'gateway',
        audiences: ['burrow'],
      }),
    );
    const request = await clientLogin({
      INFISICAL_AUTH_METHOD: 'kubernetes',
      INFISICAL_MACHINE_IDENTITY_ID: identityId,
      INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH: tokenFile,
    });
    await expectGranted(request.path, request.body);
  });
  it('does not show the token reviewer JWT', async () => {
    const res = await cp.app.inject({
      method: 'GET',
      url: `/api/v1/auth/kubernetes-auth/identities/${identityId}`,
      headers: auth(admin.token),
    });
    expect(res.json()).toMatchObject({
      identityKubernetesAuth: { hasTokenReviewerJwt: true, allowedNamespaces: 'burrow' },
    });
    expect(res.body).not.toContain(k8s.reviewerToken);
    const row = cp.context.db
      .prepare('SELECT config FROM identity_login_methods WHERE identity_id = ?')
      .get(identityId) as { config: string };
    expect(row.config).not.toContain(k8s.reviewerToken);
  });
  it('refuses wrong audience, expired, unknown key, tampered, namespace/name not allowed, untrusted CA', async () => {
    const path = '/v1/auth/kubernetes-auth/login';
    const sa = (
      options: Partial<Parameters<KubernetesApiServer['issueServiceAccountToken']>[0]> = {},
    ) =>
      k8s.issueServiceAccountToken({
        namespace: 'burrow',
        name: 'gateway',
        audiences: ['burrow'],
        ...options,
      });
    await expectRefused(
      path,
      body(await sa({ audiences: ['vault'] })),
      /did not authenticate.*audience/,
    );
    await expectRefused(
      path,
      body(await sa({ expiresInSeconds: -300 })),
      /did not authenticate.*expired/,
    );
    await expectRefused(
      path,
      body(await (await createSigningKey()).sign({ sub: 'system:serviceaccount:burrow:gateway' })),
      /did not authenticate/,
    );
    await expectRefused(
      path,
      body(tamperSignature(await sa())),
      /did not authenticate.*signature is invalid/,
    );
    await expectRefused(
      path,
      body(await sa({ namespace: 'default' })),
      /namespace "default" is not allowed/,
    );
    await expectRefused(
      path,
      body(await sa({ name: 'intruder' })),
      /name "intruder" is not allowed/,
    );
    // Another CA pinned: the control plane does not trust the API server's certificate.
    const otherCa = await identityWith('kubernetes-auth', {
      kubernetesHost: k8s.url,
      caCert: await startKubernetesApiServer().then(async (other) => {
        await other.close();
        return other.caPem;
      }),
      tokenReviewerJwt: k8s.reviewerToken,
      allowedNamespaces: 'burrow',
    });
    const res = await login(path, { identityId: otherCa, jwt: await sa() });
    expect(res.statusCode).toBe(502);
    expect(res.json.message).toMatch(/TokenReview.*certificate/i);
  });
});

describe('aws-iam', () => {
  let identityId: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    identityId = await identityWith('aws-auth', {
      stsEndpoint: sts.url,
      allowedAccountIds: '123456789012',
      allowedPrincipalArns: 'arn:aws:iam::123456789012:role/burrow-*',
    });
    const creds = sts.addPrincipal({
      arn: 'arn:aws:sts::123456789012:assumed-role/burrow-gateway/i-0abc',
      account: '123456789012',
    });
    env = {
      INFISICAL_AUTH_METHOD: 'aws-iam',
      INFISICAL_MACHINE_IDENTITY_ID: identityId,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_STS: sts.url,
    };
  });

  it('logs in with a SigV4-signed GetCallerIdentity that STS verifies', async () => {
    const request = await clientLogin(env);
    await expectGranted(request.path, request.body);
  });
  it('refuses a wrong secret, a tampered signature, another action, and unbound principals/accounts', async () => {
    const path = '/v1/auth/aws-auth/login';
    const wrongSecret = await clientLogin({ ...env, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) });
    // STS's words (its error code) go to the log, never to the caller.
    await expectRefused(
      path,
      wrongSecret.body,
      /^AWS STS refused the signed GetCallerIdentity request$/,
    );
    expect(logs).toMatch(/"detail":"AWS STS answered 403: SignatureDoesNotMatch"/);
    const unknownKey = await clientLogin({ ...env, AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000' });
    await expectRefused(
      path,
      unknownKey.body,
      /^AWS STS refused the signed GetCallerIdentity request$/,
    );
    expect(logs).toMatch(/"detail":"AWS STS answered 403: InvalidClientTokenId"/);
    const good = (await clientLogin(env)).body;
    const headers = JSON.parse(
      Buffer.from(String(good.iamRequestHeaders), 'base64').toString(),
    ) as Record<string, string>;
    const tampered = {
      ...headers,
      authorization: String(headers.authorization).replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    };
    await expectRefused(
      path,
      { ...good, iamRequestHeaders: Buffer.from(JSON.stringify(tampered)).toString('base64') },
      /^AWS STS refused the signed GetCallerIdentity request$/,
    );
    await expectRefused(
      path,
      {
        ...good,
        iamRequestBody: Buffer.from('Action=AssumeRole&Version=2011-06-15').toString('base64'),
      },
      /exactly Action=GetCallerIdentity/,
    );
    const otherAccount = sts.addPrincipal({
      arn: 'arn:aws:iam::999999999999:user/mallory',
      account: '999999999999',
    });
    await expectRefused(
      path,
      (
        await clientLogin({
          ...env,
          AWS_ACCESS_KEY_ID: otherAccount.accessKeyId,
          AWS_SECRET_ACCESS_KEY: otherAccount.secretAccessKey,
        })
      ).body,
      /^the AWS account of the signer is not allowed$/,
    );
    expect(logs).toMatch(/"detail":"AWS account 999999999999 is not allowed"/);
    const otherRole = sts.addPrincipal({
      arn: 'arn:aws:sts::123456789012:assumed-role/admin/i-1',
      account: '123456789012',
    });
    await expectRefused(
      path,
      (
        await clientLogin({
          ...env,
          AWS_ACCESS_KEY_ID: otherRole.accessKeyId,
          AWS_SECRET_ACCESS_KEY: otherRole.secretAccessKey,
        })
      ).body,
      /^the AWS principal of the signer is not allowed$/,
    );
    expect(logs).toMatch(
      /"detail":"AWS principal arn:aws:sts::123456789012:assumed-role\/admin\/i-1 is not allowed"/,
    );
    const elsewhere = await clientLogin({ ...env, AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1/' });
    await expectRefused(path, elsewhere.body, /signed for 127\.0\.0\.1:1/);
  });
});

describe('aws-iam forwards only what SigV4 needs', () => {
  it('drops every header the signature does not cover; refuses a signature that does not cover host', async () => {
    const identityId = await identityWith('aws-auth', {
      stsEndpoint: sts.url,
      allowedAccountIds: '123456789012',
    });
    const creds = sts.addPrincipal({
      arn: 'arn:aws:iam::123456789012:user/forwarded',
      account: '123456789012',
    });
    const { path, body } = await clientLogin({
      INFISICAL_AUTH_METHOD: 'aws-iam',
      INFISICAL_MACHINE_IDENTITY_ID: identityId,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_STS: sts.url,
    });
    const headers = JSON.parse(
      Buffer.from(String(body.iamRequestHeaders), 'base64').toString(),
    ) as Record<string, string>;
    const signed = (
      /SignedHeaders=([a-z0-9;-]+)/.exec(String(headers.authorization))?.[1] ?? ''
    ).split(';');
    const extra = { ...headers, 'x-forwarded-for': '10.0.0.1', cookie: 'session=x', 'x-evil': '1' };
    const before = sts.receivedHeaderNames.length;
    await expectGranted(path, {
      ...body,
      iamRequestHeaders: Buffer.from(JSON.stringify(extra)).toString('base64'),
    });
    const [received] = sts.receivedHeaderNames.slice(before);
    for (const name of ['x-forwarded-for', 'cookie', 'x-evil'])
      expect(received).not.toContain(name);
    for (const name of [...signed, 'authorization']) expect(received).toContain(name);

    const unsignedHost = {
      ...headers,
      authorization: String(headers.authorization).replace(
        /SignedHeaders=[a-z0-9;-]+/,
        'SignedHeaders=x-amz-date',
      ),
    };
    await expectRefused(
      path,
      { ...body, iamRequestHeaders: Buffer.from(JSON.stringify(unsignedHost)).toString('base64') },
      /SignedHeaders including host/,
    );
  });
});

describe('gcp-id-token and gcp-iam', () => {
  let gceId: string;
  let iamId: string;
  let keyFile: string;
  beforeAll(async () => {
    gceId = await identityWith('gcp-auth', {
      type: 'gce',
      allowedServiceAccounts: GCE_SERVICE_ACCOUNT,
      allowedProjects: 'burrow-test',
      allowedZones: 'europe-west1-b,europe-west1-c',
    });
    iamId = await identityWith('gcp-auth', {
      type: 'iam',
      allowedServiceAccounts: IAM_SERVICE_ACCOUNT,
    });
    keyFile = path.join(scratch, 'sa-key.json');
    fs.writeFileSync(keyFile, await gcp.createServiceAccountKey(IAM_SERVICE_ACCOUNT));
  });

  it('logs in with the metadata server ID token (gcp-id-token)', async () => {
    const request = await clientLogin({
      INFISICAL_AUTH_METHOD: 'gcp-id-token',
      INFISICAL_MACHINE_IDENTITY_ID: gceId,
      BURROW_GCP_METADATA_URL: gcp.url,
    });
    await expectGranted(request.path, request.body);
  });
  it('logs in with an IAM signJwt JWT from a service account key file (gcp-iam)', async () => {
    const request = await clientLogin({
      INFISICAL_AUTH_METHOD: 'gcp-iam',
      INFISICAL_MACHINE_IDENTITY_ID: iamId,
      INFISICAL_GCP_IAM_SERVICE_ACCOUNT_KEY_FILE_PATH: keyFile,
      BURROW_GCP_IAM_CREDENTIALS_URL: gcp.url,
    });
    await expectGranted(request.path, request.body);
  });
  it('refuses wrong audience, expired, unknown key, tampered, project/zone/account not bound', async () => {
    const path = '/v1/auth/gcp-auth/login';
    const body = (jwt: string) => ({ identityId: gceId, jwt });
    await expectRefused(path, body(await gcp.issueIdToken(iamId)), /audience/);
    await expectRefused(
      path,
      body(await gcp.issueIdToken(gceId, {}, { expiresInSeconds: -300 })),
      /expired/,
    );
    await expectRefused(
      path,
      body(
        await gcp.googleKey.sign(
          { iss: 'https://accounts.google.com', aud: gceId, email: GCE_SERVICE_ACCOUNT },
          { kid: 'not-published' },
        ),
      ),
      /unknown key/,
    );
    await expectRefused(
      path,
      body(tamperSignature(await gcp.issueIdToken(gceId))),
      /invalid signature/,
    );
    await expectRefused(
      path,
      body(
        await gcp.issueIdToken(gceId, {
          google: { compute_engine: { project_id: 'evil', zone: 'europe-west1-b' } },
        }),
      ),
      /project "evil" is not allowed/,
    );
    await expectRefused(
      path,
      body(
        await gcp.issueIdToken(gceId, {
          google: { compute_engine: { project_id: 'burrow-test', zone: 'us-east1-a' } },
        }),
      ),
      /zone "us-east1-a" is not allowed/,
    );
    await expectRefused(
      path,
      body(await gcp.issueIdToken(gceId, { email: 'other@x.iam.gserviceaccount.com' })),
      /service account other@x.iam.gserviceaccount.com is not allowed/,
    );
    const iam = (jwt: string) => ({ identityId: iamId, jwt });
    await expectRefused(
      path,
      iam(await gcp.signJwtAs(IAM_SERVICE_ACCOUNT, { sub: IAM_SERVICE_ACCOUNT, aud: gceId })),
      /audience/,
    );
    await expectRefused(
      path,
      iam(
        await gcp.signJwtAs(
          IAM_SERVICE_ACCOUNT,
          { sub: IAM_SERVICE_ACCOUNT, aud: iamId },
          { expiresInSeconds: -300 },
        ),
      ),
      /expired/,
    );
    await expectRefused(
      path,
      iam(await (await createSigningKey()).sign({ sub: IAM_SERVICE_ACCOUNT, aud: iamId })),
      /unknown key/,
    );
    await expectRefused(
      path,
      iam(
        await gcp.signJwtAs('other@x.iam.gserviceaccount.com', {
          sub: 'other@x.iam.gserviceaccount.com',
          aud: iamId,
        }),
      ),
      /service account other@x\.iam\.gserviceaccount\.com is not allowed/,
    );
  });
});

describe('azure', () => {
  let identityId: string;
  beforeAll(async () => {
    identityId = await identityWith('azure-auth', {
      tenantId: azure.tenantId,
      resource: 'https://management.azure.com/',
      allowedServicePrincipalIds: azure.principalId,
    });
  });
  it('logs in with the IMDS managed identity token', async () => {
    const request = await clientLogin({
      INFISICAL_AUTH_METHOD: 'azure',
      INFISICAL_MACHINE_IDENTITY_ID: identityId,
      BURROW_AZURE_IMDS_URL: azure.url,
    });
    await expectGranted(request.path, request.body);
  });
  it('refuses wrong audience, expired, unknown key, tampered, other tenant, principal not bound', async () => {
    const path = '/v1/auth/azure-auth/login';
    const body = (jwt: string) => ({ identityId, jwt });
    const resource = 'https://management.azure.com/';
    await expectRefused(path, body(await azure.issueToken('https://vault.azure.net')), /audience/);
    await expectRefused(
      path,
      body(await azure.issueToken(resource, {}, { expiresInSeconds: -300 })),
      /expired/,
    );
    await expectRefused(
      path,
      body(await azure.issueToken(resource, {}, { kid: 'rotated-away' })),
      /unknown key/,
    );
    await expectRefused(
      path,
      body(tamperSignature(await azure.issueToken(resource))),
      /invalid signature/,
    );
    await expectRefused(
      path,
      body(await azure.issueToken(resource, { iss: 'https://sts.windows.net/other-tenant/' })),
      /issuer/,
    );
    await expectRefused(
      path,
      body(await azure.issueToken(resource, { oid: 'someone-else' })),
      /service principal someone-else is not allowed/,
    );
  });
});

describe('universal-auth refusals', () => {
  it('refuses a client secret replayed past its use limit, and logins from outside the trusted range', async () => {
    const created = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/identities',
      headers: auth(admin.token),
      payload: { name: 'ua-replay', organizationId: admin.orgId },
    });
    const identityId = created.json<{ identity: { id: string } }>().identity.id;
    const attached = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/universal-auth/identities/${identityId}`,
      headers: auth(admin.token),
      payload: { clientSecretTrustedIps: [{ ipAddress: '127.0.0.0/8' }] },
    });
    const { clientId } = attached.json<{ identityUniversalAuth: { clientId: string } }>()
      .identityUniversalAuth;
    const secret = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`,
      headers: auth(admin.token),
      payload: { numUsesLimit: 1 },
    });
    const { clientSecret } = secret.json<{ clientSecret: string }>();
    const path = '/v1/auth/universal-auth/login';
    await expectRefused(
      path,
      { clientId, clientSecret },
      /may not be used from 198\.51\.100\.1/,
      '198.51.100.1',
    );
    await expectGranted(path, { clientId, clientSecret });
    await expectRefused(path, { clientId, clientSecret }, /invalid client ID or client secret/);
  });
  it('refuses a login method the identity does not have', async () => {
    await expectRefused(
      '/v1/auth/oidc-auth/login',
      { identityId: admin.identityId, jwt: await oidc.issue({ aud: 'x' }) },
      /OIDC auth is not configured/,
    );
  });
});

describe('login methods fail closed: a configuration without bindings', () => {
  const unbound: Array<[method: string, config: object, needs: RegExp]> = [
    ['gcp-auth', { type: 'gce' }, /allowedServiceAccounts or allowedProjects/],
    ['gcp-auth', { type: 'gce', allowedZones: 'europe-west1-b' }, /allowedServiceAccounts or/],
    ['gcp-auth', { type: 'iam', allowedProjects: 'burrow-test' }, /needs allowedServiceAccounts/],
    ['aws-auth', {}, /allowedPrincipalArns or allowedAccountIds/],
    ['aws-auth', { allowedPrincipalArns: '*' }, /allowedPrincipalArns or allowedAccountIds/],
    ['oidc-auth', { oidcDiscoveryUrl: 'https://issuer.example' }, /boundSubject, boundAudiences/],
    [
      'oidc-auth',
      { oidcDiscoveryUrl: 'https://issuer.example', boundIssuer: 'x', boundSubject: '*' },
      /boundSubject, boundAudiences or boundClaims/,
    ],
    [
      'jwt-auth',
      { configurationType: 'jwks', jwksUrl: 'https://issuer.example/jwks' },
      /boundSubject, boundAudiences or boundClaims/,
    ],
    ['kubernetes-auth', { kubernetesHost: 'https://k8s.example' }, /allowedNamespaces or/],
    ['azure-auth', { tenantId: 'contoso.example' }, /allowedServicePrincipalIds/],
  ];

  it.each(unbound)(
    '%s %j is refused at creation with 400 naming what to set',
    async (method, config, needs) => {
      const created = await cp.app.inject({
        method: 'POST',
        url: '/api/v1/identities',
        headers: auth(admin.token),
        payload: { name: `unbound-${method}`, organizationId: admin.orgId },
      });
      const identityId = created.json<{ identity: { id: string } }>().identity.id;
      const attached = await cp.app.inject({
        method: 'POST',
        url: `/api/v1/auth/${method}/identities/${identityId}`,
        headers: auth(admin.token),
        payload: config,
      });
      expect(attached.statusCode).toBe(400);
      expect(attached.json<{ message: string }>().message).toMatch(needs);
      expect(attached.json<{ message: string }>().message).toMatch(/would accept anyone/);
    },
  );

  /** A row written before bindings were required (the store takes it as is). */
  async function legacyIdentity(method: 'gcp-auth' | 'aws-auth' | 'oidc-auth', config: object) {
    const created = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/identities',
      headers: auth(admin.token),
      payload: { name: `legacy-${method}`, organizationId: admin.orgId },
    });
    const identityId = created.json<{ identity: { id: string } }>().identity.id;
    cp.context.loginMethods.attach(identityId, method, {
      accessTokenTTL: 3600,
      accessTokenMaxTTL: 3600,
      accessTokenNumUsesLimit: 0,
      accessTokenTrustedIps: [
        { ipAddress: '0.0.0.0/0', type: 'ipv4', prefix: 0 },
        { ipAddress: '::/0', type: 'ipv6', prefix: 0 },
      ],
      ...config,
    });
    return identityId;
  }

  it('a stored GCP, AWS or OIDC configuration without bindings refuses a valid login, naming what to set', async () => {
    const gce = await legacyIdentity('gcp-auth', {
      type: 'gce',
      allowedServiceAccounts: '',
      allowedProjects: '',
      allowedZones: '',
    });
    await expectRefused(
      '/v1/auth/gcp-auth/login',
      { identityId: gce, jwt: await gcp.issueIdToken(gce) },
      /binds no principal.*admin must set allowedServiceAccounts or allowedProjects/,
    );

    const aws = await legacyIdentity('aws-auth', {
      stsEndpoint: sts.url,
      allowedPrincipalArns: '',
      allowedAccountIds: '',
    });
    const creds = sts.addPrincipal({
      arn: 'arn:aws:iam::210987654321:user/anyone',
      account: '210987654321',
    });
    const request = await clientLogin({
      INFISICAL_AUTH_METHOD: 'aws-iam',
      INFISICAL_MACHINE_IDENTITY_ID: aws,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_STS: sts.url,
    });
    await expectRefused(
      request.path,
      request.body,
      /binds no principal.*admin must set allowedPrincipalArns or allowedAccountIds/,
    );

    const oidcId = await legacyIdentity('oidc-auth', {
      oidcDiscoveryUrl: oidc.url,
      caCert: '',
      boundIssuer: '',
      boundAudiences: '',
      boundClaims: {},
      boundSubject: '',
    });
    await expectRefused(
      '/v1/auth/oidc-auth/login',
      { identityId: oidcId, jwt: await oidc.issue({ sub: 'anyone', aud: 'anything' }) },
      /binds no principal.*admin must set boundSubject, boundAudiences or boundClaims/,
    );
  });
});

describe('BURROW_REFUSE_PRIVATE_IDP_ADDRESSES', () => {
  it('a control plane started with it refuses an identity provider on a private address (502, no token)', async () => {
    const guarded = await startTestControlPlane({ refusePrivateIdpAddresses: true });
    try {
      const guardedAdmin = await bootstrap(guarded);
      const created = await guarded.app.inject({
        method: 'POST',
        url: '/api/v1/identities',
        headers: auth(guardedAdmin.token),
        payload: { name: 'oidc-private', organizationId: guardedAdmin.orgId },
      });
      const identityId = created.json<{ identity: { id: string } }>().identity.id;
      const attached = await guarded.app.inject({
        method: 'POST',
        url: `/api/v1/auth/oidc-auth/identities/${identityId}`,
        headers: auth(guardedAdmin.token),
        payload: { oidcDiscoveryUrl: oidc.url, boundAudiences: 'burrow' },
      });
      expect(attached.statusCode).toBe(200);
      const res = await guarded.app.inject({
        method: 'POST',
        url: '/api/v1/auth/oidc-auth/login',
        payload: { identityId, jwt: await oidc.issue({ sub: 'x', aud: 'burrow' }) },
      });
      expect(res.statusCode).toBe(502);
      expect(res.json<{ message: string }>().message).toMatch(
        /private address \(127\.0\.0\.1\), refused by BURROW_REFUSE_PRIVATE_IDP_ADDRESSES/,
      );
      expect(res.json()).not.toHaveProperty('accessToken');
    } finally {
      await guarded.close();
      // The policy is process-wide: the other control plane of this file trusts admin-set URLs.
      setProviderAddressPolicy({ refusePrivateAddresses: false });
    }
  });
});
