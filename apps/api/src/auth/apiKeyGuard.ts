import { HttpException, Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { errorText } from '../errors/errorText.js';
import { CallerAuthorization, AUTH_FAILURE_STATUS } from './callerAuthorization.js';
import { sessionKeyOf } from '../session/sessionCookie.js';
import { routeAccessOf } from './routeAccess.js';
import type { ApiRequest } from './callerDecorator.js';

interface HeaderResponse {
  setHeader(name: string, value: string): void;
}

/** The WWW-Authenticate challenge of a refusal (RFC 6750, section 3). */
function challenge(reason: string, scope: string): string {
  if (reason === 'missing') return 'Bearer realm="weft"';
  if (reason === 'scope') return `Bearer realm="weft", error="insufficient_scope", scope="${scope}"`;
  return 'Bearer realm="weft", error="invalid_token"';
}

/**
 * Lets a request through to a route when the route is open or the request's key (of any
 * tenant) has the route's scope; the key's tenant is then the request's (callerDecorator.ts).
 * The key is the Authorization header's, or else the web app's session cookie's (sessionCookie.ts).
 * Refusals: 401 (with WWW-Authenticate), 403, or 503 when keys cannot be checked.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger('weft api');
  private lastUnavailableLog = 0;

  constructor(@Inject(CallerAuthorization) private readonly authorization: CallerAuthorization) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = routeAccessOf(context.getHandler());
    // assertEveryRouteDeclaresAccess refuses such a route at start-up; should one slip through, it stays shut.
    if (access === undefined) throw new HttpException({ error: 'this route declares no access' }, 500);
    if ('open' in access) return true;
    const request = context.switchToHttp().getRequest<ApiRequest>();
    const result = await this.authorization.authorize(request.headers.authorization, access.scope, 'http', sessionKeyOf(request.headers.cookie));
    if (result.ok) {
      request.weftCaller = result.caller;
      return true;
    }
    const status = AUTH_FAILURE_STATUS[result.reason];
    if (status !== 503) context.switchToHttp().getResponse<HeaderResponse>().setHeader('WWW-Authenticate', challenge(result.reason, result.scope));
    if (result.reason === 'unavailable' && Date.now() - this.lastUnavailableLog > 60_000) {
      // Once a minute while it lasts: each failure is counted (weft_api_auth_failures_total).
      this.lastUnavailableLog = Date.now();
      this.logger.error(`API keys cannot be checked: ${errorText(result.cause)}`);
    }
    throw new HttpException({ error: result.message, reason: result.reason, scope: result.scope }, status);
  }
}
