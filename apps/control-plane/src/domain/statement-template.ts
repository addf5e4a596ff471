import { InvalidRequestError } from './errors.ts';

/**
 * SQL statement templates of a dynamic secret: `{{username}}`, `{{password}}`, `{{expiration}}`
 * and `{{database}}` are replaced by values the control plane made itself — a role name of
 * lowercase letters and digits, a password of letters and digits, an ISO timestamp, and the
 * configured database name (checked below) — so filling one in can never close a quote.
 * Any other `{{…}}` is refused when the configuration is saved, as is a template that does not
 * name the role it acts on.
 *
 * @example
 *   checkTemplate('creationStatement', 'CREATE ROLE "{{username}}" …', ['username', 'password']);
 *   renderTemplate(sql, { username: 'burrow_x1', password: 'p', expiration: '2026-…', database: 'orders' });
 */
export const PLACEHOLDERS = ['username', 'password', 'expiration', 'database'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/** The default statements (PostgreSQL): a read-only role that can be renewed and dropped. */
export const DEFAULT_STATEMENTS = {
  creationStatement:
    `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';\n` +
    'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{username}}";',
  revocationStatement:
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{username}}';\n` +
    'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{{username}}";\n' +
    'DROP ROLE IF EXISTS "{{username}}";',
  renewStatement: `ALTER ROLE "{{username}}" VALID UNTIL '{{expiration}}';`,
} as const;

/** Throws a 400 naming the statement unless every placeholder is known and `required` ones appear. */
export function checkTemplate(
  field: string,
  template: string,
  required: readonly Placeholder[],
): void {
  const used = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) used.add(match[1] as string);
  const unknown = [...used].filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new InvalidRequestError(
      `${field}: unknown placeholder {{${unknown[0]}}} (known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`,
    );
  }
  for (const name of required) {
    if (!used.has(name)) throw new InvalidRequestError(`${field} must contain {{${name}}}`);
  }
}

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_, name: string) => values[name as Placeholder] ?? '');
}

/** A database name that can be put between quotes in a statement without escaping. */
export function checkDatabaseName(database: string): void {
  if (!/^[A-Za-z0-9_$-]+$/.test(database)) {
    throw new InvalidRequestError(
      'database: only letters, digits, "_", "$" and "-" are accepted (it is filled into statements as {{database}})',
    );
  }
}
