export * from './roles.js';
export * from './token-scopes.js';
export * from './password-policy.js';
export * from './login-throttle.js';
export * from './secrets.js';
export * from './password-hash.js';
export * from './reset-link.js';
