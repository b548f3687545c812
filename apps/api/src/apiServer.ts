import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, NestFactory } from '@nestjs/core';
import { ZodSerializerInterceptor } from 'nestjs-zod';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { HealthCheck } from '@weft/runtime';
import type { EdgeQueries } from '@weft/store';
import { KeysController } from './admin/keysController.js';
import { KeysService } from './admin/keysService.js';
import { TenantsController } from './admin/tenantsController.js';
import { TenantsService } from './admin/tenantsService.js';
import { createApiServices, type ApiServices } from './apiServices.js';
import type { ApiControl } from './auth/apiControl.js';
import { ApiKeyGuard } from './auth/apiKeyGuard.js';
import type { AuthenticationCacheOptions } from './auth/authenticationCache.js';
import { CallerAuthorization } from './auth/callerAuthorization.js';
import { assertEveryRouteDeclaresAccess } from './auth/routeAccess.js';
import { ChangesController } from './changes/changesController.js';
import { ChangesService } from './changes/changesService.js';
import { EdgesController } from './edges/edgesController.js';
import { EdgesService } from './edges/edgesService.js';
import { HEALTH_CHECKS, HealthController, METRICS_REGISTRY } from './health/healthController.js';
import { ZodQueryPipe } from './http/apiError.js';
import { HttpErrorFilter } from './http/httpErrorFilter.js';
import { ServiceErrorFilter } from './http/serviceErrorFilter.js';
import { MapController } from './map/mapController.js';
import { MapService } from './map/mapService.js';
import { methodNotAllowed } from './openapi/methodNotAllowed.js';
import { serveOpenApiDocument } from './openapi/openApiDocument.js';
import { ServicesController } from './services/servicesController.js';
import { ServicesService } from './services/servicesService.js';
import { serveWebApp } from './web/webApp.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SessionController } from './session/sessionController.js';
import { SessionService } from './session/sessionService.js';

/** Every controller of the API; each of their routes declares its scope (or why it is open). */
export const API_CONTROLLERS: readonly Type[] = [MapController, ServicesController, EdgesController, ChangesController, KeysController, TenantsController, SessionController, HealthController];

@Module({})
class ApiModule {
  static with(services: ApiServices, registry: Registry, health: HealthCheck[]): DynamicModule {
    return {
      module: ApiModule,
      controllers: [...API_CONTROLLERS],
      providers: [
        { provide: MapService, useValue: services.map },
        { provide: ServicesService, useValue: services.services },
        { provide: EdgesService, useValue: services.edges },
        { provide: ChangesService, useValue: services.changes },
        { provide: KeysService, useValue: services.keys },
        { provide: TenantsService, useValue: services.tenants },
        { provide: SessionService, useValue: services.sessions },
        { provide: CallerAuthorization, useValue: services.authorization },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: HEALTH_CHECKS, useValue: health },
        // Every route: its key checked for the route's scope before anything else runs.
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        // Queries are validated, and answers serialized, by the same zod DTOs the OpenAPI document is made of.
        { provide: APP_PIPE, useClass: ZodQueryPipe },
        { provide: APP_INTERCEPTOR, useClass: ZodSerializerInterceptor },
        // Filters: the last listed is tried first. The services' errors, then everything else as the API's JSON.
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_FILTER, useClass: ServiceErrorFilter },
      ],
    };
  }
}

export class ApiListenError extends Error {}

export interface ApiServer {
  app: INestApplication;
  /** The OpenAPI document served at /api/v1/openapi.json. */
  openApi: OpenAPIObject;
  /** The operations the controllers call (for a gRPC server in the same process to share). */
  services: ApiServices;
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  host: string;
  port: number;
  /** Extra registry whose metrics /metrics also serves (e.g. the embedded ingest's). */
  extraRegistries?: Registry[];
  /**
   * What /healthz checks (e.g. storeHealthCheck(store), and the ingest's
   * checks when it runs in this process). None: /healthz answers 200 {status: 'ok'}.
   */
  health?: HealthCheck[];
  /** How long and how many authenticated keys are remembered (default 10 s, 10,000 keys). */
  authCache?: AuthenticationCacheOptions;
  /** The clock `now` in times is read from (tests set it). */
  nowMs?: () => number;
  /** The web app's static export (apps/web/out) to serve at /; none: the API only. */
  webRoot?: string;
}

interface MetricsRequest {
  baseUrl?: string;
  route?: { path?: unknown };
}

/** The route a request matched, as its pattern (/api/v1/services/:id), so ids never become label values. */
function routeLabel(req: MetricsRequest): string {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}

/**
 * Starts the REST API over the store's queries and the control plane's tenants and keys
 * (libs/control's ControlStore): every route under /api/v1 needs a key with its scope and
 * answers for the key's tenant only; /healthz, /metrics and /api/v1/openapi.json are open.
 */
export async function startApiServer(queries: EdgeQueries, control: ApiControl, options: ApiServerOptions): Promise<ApiServer> {
  // Before anything listens: a route that declares no scope is a bug, not an open door.
  assertEveryRouteDeclaresAccess(API_CONTROLLERS);
  const own = new Registry();
  collectDefaultMetrics({ register: own, prefix: 'weft_api_' });
  const requests = new Counter({ name: 'weft_api_requests_total', help: 'API requests by route and status', labelNames: ['route', 'status'] as const, registers: [own] });
  const latency = new Histogram({ name: 'weft_api_request_seconds', help: 'API request latency by route', labelNames: ['route'] as const, registers: [own], buckets: [0.005, 0.01, 0.05, 0.1, 0.3, 1, 3] });
  const services = createApiServices(queries, control, { registry: own, ...(options.authCache ? { authCache: options.authCache } : {}), ...(options.nowMs ? { nowMs: options.nowMs } : {}) });
  const registry = Registry.merge([own, ...(options.extraRegistries ?? [])]);
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.with(services, registry, options.health ?? []), { logger: ['error', 'warn'] });
  app.use((req: MetricsRequest, res: { statusCode: number; on(e: string, f: () => void): void }, next: () => void) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = routeLabel(req);
      latency.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
      requests.inc({ route, status: String(res.statusCode) });
    });
    next();
  });
  if (options.webRoot !== undefined) serveWebApp(app, options.webRoot);
  const openApi = serveOpenApiDocument(app);
  app.use(methodNotAllowed(openApi));
  await app.init();
  // Listen on the HTTP server ourselves: a taken port is the caller's error
  // to report (one line), not a stack trace logged by the framework.
  const server = app.getHttpServer() as import('node:http').Server;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await app.close();
    throw new ApiListenError(`cannot listen on ${options.host}:${options.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { app, openApi, services, url: `http://${host}:${port}`, close: () => app.close() };
}
