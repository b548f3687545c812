import { BadRequestException, Injectable, InternalServerErrorException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { createZodDto, type ZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { TIME_PATTERN, unreadableTime } from '../time/timeWindow.js';

/** Every 400 the API answers: what is wrong, and which query parameter. */
export const ApiErrorSchema = z
  .object({
    error: z.string().describe('What is wrong, for a person to read'),
    parameter: z.string().describe('The query or path parameter, or body field, that is wrong (an unknown one is named as given; `body` for a body that is not a JSON object)'),
  });

export class ApiErrorDto extends createZodDto(ApiErrorSchema) {}

export type ApiError = z.infer<typeof ApiErrorSchema>;

export function badParameter(parameter: string, error: string): BadRequestException {
  return new BadRequestException({ error, parameter } satisfies ApiError);
}

/**
 * A query DTO's zod error as the API's 400: unknown parameters first (as
 * before the DTOs), then the first parameter that is wrong. A query string
 * carries strings only, so a parameter that is not a string was given more
 * than once (the array express makes of `from=a&from=b`).
 */
export function queryError(error: unknown): BadRequestException {
  const issues = error instanceof z.ZodError ? error.issues : [];
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const name = unknown.keys[0] ?? '';
    return badParameter(name, `unknown parameter ${name}`);
  }
  const issue = issues[0];
  const name = issue === undefined ? '' : String(issue.path[0] ?? '');
  if (issue?.code === 'invalid_type') return badParameter(name, issue.input === undefined ? `${name} is required` : `${name} must be given once`);
  if (issue?.code === 'invalid_format' && issue.format === 'regex' && (issue as { pattern?: string }).pattern === TIME_REGEX) {
    return badParameter(name, unreadableTime(name, typeof issue.input === 'string' ? issue.input : String(issue.input)));
  }
  return badParameter(name, `${name}: ${issue?.message ?? 'invalid'}`);
}

/** How zod writes the time pattern into an issue. */
const TIME_REGEX = new RegExp(TIME_PATTERN).toString();

/**
 * A JSON body's zod error as the API's 400, naming the field that is wrong (`parameter`:
 * `name`, `scopes` ...; `body` for a body that is missing or not an object).
 */
export function bodyError(error: unknown): BadRequestException {
  const issues = error instanceof z.ZodError ? error.issues : [];
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const name = unknown.keys[0] ?? '';
    return badParameter(name, `unknown field ${name}`);
  }
  const issue = issues[0];
  if (issue === undefined || issue.path.length === 0) return badParameter('body', 'the body must be a JSON object (Content-Type: application/json)');
  const name = String(issue.path[0]);
  if (issue.code === 'invalid_type' && issue.input === undefined && issue.path.length === 1) return badParameter(name, `${name} is required`);
  return badParameter(name, `${name}: ${issue.message}`);
}

/**
 * Validates every @Query()/@Param()/@Body() against its nestjs-zod DTO (the
 * same schema the OpenAPI document is generated from) and answers the API's
 * 400 when it does not match. A parameter typed with anything but such a DTO
 * is a programming error, not something to let through unchecked.
 */
@Injectable()
export class ZodQueryPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const dto = metadata.metatype as Partial<ZodDto> | undefined;
    if (dto?.isZodDto !== true || dto.schema === undefined) {
      throw new InternalServerErrorException(`${metadata.type} ${metadata.data ?? ''} is not typed with a zod DTO`);
    }
    const schema = dto.schema as z.ZodType;
    const result = schema.safeParse(value, { reportInput: true });
    if (!result.success) throw metadata.type === 'body' ? bodyError(result.error) : queryError(result.error);
    return result.data;
  }
}
