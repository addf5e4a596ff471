import { routes } from '@burrow/platform-api';
import { awsIamLoginRequest } from './aws-iam-auth.ts';
import { azureLoginRequest } from './azure-auth.ts';
import { gcpIamLoginRequest } from './gcp-iam-auth.ts';
import { gcpIdTokenLoginRequest } from './gcp-id-token-auth.ts';
import { jwtLoginRequest } from './jwt-auth.ts';
import { kubernetesLoginRequest } from './kubernetes-auth.ts';
import type { LoginRequest } from './login-request.ts';
import type { LoginOptions } from './login-options.ts';
import { oidcLoginRequest } from './oidc-auth.ts';

/**
 * Collects the method's credential (file, metadata endpoint, signed request) and builds the login
 * call. Token auth has none: its token already is an access token.
 */
export async function methodLoginRequest(
  options: Exclude<LoginOptions, { method: 'token' }>,
): Promise<LoginRequest> {
  switch (options.method) {
    case 'universal-auth':
      return {
        route: routes.universalAuthLogin,
        body: {
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          ...(options.organizationSlug ? { organizationSlug: options.organizationSlug } : {}),
        },
      };
    case 'kubernetes':
      return kubernetesLoginRequest(options);
    case 'aws-iam':
      return awsIamLoginRequest(options);
    case 'gcp-id-token':
      return gcpIdTokenLoginRequest(options);
    case 'gcp-iam':
      return gcpIamLoginRequest(options);
    case 'azure':
      return azureLoginRequest(options);
    case 'oidc-auth':
      return oidcLoginRequest(options);
    case 'jwt-auth':
      return jwtLoginRequest(options);
  }
}
