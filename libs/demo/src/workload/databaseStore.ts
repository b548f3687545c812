/**
 * The shop's database: a PostgreSQL-like server (the simple-query messages,
 * see pgLikeProtocol.ts) over a products table, shipping rates and a bounded
 * shipments log, and the client the services use (a small pool of
 * long-lived connections, as a connection pool keeps).
 */
import type net from 'node:net';
import { PRODUCTS } from '../shop/catalogData.js';
import { FramedClientPool, serveFramed, type Address } from './framedConnections.js';
import { decodeQuery, decodeResult, encodeQuery, encodeResult, type QueryResult, type ResultRow } from './pgLikeProtocol.js';

const MAX_SHIPMENTS = 10_000;
const PRODUCT_COLUMNS = ['id', 'name', 'description', 'price_cents', 'category', 'picture'];
const productRow = (p: (typeof PRODUCTS)[number]): ResultRow => [
  p.id,
  p.name,
  `${p.name}: a fine ${p.category} item, carefully made and shipped in recycled packaging.`,
  String(p.priceCents),
  p.category,
  `/static/img/products/${p.id}.jpg`,
];
const RATES: ResultRow[] = [
  ['standard', '499', '5'],
  ['express', '1299', '2'],
  ['overnight', '2499', '1'],
];

export function startDatabaseServer(listen: Address, onError: (error: Error) => void): Promise<net.Server> {
  const shipments: string[] = [];
  const run = (sql: string): Parameters<typeof encodeResult>[0] => {
    const byId = /^SELECT .+ FROM products WHERE id = '([\w-]+)'/i.exec(sql);
    if (byId) {
      const product = PRODUCTS.find((p) => p.id === byId[1]);
      return { columns: PRODUCT_COLUMNS, rows: product ? [productRow(product)] : [], tag: `SELECT ${product ? 1 : 0}` };
    }
    if (/^SELECT .+ FROM products/i.test(sql)) return { columns: PRODUCT_COLUMNS, rows: PRODUCTS.map(productRow), tag: `SELECT ${PRODUCTS.length}` };
    if (/^SELECT .+ FROM shipping_rates/i.test(sql)) return { columns: ['service', 'price_cents', 'days'], rows: RATES, tag: `SELECT ${RATES.length}` };
    if (/^INSERT INTO shipments/i.test(sql)) {
      shipments.push(sql);
      if (shipments.length > MAX_SHIPMENTS) shipments.shift();
      return { columns: [], rows: [], tag: 'INSERT 0 1' };
    }
    return { error: `syntax error at or near "${sql.split(/\s+/)[0] ?? ''}"` };
  };
  return serveFramed(
    listen,
    (buffer) => {
      const decoded = decodeQuery(buffer);
      return decoded ? { value: decoded.sql, consumed: decoded.consumed } : null;
    },
    async (sql) => {
      // A query takes a moment, as on a real database.
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 3));
      return encodeResult(run(sql));
    },
    onError,
  );
}

export class DatabaseClient {
  private readonly pool: FramedClientPool<QueryResult>;

  constructor(target: Address) {
    this.pool = new FramedClientPool(
      `postgres ${target.host}:${target.port}`,
      target,
      (buffer) => {
        const decoded = decodeResult(buffer);
        return decoded ? { value: decoded.reply, consumed: decoded.consumed } : null;
      },
      { connections: 3, maxWaiting: 256, timeoutMs: 2_000 },
    );
  }

  async query(sql: string): Promise<QueryResult> {
    const result = await this.pool.request(encodeQuery(sql));
    if (result.error !== null) throw new Error(`postgres: ${result.error}`);
    return result;
  }

  close(): void {
    this.pool.close();
  }
}
