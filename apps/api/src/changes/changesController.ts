import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { TenantId } from '@weft/store';
import { CallerTenant } from '../auth/callerDecorator.js';
import { RequiresScope } from '../auth/routeAccess.js';
import { ApiErrorDto } from '../http/apiError.js';
import { ChangesDto, ChangesQueryDto, type Changes } from './changesDto.js';
import { ChangesService } from './changesService.js';

/** What changed since a baseline: edges that appeared, vanished or got worse. */
@ApiTags('changes')
@Controller('api/v1')
export class ChangesController {
  constructor(@Inject(ChangesService) private readonly changes: ChangesService) {}

  @Get('changes')
  @RequiresScope('read')
  @ApiOperation({ operationId: 'getChanges', summary: 'Edges that appeared, vanished, or got worse (failure or retransmit rate, RTT p99) between a baseline and the window' })
  @ZodResponse({ status: 200, description: 'The changes and the services they name', type: ChangesDto })
  @ApiBadRequestResponse({ description: 'A parameter is unknown, given twice or unreadable, or a window is empty or reversed', type: ApiErrorDto })
  async read(@CallerTenant() tenant: TenantId, @Query() query: ChangesQueryDto): Promise<Changes> {
    return this.changes.changes(tenant, query);
  }
}
