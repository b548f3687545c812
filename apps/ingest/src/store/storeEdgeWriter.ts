import type { EdgeRow as StoreEdgeRow, EdgeStore } from '@weft/store';
import type { EdgeRow } from '../aggregation/edgeAggregator.js';
import type { EndpointIdentity } from '../naming/endpointIdentity.js';
import type { EdgeWriter } from '../pipeline/ingestPipeline.js';

function endColumns<P extends 'client' | 'server'>(prefix: P, end: EndpointIdentity): Record<string, string> {
  return {
    [`${prefix}_service`]: end.service,
    [`${prefix}_display`]: end.name,
    [`${prefix}_namespace`]: end.namespace,
    [`${prefix}_workload`]: end.name,
    [`${prefix}_kind`]: end.kind,
    [`${prefix}_instance`]: end.instance,
    [`${prefix}_node`]: end.node,
    [`${prefix}_zone`]: end.zone,
    [`${prefix}_version`]: end.version,
    [`${prefix}_process`]: end.process,
  };
}

/** The store's row for an aggregated edge second. */
export function toStoreRow(row: EdgeRow): StoreEdgeRow {
  return {
    ...endColumns('client', row.client),
    ...endColumns('server', row.server),
    ts: row.ts,
    client_service: row.client.service,
    server_service: row.server.service,
    server_port: row.server_port,
    connections_opened: row.connections_opened,
    connections_closed: row.connections_closed,
    connections_failed: row.connections_failed,
    connection_seconds: row.connection_seconds,
    bytes_sent: row.bytes_sent,
    bytes_received: row.bytes_received,
    retransmits: row.retransmits,
    resets: row.resets,
    rtt_samples_us: row.rtt_us,
  };
}

/** Edge rows into the ClickHouse store (embedded or remote: the store decides). */
export class StoreEdgeWriter implements EdgeWriter {
  constructor(private readonly store: EdgeStore) {}

  async writeEdgeRows(rows: readonly EdgeRow[], options: { dedupToken?: string } = {}): Promise<void> {
    await this.store.writeEdgeRows(rows.map(toStoreRow), options.dedupToken !== undefined ? { dedupToken: options.dedupToken } : {});
  }
}
