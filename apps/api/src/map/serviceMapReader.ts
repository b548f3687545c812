/** What the API needs from the store to draw a map (libs/store implements it). */
export interface ServiceRecord {
  service: string;
  name: string;
  namespace: string;
  kind: string;
}

export interface EdgeAggregate {
  client_service: string;
  server_service: string;
  server_port: number;
  connections_opened: number;
  connections_failed: number;
  connections_active: number;
  bytes_sent: number;
  bytes_received: number;
  retransmits: number;
  resets: number;
  rtt_p50_us: number | null;
  rtt_p99_us: number | null;
}

export interface ServiceMapRead {
  /** Seconds per row of the table the answer came from (1, 60 or 3600). */
  resolution: number;
  services: ServiceRecord[];
  edges: EdgeAggregate[];
}

export interface ServiceMapReader {
  readServiceMap(window: { from: number; to: number }): Promise<ServiceMapRead>;
}

export const SERVICE_MAP_READER = Symbol('ServiceMapReader');
