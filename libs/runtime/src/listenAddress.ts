import { ConfigError } from './configError.js';

/** Where a server listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** HOST:PORT, [V6]:PORT or :PORT (all interfaces); anything else is a ConfigError naming the setting. */
export function parseListenAddress(raw: string, setting: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(raw.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError(`${setting} must look like HOST:PORT (e.g. 127.0.0.1:9464), got "${raw}"`, setting);
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}
