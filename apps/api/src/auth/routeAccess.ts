/**
 * Every route says who may call it, with one of two decorators; a route that says neither
 * stops the server at start-up (assertEveryRouteDeclaresAccess), so nothing is left open by
 * mistake.
 */
import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiServiceUnavailableResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Scope } from './apiControl.js';
import { AuthErrorDto } from './authDto.js';

export const ROUTE_ACCESS = Symbol('weft:routeAccess');
/** The name of the OpenAPI security scheme (HTTP bearer). */
export const BEARER_SCHEME = 'apiKey';
/** The name of the web app's cookie scheme (session/sessionCookie.ts): the alternative to the header. */
export const SESSION_SCHEME = 'webSession';

export type RouteAccess = { scope: Scope } | { open: string };

/** The route needs a key of the caller's tenant with this scope (and documents the 401, 403 and 503 of the check). */
export function RequiresScope(scope: Scope): MethodDecorator {
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, { scope } satisfies RouteAccess),
    ApiBearerAuth(BEARER_SCHEME),
    ApiCookieAuth(SESSION_SCHEME),
    ApiUnauthorizedResponse({ description: 'No API key, not a key, or a key that is unknown or revoked (WWW-Authenticate: Bearer)', type: AuthErrorDto }),
    ApiForbiddenResponse({ description: `The key lacks the ${scope} scope`, type: AuthErrorDto }),
    ApiServiceUnavailableResponse({ description: 'API keys cannot be checked (the control database does not answer)', type: AuthErrorDto }),
  );
}

/** The route takes no key; `why` says why that is safe (it must hold no tenant's data). */
export function OpenRoute(why: string): MethodDecorator {
  return SetMetadata(ROUTE_ACCESS, { open: why } satisfies RouteAccess);
}

/** The access a handler declares, or undefined. */
export function routeAccessOf(handler: object): RouteAccess | undefined {
  return Reflect.getMetadata(ROUTE_ACCESS, handler) as RouteAccess | undefined;
}

export class UndeclaredRouteAccessError extends Error {}

/** Throws when a route handler of these controllers declares neither RequiresScope nor OpenRoute. */
export function assertEveryRouteDeclaresAccess(controllers: readonly Type[]): void {
  const undeclared: string[] = [];
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name === 'constructor') continue;
      const handler = prototype[name];
      if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      if (routeAccessOf(handler) === undefined) undeclared.push(`${controller.name}.${name}`);
    }
  }
  if (undeclared.length > 0) throw new UndeclaredRouteAccessError(`routes without a declared scope (RequiresScope or OpenRoute): ${undeclared.join(', ')}`);
}
