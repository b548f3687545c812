import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { BEARER_SCHEME, SESSION_SCHEME } from '../auth/routeAccess.js';
import { SESSION_COOKIE } from '../session/sessionCookie.js';

/** Where the document is served. */
export const OPENAPI_PATH = 'api/v1/openapi.json';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The OpenAPI 3.1 document of the app's controllers, generated from their
 * decorators and the nestjs-zod DTOs they validate and serialize with.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Weft API')
    .setDescription('The service-dependency map Weft builds from the kernel up, per tenant (maps, services and their neighborhoods, edge history and failure domains, changes), its keys and tenants, and the process health and metrics beside it.')
    .setVersion(version)
    // 3.1: its schemas are JSON Schema 2020-12, which is what zod writes (type: [..., "null"], not 3.0's nullable).
    .setOpenAPIVersion('3.1.0')
    // Every /api/v1 operation but the document itself: Authorization: Bearer weft_<id>_<secret> (routeAccess.ts).
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'weft_<id>_<secret>', description: 'An API key of the tenant whose data is asked for, with the scope the operation needs' }, BEARER_SCHEME)
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: "The web app's session: the key POST /api/v1/session set in an http-only cookie" }, SESSION_SCHEME)
    .build();
  return cleanupOpenApiDoc(SwaggerModule.createDocument(app, config));
}

/** Serves the document (JSON only, no UI) at /api/v1/openapi.json; before app.init(). */
export function serveOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = createOpenApiDocument(app);
  SwaggerModule.setup('api/v1/docs', app, document, { ui: false, raw: ['json'], jsonDocumentUrl: OPENAPI_PATH });
  return document;
}
