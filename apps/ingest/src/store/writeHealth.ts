/**
 * How the store writes are going, for /healthz: when the last one landed and
 * since when they have been failing (null while they succeed). An idle
 * ingest that writes nothing is not failing.
 */
export class WriteHealth {
  lastSuccessMs: number | null = null;
  failingSinceMs: number | null = null;

  success(nowMs = Date.now()): void {
    this.lastSuccessMs = nowMs;
    this.failingSinceMs = null;
  }

  failure(nowMs = Date.now()): void {
    this.failingSinceMs ??= nowMs;
  }
}
