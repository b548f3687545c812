import type { MatchedSample } from '../matching/connectionMatcher.js';
import type { EdgeRow, EndpointIdentity } from '../ingestTypes.js';
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

function identityKey(identity: EndpointIdentity): string {
  return [identity.service, identity.instance, identity.node, identity.zone, identity.version, identity.process].join('\u0001');
}

/**
 * Sums released halves into edge rows per second and tenant. Each connection counts
 * from its primary half only (see ConnectionMatcher); the other half adds
 * its own retransmits, which only it sees.
 */
export class EdgeAggregator {
  /** second -> pairId * 65536 + server port -> row: number keys, no string built per half. */
  private readonly rows = new Map<number, Map<number, EdgeRow>>();
  private rowCount = 0;
  private readonly pairIds = new Map<string, number>();
  private nextPairId = 0;

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
  }

  /** Hands over every row summed so far. */
  take(): EdgeRow[] {
    const rows: EdgeRow[] = [];
    for (const rowsOfSecond of this.rows.values()) for (const row of rowsOfSecond.values()) rows.push(row);
    this.rows.clear();
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
