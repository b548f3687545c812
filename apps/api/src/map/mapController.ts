import { BadRequestException, Controller, Get, Inject, Query } from '@nestjs/common';
import { parseWindow, TimeParameterError } from '../time/timeWindow.js';
import { SERVICE_MAP_READER, type ServiceMapReader } from './serviceMapReader.js';

export interface MapNode {
  id: string;
  name: string;
  namespace: string;
  kind: string;
}

export interface MapEdge {
  source: string;
  target: string;
  port: number;
  connections_opened: number;
  connections_active: number;
  connections_failed: number;
  bytes_sent: number;
  bytes_received: number;
  rtt_p50_us: number | null;
  rtt_p99_us: number | null;
  retransmits: number;
  resets: number;
}

export interface MapResponse {
  window: { from: string; to: string; resolution: number };
  nodes: MapNode[];
  edges: MapEdge[];
}

const KNOWN_PARAMETERS = new Set(['from', 'to']);

/** The service map: every pair of services that talked in the window. */
@Controller('api/v1')
export class MapController {
  constructor(@Inject(SERVICE_MAP_READER) private readonly reader: ServiceMapReader) {}

  @Get('map')
  async map(@Query() query: Record<string, unknown>): Promise<MapResponse> {
    for (const name of Object.keys(query)) {
      if (!KNOWN_PARAMETERS.has(name)) throw new BadRequestException({ error: `unknown parameter ${name}`, parameter: name });
    }
    const text = (name: string): string | undefined => {
      const value = query[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw new BadRequestException({ error: `${name} must be given once`, parameter: name });
      return value;
    };
    let window;
    try {
      window = parseWindow(text('from'), text('to'), Date.now());
    } catch (err) {
      if (err instanceof TimeParameterError) throw new BadRequestException({ error: err.message, parameter: err.parameter });
      throw err;
    }
    const read = await this.reader.readServiceMap(window);
    return {
      window: {
        from: new Date(window.from * 1000).toISOString(),
        to: new Date(window.to * 1000).toISOString(),
        resolution: read.resolution,
      },
      nodes: read.services.map((s) => ({ id: s.service, name: s.name, namespace: s.namespace, kind: s.kind })),
      edges: read.edges.map((e) => ({
        source: e.client_service,
        target: e.server_service,
        port: e.server_port,
        connections_opened: e.connections_opened,
        connections_active: e.connections_active,
        connections_failed: e.connections_failed,
        bytes_sent: e.bytes_sent,
        bytes_received: e.bytes_received,
        rtt_p50_us: e.rtt_p50_us,
        rtt_p99_us: e.rtt_p99_us,
        retransmits: e.retransmits,
        resets: e.resets,
      })),
    };
  }
}
