import type { ClickHouseExecutor } from './clickhouseExecutor.js';
import { EdgeStore, type EdgeStoreOptions } from './edgeStore.js';
import { EmbeddedExecutor } from './embeddedExecutor.js';
import { resolveRetention } from './migrations/retention.js';
import { RemoteExecutor } from './remoteExecutor.js';

/** Where the edges live: chdb on local disk (the embedded default) or a ClickHouse server. */
export type StoreConfig =
  | ({ mode: 'embedded'; dataDir: string } & EdgeStoreOptions)
  | ({ mode: 'remote'; url: string; createDatabase?: boolean } & EdgeStoreOptions);

/** Opens the configured backend and migrates it: what a process does at start-up. */
export async function openEdgeStore(config: StoreConfig): Promise<EdgeStore> {
  resolveRetention(config.retention); // refuse a bad setting before opening anything
  const executor: ClickHouseExecutor =
    config.mode === 'embedded'
      ? await EmbeddedExecutor.open({ dataDir: config.dataDir })
      : await RemoteExecutor.connect({ url: config.url, ...(config.createDatabase !== undefined ? { createDatabase: config.createDatabase } : {}) });
  const store = new EdgeStore(executor, config.retention !== undefined ? { retention: config.retention } : {});
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
