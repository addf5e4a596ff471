import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { agentStatusFields } from '../schemas/agent-status.ts';
import { errorResponses, Port, Slug, Uuid } from '../schemas/common.ts';

/**
 * Relays (reference §3.2, §3.5, §5.8):
 *   POST /api/v1/relays/register-org-relay        {host, name, sshPort?, tlsPort?}  identity token
 *   POST /api/v1/relays/register-instance-relay   same body                          Bearer RELAY_AUTH_SECRET
 *        → {relayId, pki:{serverCertificate, serverPrivateKey, clientCertificateChain},
 *           ssh:{serverCertificate, serverPrivateKey, clientCAPublicKey}}
 *   POST /api/v1/relays/heartbeat-org-relay       {name}  identity token
 *   POST /api/v1/relays/heartbeat-instance-relay  {name}  Bearer RELAY_AUTH_SECRET
 *        → the control plane completes a TLS handshake with host:tlsPort, then records it;
 *          failure → 400 "Relay <name> is not reachable: ..."
 *   GET  /api/v1/relays                            the caller's org relays + instance relays, with
 *        Burrow's `version` and `certificatesExpireAt` (the header x-burrow-agent-version that the
 *        relay sent, and when its last registration's certificates expire)
 *   DELETE /api/v1/relays/:id                      (admin) → the relay; its gateways drop their
 *        tunnels to it within seconds, the relay stops at its next heartbeat (404), and the name
 *        cannot be registered again
 * `sshPort`/`tlsPort` (default 2222/8443) are Burrow's extension.
 */
export const RelayRegistrationBody = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253 }),
  name: Slug,
  sshPort: Type.Optional(Port),
  tlsPort: Type.Optional(Port),
});

/** A PEM or OpenSSH text the relay cannot work without. */
const Credential = Type.String({ minLength: 1 });

export const RelayRegistration = Type.Object({
  relayId: Type.String(),
  pki: Type.Object({
    serverCertificate: Credential,
    serverPrivateKey: Credential,
    clientCertificateChain: Credential,
  }),
  ssh: Type.Object({
    serverCertificate: Credential,
    serverPrivateKey: Credential,
    clientCAPublicKey: Credential,
  }),
});

export const RelayJson = Type.Object({
  id: Type.String(),
  orgId: Type.Union([Type.String(), Type.Null()]),
  identityId: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  host: Type.String(),
  sshPort: Type.Integer(),
  tlsPort: Type.Integer(),
  heartbeat: Type.Union([Type.String(), Type.Null()]),
  healthAlertedAt: Type.Union([Type.String(), Type.Null()]),
  ...agentStatusFields('relay'),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const RelayHeartbeatBody = Type.Object({ name: Slug });

export const RelayHeartbeat = Type.Object({ message: Type.String(), heartbeat: Type.String() });

export const registerOrgRelay = defineRoute({
  method: 'POST',
  path: '/api/v1/relays/register-org-relay',
  auth: 'identity',
  tags: ['relays'],
  summary: 'Register (or re-register) the calling identity’s org relay',
  body: RelayRegistrationBody,
  response: { 200: RelayRegistration, ...errorResponses },
});

export const registerInstanceRelay = defineRoute({
  method: 'POST',
  path: '/api/v1/relays/register-instance-relay',
  auth: 'relay-auth-secret',
  tags: ['relays'],
  summary: 'Register (or re-register) an instance relay',
  body: RelayRegistrationBody,
  response: { 200: RelayRegistration, ...errorResponses },
});

export const heartbeatOrgRelay = defineRoute({
  method: 'POST',
  path: '/api/v1/relays/heartbeat-org-relay',
  auth: 'identity',
  tags: ['relays'],
  summary: 'Org relay heartbeat: probe the relay, then record it',
  body: RelayHeartbeatBody,
  response: { 200: RelayHeartbeat, ...errorResponses },
});

export const heartbeatInstanceRelay = defineRoute({
  method: 'POST',
  path: '/api/v1/relays/heartbeat-instance-relay',
  auth: 'relay-auth-secret',
  tags: ['relays'],
  summary: 'Instance relay heartbeat: probe the relay, then record it',
  body: RelayHeartbeatBody,
  response: { 200: RelayHeartbeat, ...errorResponses },
});

export const deleteRelay = defineRoute({
  method: 'DELETE',
  path: '/api/v1/relays/:id',
  auth: 'identity',
  tags: ['relays'],
  summary: 'Delete a relay: its gateways drop their tunnels to it; the relay stops',
  params: Type.Object({ id: Uuid }),
  response: { 200: RelayJson, ...errorResponses },
});

export const listRelays = defineRoute({
  method: 'GET',
  path: '/api/v1/relays',
  auth: 'identity',
  tags: ['relays'],
  summary: 'Relays the caller may use: its org relays, then instance relays',
  response: { 200: Type.Array(RelayJson), ...errorResponses },
});
