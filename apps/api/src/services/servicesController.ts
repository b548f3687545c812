import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { TenantId } from '@weft/store';
import { ErrorDto } from '../auth/authDto.js';
import { CallerTenant } from '../auth/callerDecorator.js';
import { RequiresScope } from '../auth/routeAccess.js';
import { ApiErrorDto } from '../http/apiError.js';
import {
  NeighborhoodDto,
  NeighborhoodQueryDto,
  ServiceIdParamDto,
  ServicePageDto,
  ServiceSearchQueryDto,
  ServiceViewDto,
  ServiceViewQueryDto,
  type Neighborhood,
  type ServicePage,
  type ServiceView,
} from './servicesDto.js';
import { ServicesService } from './servicesService.js';

const BAD_QUERY = 'A parameter is unknown, given twice, unreadable or out of range';

/** The tenant's services: search, one service with its edges, its neighborhood. */
@ApiTags('services')
@Controller('api/v1/services')
export class ServicesController {
  constructor(@Inject(ServicesService) private readonly services: ServicesService) {}

  @Get()
  @RequiresScope('read')
  @ApiOperation({ operationId: 'searchServices', summary: 'Services by id, name, namespace or kind (search and autocomplete), a page at a time' })
  @ZodResponse({ status: 200, description: 'A page of services', type: ServicePageDto })
  @ApiBadRequestResponse({ description: BAD_QUERY, type: ApiErrorDto })
  async search(@CallerTenant() tenant: TenantId, @Query() query: ServiceSearchQueryDto): Promise<ServicePage> {
    return this.services.search(tenant, query);
  }

  @Get(':id')
  @RequiresScope('read')
  @ApiOperation({ operationId: 'getService', summary: 'A service with its inbound and outbound edges in the window' })
  @ZodResponse({ status: 200, description: 'The service and its edges', type: ServiceViewDto })
  @ApiBadRequestResponse({ description: BAD_QUERY, type: ApiErrorDto })
  @ApiNotFoundResponse({ description: 'The tenant has no such service', type: ErrorDto })
  async view(@CallerTenant() tenant: TenantId, @Param() params: ServiceIdParamDto, @Query() query: ServiceViewQueryDto): Promise<ServiceView> {
    return this.services.view(tenant, { id: params.id, ...query });
  }

  @Get(':id/neighborhood')
  @RequiresScope('read')
  @ApiOperation({ operationId: 'getNeighborhood', summary: 'The services within depth hops of a service, each with its hop distance, and the edges between them' })
  @ZodResponse({ status: 200, description: 'The neighborhood', type: NeighborhoodDto })
  @ApiBadRequestResponse({ description: BAD_QUERY, type: ApiErrorDto })
  @ApiNotFoundResponse({ description: 'The tenant has no such service', type: ErrorDto })
  async neighborhood(@CallerTenant() tenant: TenantId, @Param() params: ServiceIdParamDto, @Query() query: NeighborhoodQueryDto): Promise<Neighborhood> {
    return this.services.neighborhood(tenant, { id: params.id, ...query });
  }
}
