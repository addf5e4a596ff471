import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';
import { GatewayPamSessionKeyStore } from './gateway-pam-session-key-store.ts';
import { PamAccountStore } from './pam-account-store.ts';
import { PamGrantStore } from './pam-grant-store.ts';
import { PamRecordingStore } from './pam-recording-store.ts';
import { PamResourceStore } from './pam-resource-store.ts';
import { PamSessionStore } from './pam-session-store.ts';

/** The PAM stores together (resources, accounts, grants, sessions, recording keys), as the control plane context holds them (`context.pam`). */
export interface PamStores {
  resources: PamResourceStore;
  accounts: PamAccountStore;
  grants: PamGrantStore;
  sessions: PamSessionStore;
  sessionKeys: GatewayPamSessionKeyStore;
  recordings: PamRecordingStore;
}

export function createPamStores(db: Db, secretBox: SecretBox): PamStores {
  return {
    resources: new PamResourceStore(db),
    accounts: new PamAccountStore(db, secretBox),
    grants: new PamGrantStore(db),
    sessions: new PamSessionStore(db),
    sessionKeys: new GatewayPamSessionKeyStore(db, secretBox),
    recordings: new PamRecordingStore(db, secretBox),
  };
}
