/**
 * @burrow/auth-methods — machine-identity login.
 * - client side (`./client`): resolve the method from flags/env, log in, keep the token fresh.
 * - server side (`./server`): the control plane's verifiers.
 */
export * from './client/index.ts';
export * from './server/index.ts';
