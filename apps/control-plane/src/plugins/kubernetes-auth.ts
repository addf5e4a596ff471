import {
  kubernetesAuthConfig,
  verifyKubernetesLogin,
  type KubernetesAuthConfig,
} from '@burrow/auth-methods';
import { kubernetesAuth } from '@burrow/platform-api';
import { loginMethodPlugin } from './login-method-routes.ts';

/**
 * Kubernetes auth (reference §7): `POST /api/v1/auth/kubernetes-auth/identities/:identityId`
 * with kubernetesHost, caCert, tokenReviewerJwt, allowedNamespaces, allowedNames,
 * allowedAudience; `POST /api/v1/auth/kubernetes-auth/login {identityId, jwt}`. The token
 * reviewer JWT is sealed with the root key in the database and never shown.
 */
const sealLabel = (identityId: string): string => `login-method:kubernetes-auth:${identityId}`;

export const kubernetesAuthPlugin = loginMethodPlugin({
  routes: kubernetesAuth,
  toConfig(body, identityId, providers): KubernetesAuthConfig {
    const config = kubernetesAuthConfig(body);
    const sealed = config.tokenReviewerJwt
      ? providers.secretBox
          .seal(Buffer.from(config.tokenReviewerJwt, 'utf8'), sealLabel(identityId))
          .toString('base64')
      : '';
    return { ...config, tokenReviewerJwt: sealed };
  },
  toJson: (config) => ({
    kubernetesHost: config.kubernetesHost,
    caCert: config.caCert,
    hasTokenReviewerJwt: config.tokenReviewerJwt !== '',
    allowedNamespaces: config.allowedNamespaces,
    allowedNames: config.allowedNames,
    allowedAudience: config.allowedAudience,
  }),
  verify(config, body, request, providers) {
    const tokenReviewerJwt = config.tokenReviewerJwt
      ? providers.secretBox
          .open(Buffer.from(config.tokenReviewerJwt, 'base64'), sealLabel(body.identityId))
          .toString('utf8')
      : '';
    return verifyKubernetesLogin(
      { ...config, tokenReviewerJwt },
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
    );
  },
});
