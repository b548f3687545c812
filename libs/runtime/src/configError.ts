/** A setting or start-up condition the user must fix; the CLI prints the
 * message as one line and exits non-zero. Never retriable. */
export class ConfigError extends Error {
  readonly retriable = false;
  constructor(message: string, readonly setting?: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
