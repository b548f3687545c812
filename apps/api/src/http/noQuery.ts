import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { badParameter } from './apiError.js';

/**
 * For an operation that takes no query parameters: any parameter is unknown, a 400 naming it,
 * as for the others (a DTO cannot say "no parameters": the document generator needs one).
 */
export const NoQuery = createParamDecorator((_: unknown, context: ExecutionContext): void => {
  const query = context.switchToHttp().getRequest<{ query?: Record<string, unknown> }>().query ?? {};
  const name = Object.keys(query)[0];
  if (name !== undefined) throw badParameter(name, `unknown parameter ${name}`);
});
