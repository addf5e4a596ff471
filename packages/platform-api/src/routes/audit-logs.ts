import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { errorResponses } from '../schemas/common.ts';
import { AuditLogJson } from '../schemas/dynamic-secrets.ts';

/**
 * The organization's audit log (reference path `/api/v1/organization/audit-logs`), newest first:
 * every dynamic-secret lease (create, renew, revoke, expiry), every PAM password rotation, every
 * change of a PAM resource, account or grant (create-/update-/delete-pam-resource, -pam-account,
 * create-/delete-pam-grant: never a secret, an account's login method only) and people's
 * sign-ins (user-sign-in: success, or failure with the reason, for a known email), each with who,
 * when, which object and the outcome. Admins and auditors.
 *
 *   GET /api/v1/organization/audit-logs?eventType=create-dynamic-secret-lease&limit=50
 *       → {auditLogs:[{id, eventType, actor:{type, identityId, name}, resourceType, resourceId,
 *          resourceName, outcome, details, createdAt}]}
 */
export const listAuditLogs = defineRoute({
  method: 'GET',
  path: '/api/v1/organization/audit-logs',
  auth: 'identity',
  tags: ['audit'],
  summary: 'Audit events of the caller’s organization, newest first (admins, auditors)',
  querystring: Type.Object({
    eventType: Type.Optional(Type.String({ maxLength: 64 })),
    resourceId: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  }),
  response: { 200: Type.Object({ auditLogs: Type.Array(AuditLogJson) }), ...errorResponses },
});
