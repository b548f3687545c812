export { openControlStore, type OpenControlStoreOptions } from './openControlStore.js';
export { ControlStore, FIRST_ADMIN_KEY_NAME, LOGIN_KEY_NAME, type ApiKeyInfo, type CreatedLoginLink, type AuthenticatedKey, type ControlStoreClock, type CreatedApiKey, type Tenant } from './controlStore.js';
export { CONTROL_DB_FILE, controlStoreConfigFrom, sqliteControlStoreIn, type ControlStoreConfig } from './controlStoreConfig.js';
export { ApiKeyNotFoundError, ControlInputError, ControlStoreError, TenantNameTakenError, TenantNotFoundError } from './controlStoreErrors.js';
export { SCOPES, type Scope } from './scopes.js';
export { CONTROL_MIGRATIONS } from './controlMigrations.js';
export { parseApiKeyToken, parseLoginToken } from './apiKeyToken.js';
