import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { TenantId } from '@weft/store';
import { CallerTenant } from '../auth/callerDecorator.js';
import { RequiresScope } from '../auth/routeAccess.js';
import { ApiErrorDto } from '../http/apiError.js';
import { MapQueryDto, MapResponseDto, type MapResponse } from './mapDto.js';
import { MapService } from './mapService.js';

/** The service map: every pair of services that talked in the window. */
@ApiTags('map')
@Controller('api/v1')
export class MapController {
  constructor(@Inject(MapService) private readonly map: MapService) {}

  @Get('map')
  @RequiresScope('read')
  @ApiOperation({ operationId: 'getMap', summary: 'Every pair of services that talked in the window [from, to), optionally filtered and grouped' })
  @ZodResponse({ status: 200, description: 'The services (or groups) and the edges between them', type: MapResponseDto })
  @ApiBadRequestResponse({ description: 'A parameter is unknown, given twice, unreadable, or names a time Weft does not store', type: ApiErrorDto })
  async read(@CallerTenant() tenant: TenantId, @Query() query: MapQueryDto): Promise<MapResponse> {
    return this.map.readMap(tenant, query);
  }
}
