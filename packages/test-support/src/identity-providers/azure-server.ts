import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { startLoopbackServer } from './loopback-server.ts';
import { createSigningKey, type SignOptions, type SigningKey } from './signing-key.ts';

/**
 * Azure's managed-identity endpoints on one loopback server:
 *
 *   GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=<r>   (Metadata: true)
 *       the Instance Metadata Service: an Entra ID access token for the VM's managed identity
 *       (iss https://sts.windows.net/<tenant>/, aud <r>, tid, oid, appid)
 *   GET /<tenant>/discovery/keys   the tenant's JWKS (login.microsoftonline.com)
 *
 * @example
 *   const azure = await startAzureServer({ tenantId, principalId });
 *   // client: BURROW_AZURE_IMDS_URL=azure.url; control plane: BURROW_AZURE_LOGIN_URL=azure.url
 */
export interface AzureServer {
  url: string;
  tenantId: string;
  principalId: string;
  key: SigningKey;
  issueToken(resource: string, claims?: JWTPayload, options?: SignOptions): Promise<string>;
  controlPlaneEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startAzureServer(
  options: {
    tenantId?: string;
    principalId?: string;
  } = {},
): Promise<AzureServer> {
  const tenantId = options.tenantId ?? randomUUID();
  const principalId = options.principalId ?? randomUUID();
  const key = await createSigningKey();
  const issueToken: AzureServer['issueToken'] = (resource, claims = {}, signOptions) =>
    key.sign(
      {
        iss: `https://sts.windows.net/${tenantId}/`,
        aud: resource,
        tid: tenantId,
        oid: principalId,
        sub: principalId,
        appid: randomUUID(),
        idtyp: 'app',
        xms_mirid: `/subscriptions/${randomUUID()}/resourcegroups/burrow/providers/Microsoft.Compute/virtualMachines/gw`,
        ...claims,
      },
      signOptions,
    );
  const server = await startLoopbackServer(async (request) => {
    if (request.url.pathname === '/metadata/identity/oauth2/token') {
      if (request.headers.metadata !== 'true') {
        return {
          status: 400,
          body: {
            error: 'invalid_request',
            error_description: 'Required metadata header not specified',
          },
        };
      }
      const resource = request.url.searchParams.get('resource');
      if (!resource || !request.url.searchParams.get('api-version')) {
        return {
          status: 400,
          body: {
            error: 'invalid_request',
            error_description: 'resource and api-version are required',
          },
        };
      }
      const expiresOn = Math.floor(Date.now() / 1000) + 3600;
      return {
        status: 200,
        body: {
          access_token: await issueToken(resource, {}, { expiresInSeconds: 3600 }),
          client_id: randomUUID(),
          expires_in: '3599',
          expires_on: String(expiresOn),
          not_before: String(expiresOn - 3600),
          resource,
          token_type: 'Bearer',
        },
      };
    }
    if (request.url.pathname === `/${tenantId}/discovery/keys`) {
      return { status: 200, body: { keys: [{ ...key.publicJwk, x5t: key.kid }] } };
    }
    return { status: 404, body: { error: 'not_found' } };
  });
  return {
    url: server.url,
    tenantId,
    principalId,
    key,
    issueToken,
    controlPlaneEnv: { BURROW_AZURE_LOGIN_URL: server.url },
    close: () => server.close(),
  };
}
