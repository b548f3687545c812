import { strict as assert } from 'node:assert';
import type { AddressInfo, Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CacheClient, startCacheServer } from './cacheStore.js';
import { DatabaseClient, startDatabaseServer } from './databaseStore.js';

// The pool and server over loopback, with the cache's and the database's protocols.
describe('the cache and database over TCP', () => {
  const errors: Error[] = [];
  let cache: Server;
  let database: Server;
  const portOf = (server: Server): number => (server.address() as AddressInfo).port;

  before(async () => {
    cache = await startCacheServer({ host: '127.0.0.1', port: 0 }, (e) => errors.push(e));
    database = await startDatabaseServer({ host: '127.0.0.1', port: 0 }, (e) => errors.push(e));
  });
  after(() => {
    cache.close();
    database.close();
  });

  it('sets and gets through a pool, many requests at once', async () => {
    const client = new CacheClient({ host: '127.0.0.1', port: portOf(cache) });
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.set(`k${i}`, `v${i}`)));
    const values = await Promise.all(Array.from({ length: 50 }, (_, i) => client.get(`k${i}`)));
    assert.deepEqual(values.map(String), Array.from({ length: 50 }, (_, i) => `v${i}`));
    assert.equal(await client.get('missing'), null);
    client.close();
    assert.deepEqual(errors, []);
  });

  it('answers queries with rows, and fails a query it does not know', async () => {
    const client = new DatabaseClient({ host: '127.0.0.1', port: portOf(database) });
    assert.equal((await client.query('SELECT id FROM products')).rows, 24);
    assert.equal((await client.query("SELECT id FROM products WHERE id = 'sku-1001'")).rows, 1);
    assert.equal((await client.query("INSERT INTO shipments (id) VALUES ('x')")).tag, 'INSERT 0 1');
    await assert.rejects(client.query('DROP TABLE products'), /syntax error/);
    client.close();
  });

  it('fails at once when nothing listens, and the next request tries again', async () => {
    const closed = await startCacheServer({ host: '127.0.0.1', port: 0 }, () => undefined);
    const port = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    const client = new CacheClient({ host: '127.0.0.1', port });
    await assert.rejects(client.get('k'), /ECONNREFUSED/);
    await assert.rejects(client.get('k'), /ECONNREFUSED/);
    client.close();
  });
});
