export * from './api-url.ts';
export * from './login-options.ts';
export * from './machine-identity-session.ts';
