import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrorDto, badParameter } from '../http/apiError.js';
import { parseWindow, TimeParameterError } from '../time/timeWindow.js';
import { MapQueryDto, MapResponseDto, type MapResponse } from './mapDto.js';
import { SERVICE_MAP_READER, type ServiceMapReader } from './serviceMapReader.js';

export type { MapEdge, MapNode, MapResponse } from './mapDto.js';

/** The service map: every pair of services that talked in the window. */
@ApiTags('map')
@Controller('api/v1')
export class MapController {
  constructor(@Inject(SERVICE_MAP_READER) private readonly reader: ServiceMapReader) {}

  @Get('map')
  @ApiOperation({ operationId: 'getMap', summary: 'Every pair of services that talked in the window [from, to)' })
  @ZodResponse({ status: 200, description: 'The services and the edges between them', type: MapResponseDto })
  @ApiBadRequestResponse({ description: 'A parameter is unknown, given twice, unreadable, or names a time Weft does not store', type: ApiErrorDto })
  async map(@Query() query: MapQueryDto): Promise<MapResponse> {
    let window;
    try {
      window = parseWindow(query.from, query.to, Date.now());
    } catch (err) {
      if (err instanceof TimeParameterError) throw badParameter(err.parameter, err.message);
      throw err;
    }
    const read = await this.reader.readServiceMap(window);
    return {
      window: {
        from: new Date(window.from * 1000).toISOString(),
        to: new Date(window.to * 1000).toISOString(),
        resolution: read.resolution as MapResponse['window']['resolution'],
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
