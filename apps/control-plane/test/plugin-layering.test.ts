import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

/**
 * The layering of README "Layout": plugins are HTTP adapters that get only services. They may
 * name the records services hand back (`import type { Relay } from '../stores/relay-store.ts'`),
 * but never a store, the database or the whole context, so no route reads or writes a table
 * past the service that owns it and its rules.
 */
const PLUGINS_DIR = fileURLToPath(new URL('../src/plugins/', import.meta.url));

/** Every module a file imports (static, type-only, re-exports, dynamic and `import('…')` types). */
function importsOf(source: string): Array<{ from: string; typeOnly: boolean; names: string[] }> {
  const found: Array<{ from: string; typeOnly: boolean; names: string[] }> = [];
  const statement = /^(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)'/gm;
  for (const match of source.matchAll(statement)) {
    const names = [
      ...(match[2] as string).matchAll(/(?:type\s+)?([A-Za-z_$][\w$]*)(?:\s+as\s+[\w$]+)?/g),
    ]
      .map((name) => name[1] as string)
      .filter((name) => name !== 'type' && name !== 'as');
    const clause = match[2] as string;
    // `import { type A, type B }` is type-only too.
    const everyNameTyped =
      /^\{[\s\S]*\}$/.test(clause.trim()) &&
      clause
        .replace(/[{}]/g, '')
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .every((part) => part.startsWith('type '));
    found.push({ from: match[3] as string, typeOnly: Boolean(match[1]) || everyNameTyped, names });
  }
  // import('…').Name is a type reference; import('…') alone loads the module.
  for (const match of source.matchAll(/\bimport\(\s*'([^']+)'\s*\)(?:\.([\w$]+))?/g)) {
    const name = match[2];
    found.push({
      from: match[1] as string,
      typeOnly: name !== undefined,
      names: name ? [name] : [],
    });
  }
  for (const match of source.matchAll(/^import\s+'([^']+)'/gm)) {
    found.push({ from: match[1] as string, typeOnly: false, names: [] });
  }
  return found;
}

/** What a plugin's imports break of the rule (empty when it keeps to it). */
function layeringBreaks(source: string): string[] {
  const breaks: string[] = [];
  for (const { from, typeOnly, names } of importsOf(source)) {
    if (/(^|\/)db\/|better-sqlite3|app\/control-plane-context/.test(from)) {
      breaks.push(`imports ${from}`);
    } else if (/(^|\/)stores\//.test(from)) {
      if (!typeOnly) breaks.push(`imports values from ${from}`);
      for (const name of names.filter((name) => /Stores?$/.test(name)))
        breaks.push(`imports the store ${name} from ${from}`);
    }
  }
  return breaks;
}

describe('control-plane plugins get services, never stores', () => {
  it('no plugin imports a store, the database or the whole context', () => {
    const files = readdirSync(PLUGINS_DIR).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    const breaks = files.flatMap((file) =>
      layeringBreaks(readFileSync(`${PLUGINS_DIR}${file}`, 'utf8')).map(
        (what) => `${file} ${what}`,
      ),
    );
    expect(breaks).toEqual([]);
  });

  it('the check sees every way of reaching a store', () => {
    const cases: Array<[string, string[]]> = [
      [`import type { Relay } from '../stores/relay-store.ts';`, []],
      [`import { type Gateway, type GatewayView } from '../services/gateway-service.ts';`, []],
      [
        `import type { Relay, RelayStore } from '../stores/relay-store.ts';`,
        ['imports the store RelayStore from ../stores/relay-store.ts'],
      ],
      [
        `import {\n  type OrganizationStore,\n} from '../stores/organization-store.ts';`,
        ['imports the store OrganizationStore from ../stores/organization-store.ts'],
      ],
      [
        `import { relayJson } from '../stores/relay-store.ts';`,
        ['imports values from ../stores/relay-store.ts'],
      ],
      [
        `import type { PamStores } from '../stores/pam-stores.ts';`,
        ['imports the store PamStores from ../stores/pam-stores.ts'],
      ],
      [`import type { Db } from '../db/database.ts';`, ['imports ../db/database.ts']],
      [
        `import type { ControlPlaneContext } from '../app/control-plane-context.ts';`,
        ['imports ../app/control-plane-context.ts'],
      ],
      [
        `type Options = { relays: import('../stores/relay-store.ts').RelayStore };`,
        ['imports the store RelayStore from ../stores/relay-store.ts'],
      ],
      [
        `const { RelayStore } = await import('../stores/relay-store.ts');`,
        ['imports values from ../stores/relay-store.ts'],
      ],
    ];
    for (const [source, expected] of cases)
      expect([source, layeringBreaks(source)]).toEqual([source, expected]);
  });
});
