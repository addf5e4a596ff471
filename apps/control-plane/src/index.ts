/**
 * @burrow/control-plane — the platform API as a library: build the app, and (for later PAM and
 * dynamic-secret features) reach a gateway's targets through its relay.
 */
export {
  createControlPlane,
  type ControlPlane,
  type ControlPlaneOptions,
} from './control-plane.ts';
export { buildApp, type BuildAppOptions, type ControlPlaneApp } from './app/build-app.ts';
export { createContext, type ControlPlaneContext } from './app/control-plane-context.ts';
export { resolveServerConfig, type ServerConfig } from './config/server-config.ts';
export { ConfigError } from './config/config-error.ts';
export {
  GatewayTunnelClient,
  withGatewayTunnel,
  withLoopbackTunnel,
  type GatewayTarget,
  type PreparedTunnel,
} from './services/gateway-tunnel.ts';
export { probeGatewayHealth } from './services/gateway-health-probe.ts';
export {
  testTargetConnection,
  type ConnectionTestResult,
  type ConnectionTestOutcome,
} from './services/target-connection-test.ts';
export { issueCallerCredentials, type CallerCredentials } from './services/caller-credentials.ts';
export { CertificateAuthorities, INSTANCE_SCOPE } from './services/certificate-authorities.ts';
