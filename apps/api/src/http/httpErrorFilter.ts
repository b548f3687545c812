import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { errorText } from '../errors/errorText.js';

interface JsonResponse {
  headersSent: boolean;
  status(code: number): JsonResponse;
  json(body: unknown): void;
}

/** body-parser's errors: a status and a type such as entity.parse.failed or entity.too.large. */
interface BodyParserError {
  status: number;
  type: string;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const { status, type } = (error ?? {}) as Partial<BodyParserError>;
  return typeof status === 'number' && typeof type === 'string' && type.startsWith('entity.');
}

/**
 * Every other error as the API's JSON: {error} (and `parameter` on a 400), never the
 * framework's {statusCode, message}. A body that is not JSON names `body`; a
 * path parameter that is not valid percent-encoding names `id` (the one path parameter); an
 * error that is none of these is a 500, logged with its cause, its text kept from the caller.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('weft api');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    if (response.headersSent) return;
    if (isBodyParserError(error)) {
      const text = error.type === 'entity.too.large' ? 'the body is larger than 100 KiB' : `the body is not JSON: ${error.message}`;
      response.status(error.status).json(error.status === 400 ? { error: text, parameter: 'body' } : { error: text });
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' && !('statusCode' in body)) {
        // Already the API's shape (the guard's refusals, badParameter's 400s).
        response.status(status).json(body);
        return;
      }
      const message = error.message;
      if (status === 400) {
        // Nest turns body-parser's failures into these; a bodiless request's can only be its path.
        const method = host.switchToHttp().getRequest<{ method?: string }>().method ?? '';
        const parameter = /^Failed to decode param/.test(message) ? 'id' : ['POST', 'PUT', 'PATCH'].includes(method) ? 'body' : '';
        response.status(400).json({ error: parameter === 'body' ? `the body is not a JSON object: ${message}` : message, parameter });
        return;
      }
      response.status(status).json({ error: message });
      return;
    }
    this.logger.error(errorText(error), error instanceof Error ? error.stack : undefined);
    response.status(500).json({ error: 'internal error (logged)' });
  }
}
