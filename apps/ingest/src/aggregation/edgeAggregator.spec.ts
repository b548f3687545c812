import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ConnectionHalf, RequestReport } from '../halves/connectionHalf.js';
import { ConnectionMatcher, DEFAULT_MATCHER_OPTIONS } from '../matching/connectionMatcher.js';
import { EndpointNamer } from '../naming/endpointNamer.js';
import { ListenerDirectory } from '../naming/listenerDirectory.js';
import { EdgeAggregator, MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND, MAX_ROUTES_PER_EDGE_SECOND, OVERFLOW_ROUTE, type EdgeRow } from './edgeAggregator.js';

const SECOND = 1_800_000_000;

/** A curl on node-a calling nginx on node-b (10.0.1.5:40000 -> 10.0.2.7:8080); overrides make the server's half. */
function half(overrides: Partial<ConnectionHalf>): ConnectionHalf {
  return {
    nodeId: 'node-a', tsMs: SECOND * 1000 + 999, second: SECOND, socketId: 'r/1', netns: 1, role: 'client', roleInferred: false,
    localIp: '10.0.1.5', localPort: 40000, remoteIp: '10.0.2.7', remotePort: 8080, pid: 10, comm: 'curl', cmdline: null, containerId: null,
    bytesSent: 100, bytesReceived: 200, srttUs: 500, retransmits: 0, resetsSent: 0, resetsReceived: 0, opened: false, closed: false, connectFailed: false,
    ...overrides,
  };
}

const serverHalf = (overrides: Partial<ConnectionHalf> = {}): ConnectionHalf =>
  half({ nodeId: 'node-b', socketId: 'r/2', role: 'server', localIp: '10.0.2.7', localPort: 8080, remoteIp: '10.0.1.5', remotePort: 40000, pid: 20, comm: 'nginx', bytesSent: 200, bytesReceived: 100, ...overrides });

function requests(count: number, errors: number, durationsUs: number[], route = '/users/{n}'): RequestReport {
  return { protocol: 'http1', method: 'GET', route, requests: count, errors, clientErrors: 1, durationsUs };
}

/** A row's requests summed over its routes: requests, errors, client errors, durations in route order. */
function totals(row: EdgeRow | undefined): { requests: number; errors: number; clientErrors: number; durations: number[] } {
  const routes = row?.routes ?? [];
  return {
    requests: routes.reduce((n, r) => n + r.requests, 0),
    errors: routes.reduce((n, r) => n + r.errors, 0),
    clientErrors: routes.reduce((n, r) => n + r.client_errors, 0),
    durations: routes.flatMap((r) => r.durations_us),
  };
}

/** The halves of each node, matched and summed as the pipeline does (everything released). */
function aggregate(byNode: Record<string, ConnectionHalf[]>): { rows: EdgeRow[]; aggregator: EdgeAggregator } {
  const matcher = new ConnectionMatcher({ ...DEFAULT_MATCHER_OPTIONS, startupSeconds: 0 });
  for (const [nodeId, halves] of Object.entries(byNode)) matcher.add('t1', nodeId, SECOND, halves);
  const aggregator = new EdgeAggregator(new EndpointNamer(null, null, new ListenerDirectory()));
  matcher.releaseEach((sample) => aggregator.addSample(sample), true);
  return { rows: aggregator.take(), aggregator };
}

describe('EdgeAggregator: requests', () => {
  it('a matched connection\'s requests count once, from the client half, though both halves carry them', () => {
    const clientDurations = [1000, 2000, 3000, 4000, 5000, 6000, 7000];
    const { rows } = aggregate({
      'node-a': [half({ requests: [requests(7, 2, clientDurations)] })],
      // The server parsed the same 7 requests; its durations leave the network out.
      'node-b': [serverHalf({ requests: [requests(7, 2, [900, 1900, 2900, 3900, 4900, 5900, 6900])] })],
    });
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.deepEqual([row?.client.service, row?.server.service], ['host:curl', 'host:nginx']);
    assert.deepEqual([totals(row).requests, totals(row).errors, totals(row).clientErrors], [7, 2, 1], 'counted once');
    assert.deepEqual(totals(row).durations, clientDurations, 'the client\'s durations, what the caller waited');
    assert.equal(row?.bytes_sent, 100, 'the bytes from the same half');
  });

  it('an unmatched server-only half (an external client) counts its requests; groups of several routes sum', () => {
    const { rows } = aggregate({
      'node-b': [serverHalf({ remoteIp: '203.0.113.9', remotePort: 5555, requests: [requests(3, 1, [10_000, 20_000, 30_000]), requests(2, 0, [50], '/health')] })],
    });
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.deepEqual([row?.client.service, row?.server.service], ['external:203.0.113.9', 'host:nginx']);
    assert.deepEqual([totals(row).requests, totals(row).errors, totals(row).durations], [5, 1, [10_000, 20_000, 30_000, 50]]);
    assert.deepEqual(
      row?.routes.map((r) => [r.protocol, r.method, r.route, r.requests, r.errors, r.client_errors]),
      [['http1', 'GET', '/users/{n}', 3, 1, 1], ['http1', 'GET', '/health', 2, 0, 1]],
      'one entry per route',
    );
  });

  it('requests of every protocol count: HTTP/2 and gRPC beside HTTP/1, and HTTP/2 whose outcome the agent could not read', () => {
    const { rows } = aggregate({
      'node-a': [half({ requests: [
        requests(2, 1, [100, 200]),
        { protocol: 'http2', method: 'GET', route: '/users/{n}/orders', requests: 3, errors: 1, clientErrors: 1, durationsUs: [300, 400, 500] },
        { protocol: 'grpc', method: 'POST', route: '/shop.v1.Orders/Get', requests: 4, errors: 2, clientErrors: 0, durationsUs: [600] },
        { protocol: 'http2', method: 'UNKNOWN', route: '{unknown}', requests: 5, errors: 0, clientErrors: 0, durationsUs: [700] },
      ] })],
    });
    assert.deepEqual([totals(rows[0]).requests, totals(rows[0]).errors, totals(rows[0]).durations], [14, 4, [100, 200, 300, 400, 500, 600, 700]]);
    assert.deepEqual(rows[0]?.routes.map((r) => r.protocol), ['http1', 'http2', 'grpc', 'http2']);
  });

  it('halves without requests leave the row at 0 requests and no durations', () => {
    const { rows } = aggregate({ 'node-a': [half({})], 'node-b': [serverHalf()] });
    assert.deepEqual(rows[0]?.routes, []);
  });

  it('durations of an edge second are bounded: a replayable sample of the bound, every request counted, the rest counted as dropped', () => {
    // 6 connections of one client process to one server: one edge row, 6000 durations.
    const byNode = (): Record<string, ConnectionHalf[]> => ({
      'node-a': Array.from({ length: 6 }, (_, c) =>
        half({ socketId: `r/${c}`, localPort: 40000 + c, requests: [requests(1000, 0, Array.from({ length: 1000 }, (_, i) => c * 1000 + i + 1))] }),
      ),
    });
    const { rows, aggregator } = aggregate(byNode());
    assert.equal(rows.length, 1);
    const kept = totals(rows[0]).durations;
    assert.equal(totals(rows[0]).requests, 6000);
    assert.equal(kept.length, MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND);
    assert.equal(aggregator.counters.requestDurationsDropped, 6000 - MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND);
    assert.equal(new Set(kept).size, kept.length, 'each kept once');
    assert.ok(kept.some((us) => us > 5000), 'the last connection\'s durations have their chance too');
    assert.ok(kept.filter((us) => us <= 1000).length < 1000, 'the first connection\'s durations are not all kept');
    assert.deepEqual(totals(aggregate(byNode()).rows[0]).durations, kept, 'the same halves keep the same sample');
  });

  it('routes of an edge second are bounded: beyond the bound their requests are counted under one overflow route per method', () => {
    const many = Array.from({ length: MAX_ROUTES_PER_EDGE_SECOND + 10 }, (_, i) => requests(2, 1, [i + 1, i + 1], `/r${i}`));
    const { rows, aggregator } = aggregate({ 'node-a': [half({ requests: many })] });
    const routes = rows[0]?.routes ?? [];
    assert.equal(routes.length, MAX_ROUTES_PER_EDGE_SECOND + 1);
    const overflow = routes.find((r) => r.route === OVERFLOW_ROUTE);
    assert.deepEqual([overflow?.requests, overflow?.errors, overflow?.durations_us.length], [20, 10, 20]);
    assert.equal(totals(rows[0]).requests, 2 * many.length, 'every request still counted');
    assert.equal(aggregator.counters.routesFolded, 10);
  });
});
