import { join } from 'node:path';
import { ConfigError } from '@weft/runtime';

/** Where the control store keeps tenants and keys: a SQLite file (the default) or PostgreSQL. */
export type ControlStoreConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** The SQLite file's name in the data directory. */
export const CONTROL_DB_FILE = 'control.db';

/** The default: `<dataDir>/control.db`. */
export function sqliteControlStoreIn(dataDir: string): ControlStoreConfig {
  return { kind: 'sqlite', path: join(dataDir, CONTROL_DB_FILE) };
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/**
 * The config from one setting (a flag or environment variable): a postgres:// or postgresql://
 * URL, a SQLite file path, or nothing for the default file in dataDir. Another URL scheme is a
 * mistake, not a file name.
 */
export function controlStoreConfigFrom(setting: string | undefined, dataDir: string, settingName = 'control database'): ControlStoreConfig {
  const value = setting?.trim();
  if (!value) return sqliteControlStoreIn(dataDir);
  if (POSTGRES_URL.test(value)) return { kind: 'postgres', url: value };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(`${settingName}: expected a postgres:// or postgresql:// URL or a SQLite file path, got a ${value.split(':')[0]}:// URL`, settingName);
  }
  return { kind: 'sqlite', path: value };
}

/** Whether a URL names PostgreSQL by its scheme. */
export function isPostgresUrl(url: string): boolean {
  return POSTGRES_URL.test(url);
}
