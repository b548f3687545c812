import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { evaluateHealth, type HealthBody, type HealthCheck } from '@weft/runtime';

export const METRICS_REGISTRY = Symbol('MetricsRegistry');
export const HEALTH_CHECKS = Symbol('HealthChecks');

/** Health (200 when every check passes, 503 with the reasons when not) and Prometheus metrics, beside the API. */
@Controller()
export class HealthController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
  ) {}

  @Get('healthz')
  async health(@Res({ passthrough: true }) res: { status(code: number): unknown }): Promise<HealthBody> {
    const { healthy, body } = await evaluateHealth(this.checks);
    res.status(healthy ? 200 : 503);
    return body;
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
