import type { webcrypto } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { decodeJwt, exportPKCS8, importJWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import {
  startLoopbackServer,
  type LoopbackRequest,
  type LoopbackResponse,
} from './loopback-server.ts';
import { createSigningKey, type SignOptions, type SigningKey } from './signing-key.ts';

/**
 * Google Cloud's identity endpoints on one loopback server, each speaking the real protocol:
 *
 *   GET  /computeMetadata/v1/instance/service-accounts/default/identity?audience=&format=full
 *        (Metadata-Flavor: Google)  the metadata server: a Google-signed ID token for the VM's
 *        service account, with google.compute_engine.{project_id, zone, ...}
 *   GET  /oauth2/v3/certs           Google's ID token JWKS
 *   POST /token                     OAuth 2.0 JWT-bearer grant: an assertion signed with a
 *                                   service account key → access token
 *   POST /v1/projects/-/serviceAccounts/<email>:signJwt   IAM Credentials signJwt (bearer access
 *                                   token of that account) → {keyId, signedJwt}, signed with the
 *                                   account's Google-managed key
 *   GET  /service_accounts/v1/metadata/jwk/<email>        that account's public keys
 *
 * Point clients at it with BURROW_GCP_METADATA_URL / BURROW_GCP_IAM_CREDENTIALS_URL (and the key
 * file's token_uri), the control plane with BURROW_GCP_ID_TOKEN_JWKS_URL /
 * BURROW_GCP_SERVICE_ACCOUNT_JWKS_URL (see {@link GoogleCloudServer.controlPlaneEnv}).
 *
 * @example
 *   const gcp = await startGoogleCloudServer({ instance: { serviceAccountEmail, projectId: 'p', zone: 'z' } });
 *   const keyFileJson = await gcp.createServiceAccountKey('gw@p.iam.gserviceaccount.com');
 */
export interface GoogleCloudServer {
  url: string;
  googleKey: SigningKey;
  /** Signs an ID token as Google would (for refusal tests); claims override the defaults. */
  issueIdToken(audience: string, claims?: JWTPayload, options?: SignOptions): Promise<string>;
  /** Creates a service account (if new) and a key for it; returns the key file's JSON text. */
  createServiceAccountKey(email: string): Promise<string>;
  /** Signs as IAM signJwt would for `email` (for refusal tests). */
  signJwtAs(email: string, claims: JWTPayload, options?: SignOptions): Promise<string>;
  controlPlaneEnv: Record<string, string>;
  close(): Promise<void>;
}

interface ServiceAccount {
  userKeys: Map<string, webcrypto.CryptoKey>;
  managedKey: SigningKey;
}

export async function startGoogleCloudServer(options: {
  instance: { serviceAccountEmail: string; projectId: string; zone: string };
}): Promise<GoogleCloudServer> {
  const googleKey = await createSigningKey();
  const accounts = new Map<string, ServiceAccount>();
  const accessTokens = new Map<string, string>();
  let baseUrl = '';

  const account = async (email: string): Promise<ServiceAccount> => {
    let found = accounts.get(email);
    if (!found) {
      found = { userKeys: new Map(), managedKey: await createSigningKey() };
      accounts.set(email, found);
    }
    return found;
  };

  const issueIdToken: GoogleCloudServer['issueIdToken'] = (audience, claims = {}, signOptions) => {
    const { serviceAccountEmail, projectId, zone } = options.instance;
    return googleKey.sign(
      {
        iss: 'https://accounts.google.com',
        aud: audience,
        azp: '100000000000000000001',
        sub: '100000000000000000001',
        email: serviceAccountEmail,
        email_verified: true,
        google: {
          compute_engine: {
            project_id: projectId,
            project_number: 123456789012,
            zone,
            instance_id: '1234567890123456789',
            instance_name: 'burrow-test-vm',
          },
        },
        ...claims,
      },
      signOptions,
    );
  };

  const handle = async (request: LoopbackRequest): Promise<LoopbackResponse> => {
    const path = request.url.pathname;
    if (path === '/computeMetadata/v1/instance/service-accounts/default/identity') {
      if (request.headers['metadata-flavor'] !== 'Google') {
        return { status: 403, body: 'Missing Metadata-Flavor:Google header.' };
      }
      const audience = request.url.searchParams.get('audience');
      if (!audience) return { status: 400, body: 'non-empty audience parameter required' };
      return { status: 200, body: await issueIdToken(audience, {}, { expiresInSeconds: 3600 }) };
    }
    if (path === '/oauth2/v3/certs') return { status: 200, body: { keys: [googleKey.publicJwk] } };
    if (path === '/token' && request.method === 'POST') return token(request);
    const signJwt = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):signJwt$/.exec(path);
    if (signJwt && request.method === 'POST') {
      return signJwtHandler(decodeURIComponent(signJwt[1] ?? ''), request);
    }
    const jwk = /^\/service_accounts\/v1\/metadata\/jwk\/([^/]+)$/.exec(path);
    if (jwk) {
      const found = accounts.get(decodeURIComponent(jwk[1] ?? ''));
      return found
        ? { status: 200, body: { keys: [found.managedKey.publicJwk] } }
        : { status: 404, body: { error: { code: 404, message: 'Not found' } } };
    }
    return { status: 404, body: { error: { code: 404, message: `no route ${path}` } } };
  };

  const token = async (request: LoopbackRequest): Promise<LoopbackResponse> => {
    const form = new URLSearchParams(request.body);
    const invalid = (description: string): LoopbackResponse => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: description },
    });
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    const assertion = form.get('assertion') ?? '';
    let email: string;
    try {
      email = String(decodeJwt(assertion).iss);
    } catch {
      return invalid('Invalid JWT');
    }
    const found = accounts.get(email);
    if (!found) return invalid('Invalid JWT Signature.');
    try {
      await jwtVerify(
        assertion,
        async (header) => {
          const key = found.userKeys.get(header.kid ?? '');
          if (!key) throw new Error('unknown key');
          return key;
        },
        { issuer: email, audience: `${baseUrl}/token` },
      );
    } catch {
      return invalid('Invalid JWT Signature.');
    }
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    accessTokens.set(accessToken, email);
    return {
      status: 200,
      body: { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' },
    };
  };

  const signJwtHandler = async (
    email: string,
    request: LoopbackRequest,
  ): Promise<LoopbackResponse> => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const caller = accessTokens.get(bearer);
    if (!caller) return { status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED' } } };
    const found = accounts.get(email);
    if (!found || caller !== email) {
      return { status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED' } } };
    }
    const payload = JSON.parse(
      (JSON.parse(request.body) as { payload?: string }).payload ?? '{}',
    ) as JWTPayload;
    const signedJwt = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: found.managedKey.kid })
      .sign(found.managedKey.privateKey);
    return { status: 200, body: { keyId: found.managedKey.kid, signedJwt } };
  };

  const server = await startLoopbackServer(handle);
  baseUrl = server.url;
  return {
    url: server.url,
    googleKey,
    issueIdToken,
    async createServiceAccountKey(email) {
      const found = await account(email);
      const userKey = await createSigningKey(randomBytes(20).toString('hex'));
      found.userKeys.set(
        userKey.kid,
        (await importJWK(userKey.publicJwk, 'RS256')) as webcrypto.CryptoKey,
      );
      return JSON.stringify({
        type: 'service_account',
        project_id: email.split('@')[1]?.split('.')[0] ?? 'project',
        private_key_id: userKey.kid,
        private_key: await exportPKCS8(userKey.privateKey),
        client_email: email,
        client_id: '100000000000000000002',
        token_uri: `${server.url}/token`,
      });
    },
    async signJwtAs(email, claims, signOptions) {
      return (await account(email)).managedKey.sign(claims, signOptions);
    },
    controlPlaneEnv: {
      BURROW_GCP_ID_TOKEN_JWKS_URL: `${server.url}/oauth2/v3/certs`,
      BURROW_GCP_SERVICE_ACCOUNT_JWKS_URL: `${server.url}/service_accounts/v1/metadata/jwk/{email}`,
    },
    close: () => server.close(),
  };
}
