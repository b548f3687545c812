import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { TenantId } from '@weft/store';
import { ErrorDto } from '../auth/authDto.js';
import { CallerTenant } from '../auth/callerDecorator.js';
import { RequiresScope } from '../auth/routeAccess.js';
import { ApiErrorDto } from '../http/apiError.js';
import { NoQuery } from '../http/noQuery.js';
import { CreatedTenantDto, CreateTenantBodyDto, TenantListDto, type CreatedTenant, type TenantList } from './adminDto.js';
import { TenantsService } from './tenantsService.js';

/** Tenants: a key sees its own; the operator's tenant (the first) creates others. */
@ApiTags('admin')
@Controller('api/v1/tenants')
export class TenantsController {
  constructor(@Inject(TenantsService) private readonly tenants: TenantsService) {}

  @Post()
  @RequiresScope('admin')
  @ApiOperation({
    operationId: 'createTenant',
    summary: "A new tenant and its first key (every scope, shown once); only admin keys of the operator's tenant (the first tenant) may, others get a 403",
  })
  @ZodResponse({ status: 201, description: 'The tenant and its first key', type: CreatedTenantDto })
  @ApiBadRequestResponse({ description: 'The body is not a JSON object, has an unknown field, or an empty or too long name', type: ApiErrorDto })
  @ApiConflictResponse({ description: 'A tenant of that name exists', type: ErrorDto })
  async create(@CallerTenant() tenant: TenantId, @Body() body: CreateTenantBodyDto, @NoQuery() _query: void): Promise<CreatedTenant> {
    return this.tenants.create(tenant, body);
  }

  @Get()
  @RequiresScope('admin')
  @ApiOperation({ operationId: 'listTenants', summary: "The caller's tenant (a key sees no other)" })
  @ZodResponse({ status: 200, description: "The caller's tenant", type: TenantListDto })
  @ApiBadRequestResponse({ description: 'A query parameter was given (this operation takes none)', type: ApiErrorDto })
  async list(@CallerTenant() tenant: TenantId, @NoQuery() _query: void): Promise<TenantList> {
    return this.tenants.list(tenant);
  }
}
