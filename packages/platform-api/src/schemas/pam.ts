import { Type } from 'typebox';

/**
 * JSON schemas shared by the PAM routes.
 */

/** A resource or account name: like a slug, up to 64 characters. */
export const PamName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$',
  description: 'lowercase letters, digits, "-" and "_"; 1-64 characters',
});

/** A folder path of such names: `prod`, `prod/eu`; '' or absent = the root folder. */
export const PamFolderPath = Type.String({
  maxLength: 190,
  pattern: '^([a-z0-9]([a-z0-9_-]*[a-z0-9])?(/[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*)?$',
});

/** The connection details of a `postgres` resource. */
export const PamConnectionDetailsJson = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  database: Type.String({ minLength: 1, maxLength: 63 }),
  sslEnabled: Type.Optional(Type.Boolean()),
  sslRejectUnauthorized: Type.Optional(Type.Boolean()),
  sslCertificate: Type.Optional(Type.String({ maxLength: 65536 })),
});

/** One OpenSSH public key line: `ssh-ed25519 AAAA… [comment]`. */
const SshPublicKeyLineJson = Type.String({ minLength: 1, maxLength: 16384 });

/**
 * The connection details of an `ssh` resource (issue 15, SSH-CONTRACT.md): where the target is
 * and how the gateway recognises it. At least one of `hostKeys` (the target's pinned host keys)
 * and `hostCertificateAuthorities` (CAs whose host certificates naming `host` are trusted) must be
 * non-empty: the control plane refuses the resource otherwise (no trust on first use). Each entry
 * must parse as an OpenSSH public key line.
 */
export const PamSshConnectionDetailsJson = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  hostKeys: Type.Optional(Type.Array(SshPublicKeyLineJson, { maxItems: 32 })),
  hostCertificateAuthorities: Type.Optional(Type.Array(SshPublicKeyLineJson, { maxItems: 32 })),
});

/** The resource types Burrow's control plane stores. */
export const PamResourceType = Type.Union([Type.Literal('postgres'), Type.Literal('ssh')]);

/** How the gateway logs in to an SSH target (reference §8.3). */
export const PamSshAuthMethod = Type.Union([
  Type.Literal('password'),
  Type.Literal('public-key'),
  Type.Literal('certificate'),
]);

/** Regular expressions (JavaScript RegExp source), each checked to compile when saved. */
const PamPolicyPatterns = Type.Object({
  patterns: Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 100 }),
});

/**
 * An account's policy rules (reference §8.2, top level of the credentials answer): input lines
 * matching a `command-blocking` pattern never reach the target; matches of a
 * `session-log-masking` pattern are replaced with `[MASKED]` before anything is recorded.
 */
export const PamPolicyRulesJson = Type.Object({
  'command-blocking': Type.Optional(PamPolicyPatterns),
  'session-log-masking': Type.Optional(PamPolicyPatterns),
});

export const PamResourceJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  resourceType: Type.String(),
  gatewayId: Type.String(),
  /** {host, port, database, ssl…} for postgres; {host, port, hostKeys?, hostCertificateAuthorities?} for ssh. */
  connectionDetails: Type.Union([PamConnectionDetailsJson, PamSshConnectionDetailsJson]),
  createdAt: Type.String(),
});

export const PamAccountJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  path: Type.String(),
  folderPath: Type.String(),
  resourceId: Type.String(),
  resourceType: Type.String(),
  username: Type.String(),
  /** ssh accounts: how the gateway logs in (the secret itself is never answered). */
  authMethod: Type.Optional(PamSshAuthMethod),
  policyRules: Type.Optional(PamPolicyRulesJson),
  createdAt: Type.String(),
});

export const PamSessionStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('ended'),
  Type.Literal('expired'),
]);

export const PamSessionJson = Type.Object({
  id: Type.String(),
  accountPath: Type.String(),
  resourceType: Type.String(),
  status: PamSessionStatus,
  reason: Type.Union([Type.String(), Type.Null()]),
  identityId: Type.String(),
  gatewayId: Type.String(),
  createdAt: Type.String(),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.String(),
  eventCount: Type.Integer(),
});
