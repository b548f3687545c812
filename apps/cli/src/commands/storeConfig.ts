import { resolve } from 'node:path';
import { ConfigError } from '@weft/runtime';
import { parseInterval, type RetentionConfig, type StoreConfig } from '@weft/store';
import { RETENTION_FLAGS, type StoreOptions } from './retentionOptions.js';

/** Embedded (chdb under --data-dir) unless --clickhouse; retention checked here so a bad value names its flag. */
export function storeConfigOf(options: StoreOptions): StoreConfig {
  const retention: RetentionConfig = {};
  for (const { flag, key, setting } of RETENTION_FLAGS) {
    const value = options[key];
    if (value === undefined) continue;
    try {
      parseInterval(value, flag);
    } catch (err) {
      throw new ConfigError((err as Error).message, flag);
    }
    retention[setting] = value;
  }
  return options.clickhouse
    ? { mode: 'remote', url: options.clickhouse, retention }
    : { mode: 'embedded', dataDir: resolve(options.dataDir), retention };
}
