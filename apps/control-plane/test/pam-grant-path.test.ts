import { describe, expect, it } from '@jest/globals';
import { grantCovers, normalizeAccountPath } from '../src/domain/pam-grant-path.ts';

describe('what a PAM grant covers', () => {
  it.each([
    ['prod/', 'prod/orders-db', true],
    ['prod/', 'prod/eu/billing', true],
    ['prod/', 'staging/orders-db', false],
    ['prod/', 'production/orders-db', false],
    ['prod/', 'prod', false],
    ['prod/eu/', 'prod/orders-db', false],
    ['prod/orders-db', 'prod/orders-db', true],
    ['prod/orders-db', 'prod/orders-db-2', false],
    ['prod/orders-db', 'prod/orders-db/x', false],
    ['orders-db', 'orders-db', true],
  ])('a grant on %s covers %s: %s', (grant, account, covers) => {
    expect(grantCovers(grant, account)).toBe(covers);
  });

  it('reads an account path as pam access does: without leading or trailing slashes', () => {
    expect(normalizeAccountPath('/prod/orders-db/')).toBe('prod/orders-db');
  });
});
