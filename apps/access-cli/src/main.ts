#!/usr/bin/env node
/**
 * `burrow`, the access CLI (login, `pam access`, recordings). Not built yet (issue "Access to a
 * private PostgreSQL with credential injection and session recording"): it says so and exits 1
 * rather than pretending.
 */
process.stderr.write('burrow: the access CLI is not built yet; see the README for what exists today\n');
process.exitCode = 1;
