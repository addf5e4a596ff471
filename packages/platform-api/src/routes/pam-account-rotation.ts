import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { errorResponses, Uuid } from '../schemas/common.ts';
import { PamAccountRotationJson } from '../schemas/dynamic-secrets.ts';

/**
 * Password rotation of a PostgreSQL PAM account (issue 17). The control plane logs in to the
 * database through the account's gateway as the account itself, changes the role's password
 * (`ALTER ROLE … PASSWORD`), and only then stores the new one (sealed): PAM sessions opened
 * afterwards log in with it; sessions already open are not cut. A rotation the database refuses
 * leaves the stored password as it was and says why (`rotationStatus: failed`,
 * `lastRotationMessage`).
 *
 *   GET   /api/v1/pam/accounts/:accountId/rotation (admin, auditor) → {rotation}
 *   PATCH /api/v1/pam/accounts/:accountId/rotation (admin)
 *         {rotationEnabled, rotationIntervalSeconds?} → {rotation}: rotate on a schedule
 *   POST  /api/v1/pam/accounts/:accountId/rotate (admin) → {rotation}: rotate now; a refused
 *         rotation is answered 200 with `rotationStatus: "failed"` (it is recorded, not an error
 *         of the request)
 */
const AccountParams = Type.Object({ accountId: Uuid });

export const getPamAccountRotation = defineRoute({
  method: 'GET',
  path: '/api/v1/pam/accounts/:accountId/rotation',
  auth: 'identity',
  tags: ['pam'],
  summary: 'A PAM account’s rotation schedule and last outcome',
  params: AccountParams,
  response: { 200: Type.Object({ rotation: PamAccountRotationJson }), ...errorResponses },
});

export const updatePamAccountRotation = defineRoute({
  method: 'PATCH',
  path: '/api/v1/pam/accounts/:accountId/rotation',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Rotate a PAM account’s password on a schedule (PostgreSQL accounts)',
  params: AccountParams,
  body: Type.Object({
    rotationEnabled: Type.Boolean(),
    /** At least a minute, at most a year. */
    rotationIntervalSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 31_536_000 })),
  }),
  response: { 200: Type.Object({ rotation: PamAccountRotationJson }), ...errorResponses },
});

export const rotatePamAccountPassword = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/accounts/:accountId/rotate',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Rotate a PAM account’s password now, in the database and in the control plane',
  params: AccountParams,
  response: { 200: Type.Object({ rotation: PamAccountRotationJson }), ...errorResponses },
});
