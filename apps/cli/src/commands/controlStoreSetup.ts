// The control store (tenants and API keys) as the commands open it: --control-db, else
// WEFT_CONTROL_DB, else <data dir>/control.db (SQLite). Loaded only by the commands that run
// an ingest or the API: the agent never opens it.
import { controlStoreConfigFrom, openControlStore, type ControlStore } from '@weft/control';
import { CachedIngestAuthenticator, type IngestAuthenticator } from '@weft/ingest';
import { ConfigError } from '@weft/runtime';

/** Opens (and migrates) the control store; a failure is a ConfigError naming --control-db and what to fix. */
export async function openCommandControlStore(setting: string | undefined, dataDir: string): Promise<ControlStore> {
  const config = controlStoreConfigFrom(setting, dataDir, '--control-db');
  try {
    return await openControlStore(config);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const where = config.kind === 'sqlite' ? `the SQLite file ${config.path} (give --control-db FILE or postgres://..., or a writable --data-dir)` : 'the PostgreSQL database of --control-db (is it running and reachable, are the credentials right?)';
    throw new ConfigError(`--control-db: cannot open ${where}: ${(err as Error).message}`, '--control-db');
  }
}

/** Agents' keys checked against the control store, answers cached (60 s good, 5 s refused). */
export function controlAuthenticator(control: ControlStore): IngestAuthenticator {
  return new CachedIngestAuthenticator((key) => control.authenticate(key));
}
