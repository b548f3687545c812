/**
 * What /healthz asks: a few checks, each a name and a function. The process
 * that serves /healthz (the API, or the ingest's metrics server) is handed
 * them, so it knows their shape only: the API never imports the ingest.
 */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<HealthCheckResult> | HealthCheckResult;
}

export interface HealthCheckResult {
  ok: boolean;
  /** Why not, when not ok. */
  reason?: string;
  details?: Record<string, string | number | boolean | null>;
}

export type HealthBody =
  | { status: 'ok'; checks?: Record<string, HealthCheckResult> }
  | { status: 'unhealthy'; reasons: string[]; checks: Record<string, HealthCheckResult> };

/** A check that does not answer within this long has failed (a hung store must not hang /healthz). */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

/** Runs every check at once; healthy when all are ok. A check that throws or times out is not ok, with its error as the reason. */
export async function evaluateHealth(checks: readonly HealthCheck[], timeoutMs = HEALTH_CHECK_TIMEOUT_MS): Promise<{ healthy: boolean; body: HealthBody }> {
  if (checks.length === 0) return { healthy: true, body: { status: 'ok' } };
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  const byName: Record<string, HealthCheckResult> = {};
  const reasons: string[] = [];
  checks.forEach((c, i) => {
    const result = results[i] as HealthCheckResult;
    byName[c.name] = result;
    if (!result.ok) reasons.push(`${c.name}: ${result.reason ?? 'not ok'}`);
  });
  return reasons.length === 0 ? { healthy: true, body: { status: 'ok', checks: byName } } : { healthy: false, body: { status: 'unhealthy', reasons, checks: byName } };
}

async function runOne(check: HealthCheck, timeoutMs: number): Promise<HealthCheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.check()), timeout]);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** The store answers a cheap query (EdgeStore.ping). */
export function storeHealthCheck(store: { ping(): Promise<void> }, name = 'store'): HealthCheck {
  return {
    name,
    async check(): Promise<HealthCheckResult> {
      const started = Date.now();
      await store.ping();
      return { ok: true, details: { ping_ms: Date.now() - started } };
    },
  };
}
