import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * Organizations (their users and memberships: user-store.ts).
 *
 * @example
 *   const org = orgs.create({ name: 'Acme' }); // slug "acme"
 */
export interface Organization {
  id: string;
  name: string;
  slug: string;
  createdAt: number;
}

interface OrganizationRow {
  id: string;
  name: string;
  slug: string;
  created_at: number;
}

export class OrganizationStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(input: { name: string; now?: number }): Organization {
    const org: Organization = {
      id: randomUUID(),
      name: input.name,
      slug: this.#uniqueSlug(slugify(input.name)),
      createdAt: input.now ?? Date.now(),
    };
    this.#db
      .prepare('INSERT INTO organizations (id, name, slug, created_at) VALUES (?, ?, ?, ?)')
      .run(org.id, org.name, org.slug, org.createdAt);
    return org;
  }

  get(id: string): Organization | undefined {
    const row = this.#db
      .prepare<[string], OrganizationRow>('SELECT * FROM organizations WHERE id = ?')
      .get(id);
    return row && { id: row.id, name: row.name, slug: row.slug, createdAt: row.created_at };
  }

  getBySlug(slug: string): Organization | undefined {
    const row = this.#db
      .prepare<[string], OrganizationRow>('SELECT * FROM organizations WHERE slug = ?')
      .get(slug);
    return row && this.get(row.id);
  }

  #uniqueSlug(base: string): string {
    const taken = this.#db.prepare<[string], { n: number }>(
      'SELECT COUNT(*) AS n FROM organizations WHERE slug = ?',
    );
    let slug = base;
    for (let i = 2; (taken.get(slug)?.n ?? 0) > 0; i++) slug = `${base}-${i}`;
    return slug;
  }
}

/** Lowercase letters, digits and single hyphens, at most 64 characters ("org" if empty). */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug === '' ? 'org' : slug;
}
