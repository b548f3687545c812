import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR, APP_PIPE, NestFactory } from '@nestjs/core';
import { ZodSerializerInterceptor } from 'nestjs-zod';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { HealthCheck } from '@weft/runtime';
import { HEALTH_CHECKS, HealthController, METRICS_REGISTRY } from './health/healthController.js';
import { ZodQueryPipe } from './http/apiError.js';
import { MapController } from './map/mapController.js';
import { methodNotAllowed } from './openapi/methodNotAllowed.js';
import { serveOpenApiDocument } from './openapi/openApiDocument.js';
import { SERVICE_MAP_READER, type ServiceMapReader } from './map/serviceMapReader.js';

@Module({})
class ApiModule {
  static with(reader: ServiceMapReader, registry: Registry, health: HealthCheck[]): DynamicModule {
    return {
      module: ApiModule,
      controllers: [MapController, HealthController],
      providers: [
        { provide: SERVICE_MAP_READER, useValue: reader },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: HEALTH_CHECKS, useValue: health },
        // Queries are validated, and answers serialized, by the same zod DTOs the OpenAPI document is made of.
        { provide: APP_PIPE, useClass: ZodQueryPipe },
        { provide: APP_INTERCEPTOR, useClass: ZodSerializerInterceptor },
      ],
    };
  }
}

export class ApiListenError extends Error {}

export interface ApiServer {
  app: INestApplication;
  /** The OpenAPI document served at /api/v1/openapi.json. */
  openApi: OpenAPIObject;
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
}

/** Starts the REST API over a store. */
export async function startApiServer(reader: ServiceMapReader, options: ApiServerOptions): Promise<ApiServer> {
  const own = new Registry();
  collectDefaultMetrics({ register: own, prefix: 'weft_api_' });
  const requests = new Counter({ name: 'weft_api_requests_total', help: 'API requests by route and status', labelNames: ['route', 'status'] as const, registers: [own] });
  const latency = new Histogram({ name: 'weft_api_request_seconds', help: 'API request latency by route', labelNames: ['route'] as const, registers: [own], buckets: [0.005, 0.01, 0.05, 0.1, 0.3, 1, 3] });
  const registry = Registry.merge([own, ...(options.extraRegistries ?? [])]);
  const app = await NestFactory.create(ApiModule.with(reader, registry, options.health ?? []), { logger: ['error', 'warn'] });
  app.use((req: { path: string }, res: { statusCode: number; on(e: string, f: () => void): void }, next: () => void) => {
    const stop = latency.startTimer({ route: req.path });
    res.on('finish', () => {
      stop();
      requests.inc({ route: req.path, status: String(res.statusCode) });
    });
    next();
  });
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
  return { app, openApi, url: `http://${host}:${port}`, close: () => app.close() };
}
