/**
 * All nine machine-identity login methods end to end, from the real binaries: one control plane,
 * and per method a relay and a gateway started with only the environment variables the README
 * documents for that method. Each pair must log in, register, become healthy (the control plane
 * probes the gateway through the relay) and carry a test connection to a TCP target. The identity
 * providers are real protocol implementations on loopback (@burrow/test-support).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  startAwsStsServer,
  startAzureServer,
  startGoogleCloudServer,
  startKubernetesApiServer,
  startOidcIssuer,
  type AwsStsServer,
  type AzureServer,
  type GoogleCloudServer,
  type KubernetesApiServer,
  type OidcIssuer,
} from '@burrow/test-support';
import { loginMethods, routes, type RouteSpec } from '@burrow/platform-api';
import {
  createUniversalAuthIdentity,
  LocalStack,
  startEchoTarget,
  type CustomAuth,
} from '../src/index.ts';

const GCE_SERVICE_ACCOUNT = 'burrow-vm@burrow-test.iam.gserviceaccount.com';
const METHODS = [
  'universal-auth',
  'token',
  'kubernetes',
  'aws-iam',
  'gcp-id-token',
  'gcp-iam',
  'azure',
  'oidc-auth',
  'jwt-auth',
] as const;
type Method = (typeof METHODS)[number];
/** Relay + gateway pairs started at the same time (each pair costs a few processes). */
const PARALLEL = 3;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-login-e2e-'));
let stack: LocalStack;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let oidc: OidcIssuer;
let k8s: KubernetesApiServer;
let sts: AwsStsServer;
let gcp: GoogleCloudServer;
let azure: AzureServer;

beforeAll(async () => {
  target = await startEchoTarget();
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
  stack = await LocalStack.start({
    controlPlaneEnv: { ...gcp.controlPlaneEnv, ...azure.controlPlaneEnv },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([
    target?.close(),
    oidc?.close(),
    k8s?.close(),
    sts?.close(),
    gcp?.close(),
    azure?.close(),
  ]);
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The attach or read route of a login method by its API path segment (`kubernetes-auth`). */
function loginRoute(slug: string, which: 'attach' | 'get'): RouteSpec {
  if (slug === 'token-auth' && which === 'attach') return routes.attachTokenAuth;
  const method = Object.values(loginMethods).find((candidate) => candidate.method === slug);
  if (!method) throw new Error(`no login method ${slug}`);
  return method[which];
}

/** A machine identity configured for `method`, and the env its deployment docs list. */
async function identityFor(
  method: Method,
  name: string,
  role: 'relay' | 'gateway',
): Promise<CustomAuth> {
  if (method === 'universal-auth') {
    const ua = await createUniversalAuthIdentity(stack.api, stack.organizationId, name, role);
    return {
      identityId: ua.identityId,
      env: {
        INFISICAL_AUTH_METHOD: 'universal-auth',
        INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: ua.clientId,
        INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: ua.clientSecret,
      },
    };
  }
  const { identity } = await stack.api.call(routes.createIdentity, {
    body: { name, organizationId: stack.organizationId, role },
  });
  const identityId = identity.id;
  const attach = (slug: string, config: object) =>
    stack.api.call(loginRoute(slug, 'attach'), { params: { identityId }, body: config } as never);
  const base = { INFISICAL_AUTH_METHOD: method, INFISICAL_MACHINE_IDENTITY_ID: identityId };
  switch (method) {
    case 'token': {
      await attach('token-auth', {});
      const { accessToken } = await stack.api.call(routes.createTokenAuthToken, {
        params: { identityId },
        body: { name },
      });
      return { identityId, env: { INFISICAL_AUTH_METHOD: 'token', INFISICAL_TOKEN: accessToken } };
    }
    case 'kubernetes': {
      await attach('kubernetes-auth', {
        kubernetesHost: k8s.url,
        caCert: k8s.caPem,
        tokenReviewerJwt: k8s.reviewerToken,
        allowedNamespaces: 'burrow',
        allowedNames: name,
        allowedAudience: 'burrow',
      });
      const tokenFile = path.join(scratch, `${name}.token`);
      fs.writeFileSync(
        tokenFile,
        await k8s.issueServiceAccountToken({
          namespace: 'burrow',
          name,
          audiences: ['burrow'],
          expiresInSeconds: 3600,
        }),
      );
      return {
        identityId,
        env: { ...base, INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH: tokenFile },
      };
    }
    case 'aws-iam': {
      await attach('aws-auth', {
        stsEndpoint: sts.url,
        allowedAccountIds: '123456789012',
        allowedPrincipalArns: `arn:aws:iam::123456789012:role/${name}`,
      });
      const creds = sts.addPrincipal({
        arn: `arn:aws:sts::123456789012:assumed-role/${name}/i-0123456789abcdef0`,
        account: '123456789012',
      });
      return {
        identityId,
        env: {
          ...base,
          AWS_ACCESS_KEY_ID: creds.accessKeyId,
          AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
          AWS_REGION: 'eu-west-1',
          AWS_ENDPOINT_URL_STS: sts.url,
        },
      };
    }
    case 'gcp-id-token':
      await attach('gcp-auth', {
        type: 'gce',
        allowedServiceAccounts: GCE_SERVICE_ACCOUNT,
        allowedProjects: 'burrow-test',
      });
      return { identityId, env: { ...base, BURROW_GCP_METADATA_URL: gcp.url } };
    case 'gcp-iam': {
      const email = `${name}@burrow-test.iam.gserviceaccount.com`;
      await attach('gcp-auth', { type: 'iam', allowedServiceAccounts: email });
      const keyFile = path.join(scratch, `${name}.json`);
      fs.writeFileSync(keyFile, await gcp.createServiceAccountKey(email), { mode: 0o600 });
      return {
        identityId,
        env: {
          ...base,
          INFISICAL_GCP_IAM_SERVICE_ACCOUNT_KEY_FILE_PATH: keyFile,
          BURROW_GCP_IAM_CREDENTIALS_URL: gcp.url,
        },
      };
    }
    case 'azure':
      await attach('azure-auth', {
        tenantId: azure.tenantId,
        resource: 'https://management.azure.com/',
        allowedServicePrincipalIds: azure.principalId,
      });
      return { identityId, env: { ...base, BURROW_AZURE_IMDS_URL: azure.url } };
    case 'oidc-auth':
      await attach('oidc-auth', {
        oidcDiscoveryUrl: oidc.url,
        boundAudiences: 'burrow',
        boundSubject: `system:${name}`,
      });
      return {
        identityId,
        env: {
          ...base,
          INFISICAL_JWT: await oidc.issue(
            { sub: `system:${name}`, aud: 'burrow' },
            { expiresInSeconds: 3600 },
          ),
        },
      };
    case 'jwt-auth':
      await attach('jwt-auth', {
        configurationType: 'static',
        publicKeys: [oidc.key.publicKeyPem],
        boundClaims: { role: 'burrow' },
      });
      return {
        identityId,
        env: {
          ...base,
          INFISICAL_JWT: await oidc.key.sign(
            { sub: name, role: 'burrow' },
            { expiresInSeconds: 3600 },
          ),
        },
      };
  }
}

/** Relay and gateway for one method: log in, register, healthy, carry a test connection. */
async function runMethod(
  method: Method,
): Promise<{ method: Method; reachable: boolean; relayLog: string; gatewayLog: string }> {
  const short = method.replace(/-auth$/, '').replace('universal', 'ua');
  const relay = await stack.startRelay(`relay-${short}`, {
    auth: await identityFor(method, `relay-${short}`, 'relay'),
  });
  const gateway = await stack.startGateway(`gateway-${short}`, relay.name, {
    auth: await identityFor(method, `gateway-${short}`, 'gateway'),
  });
  const { id } = await stack.waitForHealthyGateway(gateway.name);
  const result = await stack.api.call(routes.testGatewayConnection, {
    params: { id: id },
    body: { targetHost: '127.0.0.1', targetPort: target.port },
  });
  return {
    method,
    reachable: result.reachable,
    relayLog: fs.readFileSync(relay.process.logFile, 'utf8'),
    gatewayLog: fs.readFileSync(gateway.process.logFile, 'utf8'),
  };
}

describe('every login method through the real relay and gateway binaries', () => {
  it('logs in, registers and carries traffic with only the documented env of each method', async () => {
    const results: Awaited<ReturnType<typeof runMethod>>[] = [];
    for (let i = 0; i < METHODS.length; i += PARALLEL) {
      results.push(...(await Promise.all(METHODS.slice(i, i + PARALLEL).map(runMethod))));
    }
    expect(results.map(({ method, reachable }) => ({ method, reachable }))).toEqual(
      METHODS.map((method) => ({ method, reachable: true })),
    );
    for (const { method, relayLog, gatewayLog } of results) {
      // Each process logged in with its method, and never logged a credential.
      expect({ method, relay: relayLog }).toEqual({
        method,
        relay: expect.stringContaining('Logged in as machine identity'),
      });
      expect(gatewayLog).toMatch(/logged in/);
      for (const log of [relayLog, gatewayLog]) {
        expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
        expect(log).not.toMatch(/burrow\.at\.[0-9a-f]{16}/);
      }
    }
  }, 170_000);
});

describe('A GCP/AWS/OIDC configuration without bindings: refused', () => {
  it('the control plane refuses to create one (400 naming what to set); nothing is attached', async () => {
    const unbound: Array<[slug: string, config: object, needs: string]> = [
      [
        'gcp-auth',
        { type: 'gce', allowedZones: 'europe-west1-b' },
        'allowedServiceAccounts or allowedProjects',
      ],
      ['gcp-auth', { type: 'iam' }, 'allowedServiceAccounts'],
      ['aws-auth', { stsEndpoint: sts.url }, 'allowedPrincipalArns or allowedAccountIds'],
      ['oidc-auth', { oidcDiscoveryUrl: oidc.url }, 'boundSubject, boundAudiences or boundClaims'],
    ];
    for (const [slug, config, needs] of unbound) {
      const { identity } = await stack.api.call(routes.createIdentity, {
        body: { name: `unbound-${slug}`, organizationId: stack.organizationId, role: 'member' },
      });
      const params = { identityId: identity.id };
      await expect(
        stack.api.call(loginRoute(slug, 'attach'), { params, body: config } as never),
      ).rejects.toThrow(
        `answered 400: ${slug === 'aws-auth' ? 'AWS IAM' : slug === 'oidc-auth' ? 'OIDC' : 'GCP'} auth needs ${needs}`,
      );
      await expect(stack.api.call(loginRoute(slug, 'get'), { params } as never)).rejects.toThrow(
        /answered 400: .* is not configured for this identity/,
      );
    }
  });
});
