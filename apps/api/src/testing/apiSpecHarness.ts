/**
 * For the API's specs: a real control store (SQLite in a temp dir) with two tenants and keys
 * of each scope, and the API started over a FakeEdgeQueries answering per tenant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openControlStore, type ControlStore, type Tenant } from '@weft/control';
import type { HealthCheck } from '@weft/runtime';
import { startApiServer, type ApiServer } from '../apiServer.js';
import { edge, FakeEdgeQueries, service, type FakeTenantData } from './fakeEdgeQueries.js';

export interface SpecKeys {
  /** Alpha is the first (operator) tenant. */
  alphaRead: string;
  alphaAdmin: string;
  /** Every scope but read and admin. */
  alphaWriteIngest: string;
  alphaRevoked: string;
  betaRead: string;
  betaAdmin: string;
}

export interface ApiSpecHarness {
  api: ApiServer;
  control: ControlStore;
  queries: FakeEdgeQueries;
  alpha: Tenant;
  beta: Tenant;
  keys: SpecKeys;
  /** fetch against the API with an optional key. */
  request(path: string, init?: { key?: string; method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export const ALPHA_WEB = 'k8s:alpha/Deployment/web';
export const ALPHA_CART = 'k8s:alpha/Deployment/cart';
export const BETA_API = 'k8s:beta/Deployment/api';
export const BETA_DB = 'k8s:beta/StatefulSet/db';

export function specData(alpha: string, beta: string): Record<string, FakeTenantData> {
  return {
    [alpha]: {
      services: [service(ALPHA_WEB, 'alpha'), service(ALPHA_CART, 'alpha')],
      edges: [edge(ALPHA_WEB, ALPHA_CART, 8080, { connections_opened: 3, bytes_sent: 300, bytes_received: 9000, rtt_p99_us: 900 })],
    },
    [beta]: {
      services: [service(BETA_API, 'beta'), service(BETA_DB, 'beta', 'StatefulSet')],
      edges: [edge(BETA_API, BETA_DB, 5432, { connections_opened: 7, bytes_sent: 777 })],
    },
  };
}

export async function startApiSpecHarness(options: { health?: HealthCheck[]; nowMs?: () => number } = {}): Promise<ApiSpecHarness> {
  const root = mkdtempSync(join(tmpdir(), 'weft-api-spec-'));
  let clock = Date.parse('2031-01-01T00:00:00Z');
  // alpha is the operator's tenant, made as `weft up` makes it on a first start.
  const control = await openControlStore({ kind: 'sqlite', path: join(root, 'control.db') }, { now: () => new Date(clock++) });
  if ((await control.ensureFirstTenant('alpha')) === null) throw new Error('a fresh control store has a first tenant to make');
  const alpha = (await control.firstTenant())!;
  const beta = await control.createTenant('beta');
  const key = async (tenantId: string, scopes: Array<'read' | 'write' | 'ingest' | 'admin'>): Promise<string> => (await control.createKey({ tenantId, name: scopes.join('+'), scopes })).plaintext;
  const revoked = await control.createKey({ tenantId: alpha.id, name: 'revoked', scopes: ['read', 'admin'] });
  await control.revokeKey(alpha.id, revoked.key.id);
  const keys: SpecKeys = {
    alphaRead: await key(alpha.id, ['read']),
    alphaAdmin: await key(alpha.id, ['admin']),
    alphaWriteIngest: await key(alpha.id, ['write', 'ingest']),
    alphaRevoked: revoked.plaintext,
    betaRead: await key(beta.id, ['read']),
    betaAdmin: await key(beta.id, ['admin']),
  };
  const queries = new FakeEdgeQueries(specData(alpha.id, beta.id));
  const api = await startApiServer(queries, control, { host: '127.0.0.1', port: 0, health: options.health ?? [], ...(options.nowMs ? { nowMs: options.nowMs } : {}) });
  return {
    api,
    control,
    queries,
    alpha,
    beta,
    keys,
    async request(path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${api.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}) });
      const text = await response.text();
      let body: unknown = text;
      if ((response.headers.get('content-type') ?? '').startsWith('application/json') && text !== '') body = JSON.parse(text);
      return { status: response.status, headers: response.headers, body };
    },
    async close() {
      await api.close();
      await control.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
