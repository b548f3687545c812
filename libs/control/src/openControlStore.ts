import { openControlDatabase, type ControlDatabaseOptions } from './controlDatabase.js';
import { migrateControlDatabase } from './controlMigrations.js';
import { ControlStore, type ControlStoreClock } from './controlStore.js';
import type { ControlStoreConfig } from './controlStoreConfig.js';

export type OpenControlStoreOptions = ControlDatabaseOptions & ControlStoreClock;

/**
 * Opens the control store and brings its schema up to date. Throws ConfigError for a setting
 * that cannot work (an empty path, a URL that is not PostgreSQL's) and ControlStoreError when
 * the database cannot be opened, reached or migrated, naming where it is (never a password).
 */
export async function openControlStore(config: ControlStoreConfig, options: OpenControlStoreOptions = {}): Promise<ControlStore> {
  const { db, location } = await openControlDatabase(config, options);
  let applied: string[];
  try {
    applied = await migrateControlDatabase(db);
  } catch (error) {
    await db.destroy().catch(() => {
      // The migration's error is the one to report; a failing close adds nothing to it.
    });
    throw error;
  }
  return new ControlStore(db, location, applied, options);
}
