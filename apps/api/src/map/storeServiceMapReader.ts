import type { EdgeStore } from '@weft/store';
import type { ServiceMapRead, ServiceMapReader } from './serviceMapReader.js';

/** The API's view of the ClickHouse store. */
export class StoreServiceMapReader implements ServiceMapReader {
  constructor(private readonly store: EdgeStore) {}

  async readServiceMap(window: { from: number; to: number }): Promise<ServiceMapRead> {
    const map = await this.store.readServiceMap(window);
    return {
      resolution: map.resolution,
      services: map.services.map((s) => ({ service: s.service, name: s.display || s.workload || s.service, namespace: s.namespace, kind: s.kind })),
      edges: map.edges.map((e) => ({
        client_service: e.client_service,
        server_service: e.server_service,
        server_port: e.server_port,
        connections_opened: e.connections_opened,
        connections_failed: e.connections_failed,
        connections_active: e.connections_active,
        bytes_sent: e.bytes_sent,
        bytes_received: e.bytes_received,
        retransmits: e.retransmits,
        resets: e.resets,
        rtt_p50_us: e.rtt_p50_us,
        rtt_p99_us: e.rtt_p99_us,
      })),
    };
  }
}
