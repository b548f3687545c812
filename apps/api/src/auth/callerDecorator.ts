import { createParamDecorator, InternalServerErrorException, type ExecutionContext } from '@nestjs/common';
import type { TenantId } from '@weft/store';
import type { Caller } from './apiControl.js';

/** A request as the guard leaves it: the key's caller attached. */
export interface ApiRequest {
  headers: { authorization?: string; cookie?: string };
  weftCaller?: Caller;
}

function callerOf(context: ExecutionContext): Caller {
  const caller = context.switchToHttp().getRequest<ApiRequest>().weftCaller;
  // Only a route with RequiresScope has a caller: asking for one on an open route is a bug.
  if (caller === undefined) throw new InternalServerErrorException({ error: 'this route has no authenticated caller' });
  return caller;
}

/**
 * The tenant of the request's key: every operation is for it, and a controller gets it only
 * from here, never from a parameter the caller chose.
 */
export const CallerTenant = createParamDecorator((_: unknown, context: ExecutionContext): TenantId => callerOf(context).tenantId);

/** The request's key: its tenant, id and scopes. */
export const CallerKey = createParamDecorator((_: unknown, context: ExecutionContext): Caller => callerOf(context));
