import type { MatchedSample } from '../matching/connectionMatcher.js';
import type { EdgeRouteRow, EdgeRow, EndpointIdentity, RequestReport } from '../ingestTypes.js';
import type { EndpointNamer } from '../naming/endpointNamer.js';

export type { EdgeRow } from '../ingestTypes.js';

interface NamedEnds {
  client: EndpointIdentity;
  server: EndpointIdentity;
  /** The same number for the same two identities (see pairIds). */
  pairId: number;
}

/** Distinct client/server identity pairs numbered; beyond this the numbering starts over (rows stay correct, see pairIdOf). */
const MAX_PAIR_IDS = 1_000_000;

/**
 * Request durations a route of an edge keeps for its second; beyond this, a sample of this many
 * (the rest counted as dropped), while `requests` counts them all. The store folds them into a
 * histogram on insert, so this bounds the insert, not the accuracy of the count. A sampled
 * second weighs in a rollup's quantiles as this many requests, not as all of them.
 */
export const MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND = 1024;

/**
 * Routes an edge row keeps for its second; the requests of any further route are counted under
 * OVERFLOW_ROUTE (the agent bounds its own routes too, but many agents' routes meet here).
 */
export const MAX_ROUTES_PER_EDGE_SECOND = 64;
export const OVERFLOW_ROUTE = '{other}';

/** A 32-bit integer mix (murmur3's finalizer): a replayable "random" index for the reservoir. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface AggregatorCounters {
  /** Request durations not kept because their route's second already held MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND. */
  requestDurationsDropped: number;
  /** Request groups counted under OVERFLOW_ROUTE because their edge second already held MAX_ROUTES_PER_EDGE_SECOND routes. */
  routesFolded: number;
}

function identityKey(identity: EndpointIdentity): string {
  return [identity.service, identity.instance, identity.node, identity.zone, identity.version, identity.process].join('\u0001');
}

/**
 * Sums released halves into edge rows per second and tenant. Each connection counts
 * from its primary half only (see ConnectionMatcher): its connections, bytes
 * and requests; the other half adds its own retransmits, which only it sees.
 */
export class EdgeAggregator {
  /** second -> pairId * 65536 + server port -> row: number keys, no string built per half. */
  private readonly rows = new Map<number, Map<number, EdgeRow>>();
  private rowCount = 0;
  private readonly pairIds = new Map<string, number>();
  private nextPairId = 0;
  /** Durations offered to each route whose durations are full (the reservoir's count); only those routes, cleared by take(). */
  private readonly durationsOffered = new Map<EdgeRouteRow, number>();
  /** Each row's routes by `protocol method route`; cleared by take(). */
  private readonly routesOf = new Map<EdgeRow, Map<string, EdgeRouteRow>>();
  readonly counters: AggregatorCounters = { requestDurationsDropped: 0, routesFolded: 0 };

  constructor(private readonly namer: EndpointNamer) {}

  get size(): number {
    return this.rowCount;
  }

  /** One released half; nothing of `sample` itself is kept (the matcher reuses it). */
  addSample(sample: Readonly<MatchedSample>): void {
    const { half } = sample;
    if (!sample.primary && half.retransmits === 0) return;
    const ends = this.namesOf(sample);
    const serverPort = sample.connection.server.port;
    let rowsOfSecond = this.rows.get(half.second);
    if (!rowsOfSecond) {
      rowsOfSecond = new Map();
      this.rows.set(half.second, rowsOfSecond);
    }
    const rowKey = ends.pairId * 65536 + serverPort;
    let row = rowsOfSecond.get(rowKey);
    if (!row) {
      row = {
        tenant: sample.tenant,
        ts: half.second,
        client: ends.client,
        server: ends.server,
        server_port: serverPort,
        connections_opened: 0,
        connections_closed: 0,
        connections_failed: 0,
        connection_seconds: 0,
        bytes_sent: 0,
        bytes_received: 0,
        retransmits: 0,
        resets: 0,
        rtt_us: [],
        routes: [],
      };
      rowsOfSecond.set(rowKey, row);
      this.rowCount++;
    }
    row.retransmits += half.retransmits;
    if (!sample.primary) return;
    const fromClient = half.role === 'client';
    if (half.connectFailed) {
      row.connections_failed += 1;
    } else {
      if (half.opened) row.connections_opened += 1;
      if (half.closed) row.connections_closed += 1;
      row.connection_seconds += 1;
      if (half.srttUs > 0) row.rtt_us.push(half.srttUs);
    }
    row.bytes_sent += fromClient ? half.bytesSent : half.bytesReceived;
    row.bytes_received += fromClient ? half.bytesReceived : half.bytesSent;
    row.resets += half.resetsSent + half.resetsReceived;
    // Requests count from the primary half only, as the bytes do: both ends parse the same
    // requests, and counting both would double them. That is the client's half whenever the
    // client end has an agent (its durations, network included, are what callers experience),
    // the server's only when the client has none (an external caller) or went unseen.
    if (half.requests !== undefined) this.addRequests(row, half.requests);
  }

  private addRequests(row: EdgeRow, requests: readonly RequestReport[]): void {
    let routes = this.routesOf.get(row);
    if (!routes) {
      routes = new Map();
      this.routesOf.set(row, routes);
    }
    for (const r of requests) {
      let name = r.route;
      let key = `${r.protocol} ${r.method} ${name}`;
      let route = routes.get(key);
      if (!route && routes.size >= MAX_ROUTES_PER_EDGE_SECOND) {
        // At most one overflow route per protocol and method (both small sets) beyond the bound.
        this.counters.routesFolded += 1;
        name = OVERFLOW_ROUTE;
        key = `${r.protocol} ${r.method} ${name}`;
        route = routes.get(key);
      }
      if (!route) {
        route = { protocol: r.protocol, method: r.method, route: name, requests: 0, errors: 0, client_errors: 0, durations_us: [] };
        routes.set(key, route);
        row.routes.push(route);
      }
      route.requests += r.requests;
      route.errors += r.errors;
      route.client_errors += r.clientErrors;
      for (const us of r.durationsUs) this.addDuration(route, us);
    }
  }

  /**
   * Keeps every duration up to the bound, then a uniform sample of all offered (reservoir
   * sampling, its index from a hash of the count so that a replay of the same halves writes
   * the same rows).
   */
  private addDuration(route: EdgeRouteRow, us: number): void {
    const kept = route.durations_us;
    if (kept.length < MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND) {
      kept.push(us);
      return;
    }
    const offered = (this.durationsOffered.get(route) ?? MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND) + 1;
    this.durationsOffered.set(route, offered);
    this.counters.requestDurationsDropped += 1;
    const slot = mix32(offered) % offered;
    if (slot < MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND) kept[slot] = us;
  }

  /** Hands over every row summed so far. */
  take(): EdgeRow[] {
    const rows: EdgeRow[] = [];
    for (const rowsOfSecond of this.rows.values()) for (const row of rowsOfSecond.values()) rows.push(row);
    this.rows.clear();
    this.durationsOffered.clear();
    this.routesOf.clear();
    this.rowCount = 0;
    return rows;
  }

  private namesOf(sample: MatchedSample): NamedEnds {
    const memo = sample.memo.value as NamedEnds | undefined;
    if (memo) return memo;
    const atMs = sample.half.tsMs;
    const client = this.namer.name({ tenant: sample.tenant, side: 'client', endpoint: sample.connection.client, origin: sample.client, atMs });
    const server = this.namer.name({
      tenant: sample.tenant,
      side: 'server',
      endpoint: sample.connection.server,
      origin: sample.server,
      ...(sample.connection.dialled ? { dialled: sample.connection.dialled } : {}),
      ...(sample.connection.serverName ? { dnsName: sample.connection.serverName } : {}),
      atMs,
    });
    // The tenant is part of the pair: two tenants' rows never sum into one.
    const named = { client, server, pairId: this.pairIdOf(`${sample.tenant}\u0003${identityKey(client)}\u0003${identityKey(server)}`) };
    // An end named only by its address may be named better once its agent or
    // the cluster knows it: keep the memo only when both ends are settled.
    if (client.kind !== 'external' && server.kind !== 'external') sample.memo.value = named;
    return named;
  }

  /**
   * Numbers a pair of identities, once per connection (the memo keeps it).
   * When the numbering starts over, a pair may get a second number while
   * rows under its first are still being summed: two rows for the same key,
   * which the store sums like any two rows.
   */
  private pairIdOf(key: string): number {
    let id = this.pairIds.get(key);
    if (id === undefined) {
      if (this.pairIds.size >= MAX_PAIR_IDS) this.pairIds.clear();
      id = this.nextPairId++;
      this.pairIds.set(key, id);
    }
    return id;
  }
}
