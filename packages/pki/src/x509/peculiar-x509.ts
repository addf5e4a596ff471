/**
 * The one door through which this package loads `@peculiar/x509`.
 *
 * `@peculiar/x509` 2.x resolves its algorithm providers through tsyringe, which needs the
 * `reflect-metadata` polyfill installed *before* the library module is evaluated. ESM evaluates a
 * module's imports in source order, so importing the polyfill first here — and loading the library
 * only through this file — guarantees the order for every x509 module.
 *
 * @example
 *   import * as x509 from './peculiar-x509.ts';
 *   const cert = new x509.X509Certificate(der);
 */
import 'reflect-metadata';

export * from '@peculiar/x509';
