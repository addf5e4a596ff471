import { nonEmpty } from '@burrow/observability';

/**
 * Login settings as relay and gateway take them from their command line (reference §3.6, §5.9).
 * Each also has an environment variable, read by {@link resolveAuthFromEnv}; flags win.
 */
export interface AuthFlags {
  authMethod?: string | undefined;
  token?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  organizationSlug?: string | undefined;
  /** Identity ID for every method except universal-auth and token. */
  machineIdentityId?: string | undefined;
  /** Kubernetes: the service account token file. */
  serviceAccountTokenPath?: string | undefined;
  /** GCP IAM: the service account key file (JSON). */
  serviceAccountKeyFilePath?: string | undefined;
  /** OIDC and JWT auth: the token itself. */
  jwt?: string | undefined;
}

/** First value that is set and not blank, trimmed (a blank setting counts as unset: {@link nonEmpty}). */
export function pickSetting(...values: (string | undefined)[]): string | undefined {
  for (const value of values) {
    const text = nonEmpty(value);
    if (text !== undefined) return text;
  }
  return undefined;
}
