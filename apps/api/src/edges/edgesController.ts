import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { TenantId } from '@weft/store';
import { CallerTenant } from '../auth/callerDecorator.js';
import { RequiresScope } from '../auth/routeAccess.js';
import { ApiErrorDto } from '../http/apiError.js';
import { BreakdownDto, BreakdownQueryDto, RoutesDto, RoutesQueryDto, SeriesDto, SeriesQueryDto, type Breakdown, type Routes, type Series } from './edgesDto.js';
import { EdgesService } from './edgesService.js';

/** One edge over time, split by a failure domain of either end, and by route. */
@ApiTags('edges')
@Controller('api/v1/edges')
export class EdgesController {
  constructor(@Inject(EdgesService) private readonly edges: EdgesService) {}

  @Get('series')
  @RequiresScope('read')
  @ApiOperation({ operationId: 'getEdgeSeries', summary: "An edge's counters per step: connections, bytes each way, RTT quantiles, retransmits, resets, requests, their errors and latency quantiles" })
  @ZodResponse({ status: 200, description: 'One point per step', type: SeriesDto })
  @ApiBadRequestResponse({ description: 'A parameter is unknown, given twice, unreadable or out of range, or the step gives too many points', type: ApiErrorDto })
  async series(@CallerTenant() tenant: TenantId, @Query() query: SeriesQueryDto): Promise<Series> {
    return this.edges.series(tenant, query);
  }

  @Get('breakdown')
  @RequiresScope('read')
  @ApiOperation({ operationId: 'getEdgeBreakdown', summary: "An edge's totals split by one failure domain of either end, ranked by error share" })
  @ZodResponse({ status: 200, description: 'The groups, highest error share first', type: BreakdownDto })
  @ApiBadRequestResponse({ description: 'A parameter is unknown, given twice, unreadable or out of range', type: ApiErrorDto })
  async breakdown(@CallerTenant() tenant: TenantId, @Query() query: BreakdownQueryDto): Promise<Breakdown> {
    return this.edges.breakdown(tenant, query);
  }

  @Get('routes')
  @RequiresScope('read')
  @ApiOperation({
    operationId: 'getEdgeRoutes',
    summary: "An edge's requests by protocol, method and route template, the busiest first: counts, server and client errors, latency quantiles",
  })
  @ZodResponse({ status: 200, description: 'The busiest routes, and the rest summed', type: RoutesDto })
  @ApiBadRequestResponse({ description: 'A parameter is unknown, given twice, unreadable or out of range', type: ApiErrorDto })
  async routes(@CallerTenant() tenant: TenantId, @Query() query: RoutesQueryDto): Promise<Routes> {
    return this.edges.routes(tenant, query);
  }
}
