import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Registry } from 'prom-client';

export const METRICS_REGISTRY = Symbol('MetricsRegistry');

/** Liveness and Prometheus metrics, beside the API. */
@Controller()
export class HealthController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
