import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { errorResponses } from '../schemas/common.ts';

/**
 * `POST /api/v1/admin/bootstrap {email, password, organization}` — first-run setup (Infisical's
 * instance bootstrap). A second call answers 400.
 */
export const BootstrapBody = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254 }),
  password: Type.String({ minLength: 8, maxLength: 1024 }),
  organization: Type.String({ minLength: 1, maxLength: 64 }),
});

export const BootstrapResponse = Type.Object({
  message: Type.String(),
  user: Type.Object({
    id: Type.String(),
    email: Type.String(),
    username: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    superAdmin: Type.Boolean(),
  }),
  organization: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }),
  identity: Type.Object({
    id: Type.String(),
    name: Type.String(),
    credentials: Type.Object({ token: Type.String() }),
  }),
});

export const bootstrapInstance = defineRoute({
  method: 'POST',
  path: '/api/v1/admin/bootstrap',
  auth: 'none',
  tags: ['admin'],
  summary: 'Set up the instance: admin user, first organization, admin machine identity',
  body: BootstrapBody,
  response: { 200: BootstrapResponse, ...errorResponses },
});
