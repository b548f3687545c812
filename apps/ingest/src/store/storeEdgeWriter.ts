import type { EdgeRow as StoreEdgeRow, EdgeStore } from '@weft/store';
import type { EdgeRow, EdgeWriteOptions, EdgeWriter } from '../ingestTypes.js';
import { StoreWriteError, writeErrorReason } from './writeErrors.js';

/**
 * The store's row for an aggregated edge second. Written out field by field:
 * spreading two objects with computed keys made each row a slow dictionary
 * object, and that was most of the cost of a write.
 */
export function toStoreRow(row: EdgeRow): StoreEdgeRow {
  const { client, server } = row;
  return {
    tenant: row.tenant,
    ts: row.ts,
    client_service: client.service,
    client_display: client.name,
    client_namespace: client.namespace,
    client_workload: client.name,
    client_kind: client.kind,
    client_instance: client.instance,
    client_node: client.node,
    client_zone: client.zone,
    client_version: client.version,
    client_process: client.process,
    server_service: server.service,
    server_display: server.name,
    server_namespace: server.namespace,
    server_workload: server.name,
    server_kind: server.kind,
    server_instance: server.instance,
    server_node: server.node,
    server_zone: server.zone,
    server_version: server.version,
    server_process: server.process,
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
    routes: row.routes,
  };
}

/** Edge rows into the ClickHouse store (embedded or remote: the store decides). */
export class StoreEdgeWriter implements EdgeWriter {
  constructor(private readonly store: EdgeStore) {}

  async writeEdgeRows(rows: readonly EdgeRow[], options: EdgeWriteOptions = {}): Promise<void> {
    try {
      await this.store.writeEdgeRows(rows.map(toStoreRow), options.dedupToken !== undefined ? { dedupToken: options.dedupToken } : {});
    } catch (err) {
      throw new StoreWriteError(writeErrorReason(err), err);
    }
  }
}
