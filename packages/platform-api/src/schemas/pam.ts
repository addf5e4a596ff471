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

/**
 * The connection details of an `http` resource (a web application) or a `kubernetes` resource
 * (its API server), issue 16: the origin (`https://app.internal:8443`; no path) and how its TLS is
 * checked (verified unless sslRejectUnauthorized is false; sslCertificate = trust anchors, PEM).
 */
export const PamHttpConnectionDetailsJson = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^[hH][tT][tT][pP][sS]?://' }),
  /**
   * http: the path the connection test GETs (testConnection) — with an account's credential, one
   * that needs a login, so that a wrong credential shows (default "/").
   */
  testPath: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, pattern: '^/' })),
  sslRejectUnauthorized: Type.Optional(Type.Boolean()),
  sslCertificate: Type.Optional(Type.String({ maxLength: 65536 })),
});

/** The resource types Burrow's control plane stores. */
export const PamResourceType = Type.Union([
  Type.Literal('postgres'),
  Type.Literal('ssh'),
  Type.Literal('http'),
  Type.Literal('kubernetes'),
]);

/**
 * How the gateway logs in to an account's target: ssh (password, public-key, certificate), http
 * (basic, bearer, header) and kubernetes (service-account-token).
 */
export const PamAccountAuthMethod = Type.Union([
  Type.Literal('password'),
  Type.Literal('public-key'),
  Type.Literal('certificate'),
  Type.Literal('basic'),
  Type.Literal('bearer'),
  Type.Literal('header'),
  Type.Literal('service-account-token'),
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
  connectionDetails: Type.Union([
    PamConnectionDetailsJson,
    PamSshConnectionDetailsJson,
    PamHttpConnectionDetailsJson,
  ]),
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
  /** ssh, http and kubernetes accounts: how the gateway logs in (the secret is never answered). */
  authMethod: Type.Optional(PamAccountAuthMethod),
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
