import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Registry } from 'prom-client';
import { evaluateHealth, type HealthBody, type HealthCheck } from '@weft/runtime';
import { OpenRoute } from '../auth/routeAccess.js';
import { HealthyDto, UnhealthyDto } from './healthDto.js';

export const METRICS_REGISTRY = Symbol('MetricsRegistry');
export const HEALTH_CHECKS = Symbol('HealthChecks');

/** Health (200 when every check passes, 503 with the reasons when not) and Prometheus metrics, beside the API. */
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
  ) {}

  // Open: the process's own state, no tenant's data.
  @Get('healthz')
  @OpenRoute('process health, no tenant data')
  @ApiOperation({ operationId: 'getHealth', summary: "The process's health checks" })
  @ApiResponse({ status: 200, description: 'Every check passed', type: HealthyDto })
  @ApiResponse({ status: 503, description: 'A check failed or did not answer within 2 s', type: UnhealthyDto })
  async health(@Res({ passthrough: true }) res: { status(code: number): unknown }): Promise<HealthBody> {
    const { healthy, body } = await evaluateHealth(this.checks);
    res.status(healthy ? 200 : 503);
    return body;
  }

  // Open: counters of the process (requests by route and status, auth failures by reason), no tenant's data.
  @Get('metrics')
  @OpenRoute('process metrics, no tenant data')
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics (text exposition format 0.0.4)' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
