import { Body, Controller, Delete, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { TenantId } from '@weft/store';
import { ErrorDto } from '../auth/authDto.js';
import { CallerTenant } from '../auth/callerDecorator.js';
import { RequiresScope } from '../auth/routeAccess.js';
import { ApiErrorDto } from '../http/apiError.js';
import { NoQuery } from '../http/noQuery.js';
import { CreatedKeyDto, CreateKeyBodyDto, KeyDto, KeyIdParamDto, KeyListDto, type CreatedKey, type Key, type KeyList } from './adminDto.js';
import { KeysService } from './keysService.js';

/** The caller's tenant's API keys. */
@ApiTags('admin')
@Controller('api/v1/keys')
export class KeysController {
  constructor(@Inject(KeysService) private readonly keys: KeysService) {}

  @Post()
  @RequiresScope('admin')
  @ApiOperation({ operationId: 'createKey', summary: "A new API key for the caller's tenant; its plaintext is in this answer only" })
  @ZodResponse({ status: 201, description: 'The key, and its plaintext (shown once)', type: CreatedKeyDto })
  @ApiBadRequestResponse({ description: 'The body is not a JSON object, has an unknown field, an empty or too long name, or no or unknown scopes', type: ApiErrorDto })
  async create(@CallerTenant() tenant: TenantId, @Body() body: CreateKeyBodyDto, @NoQuery() _query: void): Promise<CreatedKey> {
    return this.keys.create(tenant, body);
  }

  @Get()
  @RequiresScope('admin')
  @ApiOperation({ operationId: 'listKeys', summary: "The caller's tenant's keys, revoked ones included (never a secret)" })
  @ZodResponse({ status: 200, description: 'The keys, oldest first', type: KeyListDto })
  @ApiBadRequestResponse({ description: 'A query parameter was given (this operation takes none)', type: ApiErrorDto })
  async list(@CallerTenant() tenant: TenantId, @NoQuery() _query: void): Promise<KeyList> {
    return this.keys.list(tenant);
  }

  @Delete(':id')
  @RequiresScope('admin')
  @ApiOperation({ operationId: 'revokeKey', summary: 'Revokes a key of the caller\'s tenant: it authenticates no more (within 10 s in other API processes)' })
  @ZodResponse({ status: 200, description: 'The revoked key', type: KeyDto })
  @ApiBadRequestResponse({ description: 'The id is not a key id', type: ApiErrorDto })
  @ApiNotFoundResponse({ description: 'The tenant has no such key (a key of another tenant is not found either)', type: ErrorDto })
  async revoke(@CallerTenant() tenant: TenantId, @Param() params: KeyIdParamDto, @NoQuery() _query: void): Promise<Key> {
    return this.keys.revoke(tenant, params.id);
  }
}
