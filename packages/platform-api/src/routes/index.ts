import type { RouteSpec } from '../define-route.ts';
import { accessPamAccount } from './pam-access.ts';
import { bootstrapInstance } from './admin.ts';
import {
  createIdentity,
  deleteIdentity,
  getIdentity,
  listIdentities,
  updateIdentity,
} from './identities.ts';
import {
  consoleSession,
  consoleSignIn,
  consoleSignOut,
  createUser,
  userLogin,
} from './user-sign-in.ts';
import {
  deleteGateway,
  gatewayConnectionDetails,
  gatewayHeartbeat,
  gatewayPamSessionKey,
  listGateways,
  registerGateway,
  testGatewayConnection,
} from './gateways.ts';
import { healthz, readyz } from './health.ts';
import { awsAuth, azureAuth, gcpAuth, jwtAuth, kubernetesAuth, oidcAuth } from './login-methods.ts';
import { renewAccessToken, revokeAccessToken } from './access-tokens.ts';
import { listAuditLogs } from './audit-logs.ts';
import {
  createDynamicSecretLease,
  getDynamicSecretLease,
  listDynamicSecretLeases,
  renewDynamicSecretLease,
  revokeDynamicSecretLease,
} from './dynamic-secret-leases.ts';
import {
  createDynamicSecret,
  createDynamicSecretGrant,
  deleteDynamicSecret,
  deleteDynamicSecretGrant,
  getDynamicSecret,
  listDynamicSecretGrants,
  listDynamicSecrets,
  updateDynamicSecret,
} from './dynamic-secrets.ts';
import {
  getPamAccountRotation,
  rotatePamAccountPassword,
  updatePamAccountRotation,
} from './pam-account-rotation.ts';
import {
  createPamAccount,
  deletePamAccount,
  listPamAccounts,
  pamAccountSshCaPublicKey,
  updatePamAccount,
} from './pam-accounts.ts';
import { createPamGrant, deletePamGrant, listPamGrants } from './pam-grants.ts';
import {
  createPamResource,
  deletePamResource,
  listPamResources,
  updatePamResource,
} from './pam-resources.ts';
import {
  endPamSession,
  getPamSession,
  listPamSessions,
  pamSessionCredentials,
} from './pam-sessions.ts';
import {
  recordPamSessionChunk,
  requestPamSessionChunkPresignedPut,
  uploadPamSessionEvents,
} from './pam-session-recordings.ts';
import {
  heartbeatInstanceRelay,
  heartbeatOrgRelay,
  deleteRelay,
  listRelays,
  registerInstanceRelay,
  registerOrgRelay,
} from './relays.ts';
import {
  connectGateway,
  connectRelay,
  createEnrolledGateway,
  createEnrolledRelay,
  enrollGateway,
  generateGatewayEnrollmentToken,
  generateRelayEnrollmentToken,
  relayHeartbeat,
  relayLogin,
  revokeGatewayAccess,
  revokeRelayAccess,
} from './resource-token-auth.ts';
import { attachTokenAuth, createTokenAuthToken } from './token-auth.ts';
import {
  attachUniversalAuth,
  createUniversalAuthClientSecret,
  getUniversalAuth,
  revokeUniversalAuthClientSecret,
  universalAuthLogin,
} from './universal-auth.ts';

/** The identity-based login methods other than universal auth, each with attach/get/login. */
export const loginMethods = {
  kubernetesAuth,
  awsAuth,
  azureAuth,
  gcpAuth,
  oidcAuth,
  jwtAuth,
} as const;

/**
 * Every route of the control plane by name: `client.call(routes.registerOrgRelay, { body })`.
 */
export const routes = {
  healthz,
  readyz,
  bootstrapInstance,
  createIdentity,
  getIdentity,
  updateIdentity,
  deleteIdentity,
  listIdentities,
  userLogin,
  consoleSignIn,
  consoleSession,
  consoleSignOut,
  createUser,
  attachUniversalAuth,
  getUniversalAuth,
  createUniversalAuthClientSecret,
  revokeUniversalAuthClientSecret,
  universalAuthLogin,
  attachTokenAuth,
  createTokenAuthToken,
  renewAccessToken,
  revokeAccessToken,
  attachKubernetesAuth: kubernetesAuth.attach,
  getKubernetesAuth: kubernetesAuth.get,
  kubernetesAuthLogin: kubernetesAuth.login,
  attachAwsAuth: awsAuth.attach,
  getAwsAuth: awsAuth.get,
  awsAuthLogin: awsAuth.login,
  attachAzureAuth: azureAuth.attach,
  getAzureAuth: azureAuth.get,
  azureAuthLogin: azureAuth.login,
  attachGcpAuth: gcpAuth.attach,
  getGcpAuth: gcpAuth.get,
  gcpAuthLogin: gcpAuth.login,
  attachOidcAuth: oidcAuth.attach,
  getOidcAuth: oidcAuth.get,
  oidcAuthLogin: oidcAuth.login,
  attachJwtAuth: jwtAuth.attach,
  getJwtAuth: jwtAuth.get,
  jwtAuthLogin: jwtAuth.login,
  registerOrgRelay,
  registerInstanceRelay,
  heartbeatOrgRelay,
  heartbeatInstanceRelay,
  listRelays,
  deleteRelay,
  createEnrolledRelay,
  generateRelayEnrollmentToken,
  revokeRelayAccess,
  relayLogin,
  connectRelay,
  relayHeartbeat,
  registerGateway,
  gatewayHeartbeat,
  listGateways,
  deleteGateway,
  testGatewayConnection,
  gatewayConnectionDetails,
  gatewayPamSessionKey,
  createEnrolledGateway,
  generateGatewayEnrollmentToken,
  revokeGatewayAccess,
  enrollGateway,
  connectGateway,
  createPamResource,
  listPamResources,
  updatePamResource,
  deletePamResource,
  createPamAccount,
  listPamAccounts,
  createPamGrant,
  listPamGrants,
  deletePamGrant,
  updatePamAccount,
  deletePamAccount,
  pamAccountSshCaPublicKey,
  accessPamAccount,
  pamSessionCredentials,
  uploadPamSessionEvents,
  recordPamSessionChunk,
  requestPamSessionChunkPresignedPut,
  endPamSession,
  listPamSessions,
  getPamSession,
  getPamAccountRotation,
  updatePamAccountRotation,
  rotatePamAccountPassword,
  createDynamicSecret,
  listDynamicSecrets,
  getDynamicSecret,
  updateDynamicSecret,
  deleteDynamicSecret,
  createDynamicSecretGrant,
  listDynamicSecretGrants,
  deleteDynamicSecretGrant,
  createDynamicSecretLease,
  listDynamicSecretLeases,
  getDynamicSecretLease,
  renewDynamicSecretLease,
  revokeDynamicSecretLease,
  listAuditLogs,
} as const;

/** Every route once, in the order above; the control plane serves exactly these. */
export const allRoutes: readonly RouteSpec[] = Object.values(routes);
