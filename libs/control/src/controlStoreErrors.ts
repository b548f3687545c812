/**
 * What the control store throws. Bad settings (a URL that is not a PostgreSQL URL) are
 * ConfigError from @weft/runtime; everything else is one of these, so the API can map them to
 * responses (not found, conflict, bad request, unavailable) without reading messages.
 */

/** The database failed or could not be reached; `cause` is the driver's error. */
export class ControlStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ControlStoreError';
  }
}

/** No tenant with that id. */
export class TenantNotFoundError extends Error {
  constructor(readonly tenantId: string) {
    super(`no tenant with id ${JSON.stringify(tenantId)}`);
    this.name = 'TenantNotFoundError';
  }
}

/** No API key with that id in that tenant (a key of another tenant is not found either). */
export class ApiKeyNotFoundError extends Error {
  constructor(
    readonly tenantId: string,
    readonly keyId: string,
  ) {
    super(`tenant ${JSON.stringify(tenantId)} has no API key with id ${JSON.stringify(keyId)}`);
    this.name = 'ApiKeyNotFoundError';
  }
}

/** A tenant with that name exists already (names are unique). */
export class TenantNameTakenError extends Error {
  constructor(readonly tenantName: string) {
    super(`a tenant named ${JSON.stringify(tenantName)} exists already`);
    this.name = 'TenantNameTakenError';
  }
}

/** An argument the caller must fix: an empty name, an unknown scope, no scopes. */
export class ControlInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ControlInputError';
  }
}
