import { initialSchema } from './0001-initial-schema.ts';
import { identityLoginMethods } from './0002-identity-login-methods.ts';
import { pamSchema } from './0003-pam.ts';
import { gatewayRelays } from './0004-gateway-relays.ts';
import { rolesAndGrants } from './0005-roles-and-grants.ts';
import { revocation } from './0006-revocation.ts';
import { pamRecordingUploads } from './0007-pam-recording-uploads.ts';
import { pamRecordedEvents } from './0008-pam-recorded-events.ts';
import { pamSshAccounts } from './0009-pam-ssh-accounts.ts';
import { dynamicSecrets } from './0010-dynamic-secrets.ts';
import { userSignIn } from './0011-user-sign-in.ts';
import { gatewayVersionAndExpiry } from './0012-gateway-version-and-expiry.ts';
import { relayVersionAndExpiry } from './0013-relay-version-and-expiry.ts';
import { resourceTokenAuth } from './0014-resource-token-auth.ts';
import { pamRecordingProblem } from './0015-pam-recording-problem.ts';

/** A schema change. Versions are consecutive and never reused; applied ones are never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  initialSchema,
  identityLoginMethods,
  pamSchema,
  gatewayRelays,
  rolesAndGrants,
  revocation,
  pamRecordingUploads,
  pamRecordedEvents,
  pamSshAccounts,
  dynamicSecrets,
  userSignIn,
  gatewayVersionAndExpiry,
  relayVersionAndExpiry,
  resourceTokenAuth,
  pamRecordingProblem,
];
