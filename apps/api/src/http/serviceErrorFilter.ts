import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { FailureLog } from '../errors/failureLog.js';
import { ConflictError, InvalidParameterError, NotFoundError, PermissionDeniedError, UnavailableError, type ServiceError } from '../errors/serviceErrors.js';

interface JsonResponse {
  status(code: number): JsonResponse;
  json(body: unknown): void;
}

/** The services' errors as HTTP answers: 400 {error, parameter}, 403, 404, 409, 503 {error}. */
@Catch(InvalidParameterError, NotFoundError, PermissionDeniedError, ConflictError, UnavailableError)
export class ServiceErrorFilter implements ExceptionFilter<ServiceError> {
  private readonly logger = new Logger('weft api');
  private readonly failures = new FailureLog((line) => this.logger.error(line));

  catch(error: ServiceError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    if (error instanceof InvalidParameterError) {
      response.status(400).json({ error: error.message, parameter: error.parameter });
      return;
    }
    if (error instanceof UnavailableError) {
      this.failures.note('a store Weft depends on does not answer', error);
      response.status(503).json({ error: 'a store Weft depends on does not answer; try again' });
      return;
    }
    const status = error instanceof NotFoundError ? 404 : error instanceof PermissionDeniedError ? 403 : 409;
    response.status(status).json({ error: error.message });
  }
}
