import type { IngestMetrics } from '../metrics/ingestMetrics.js';

/**
 * A store write that failed, with the reason it is counted under and the
 * engine's error as its cause (nothing of it is lost on the way up).
 */
export class StoreWriteError extends Error {
  constructor(
    readonly reason: string,
    cause: unknown,
  ) {
    super(`store write failed (${reason}): ${messageOf(cause)}`, { cause });
    this.name = 'StoreWriteError';
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const SYSTEM_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ENOTFOUND: 'host_not_found',
  EAI_AGAIN: 'host_not_found',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
};

/**
 * The reason a write failed, from a small set (it is a metric label): a
 * network condition, a timeout, the ClickHouse error name (bounded by the
 * engine), rows the store refused, or `other`.
 */
export function writeErrorReason(err: unknown): string {
  if (err instanceof StoreWriteError) return err.reason;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SYSTEM_CODES[code]) return SYSTEM_CODES[code];
  if (err instanceof TypeError || err instanceof RangeError) return 'invalid_rows';
  const message = messageOf(err);
  // @clickhouse/client: ClickHouseError carries the name in `type`; chdb: "... (MEMORY_LIMIT_EXCEEDED)".
  const type = (err as { type?: unknown } | null)?.type;
  const name = typeof type === 'string' && /^[A-Z_]+$/.test(type) ? type : /\(([A-Z][A-Z_]{2,})\)/.exec(message)?.[1];
  if (name === 'TIMEOUT_EXCEEDED' || name === 'SOCKET_TIMEOUT') return 'timeout';
  if (name) return name.toLowerCase();
  if (/time(d)?[ -]?out/i.test(message)) return 'timeout';
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err ? writeErrorReason(cause) : 'other';
}

/**
 * Counts every failed write attempt by reason and logs each reason once: a
 * store that is down fails every write, and a line per write would bury
 * everything else (the counter says how often since).
 */
export class WriteErrorReporter {
  private readonly logged = new Set<string>();

  constructor(
    private readonly metrics: IngestMetrics,
    private readonly log: (line: string) => void,
  ) {}

  /** Counts (and the first time per reason logs) a failed attempt; returns it as a StoreWriteError with its cause. */
  report(err: unknown, context: string): StoreWriteError {
    const failure = err instanceof StoreWriteError ? err : new StoreWriteError(writeErrorReason(err), err);
    this.metrics.writeErrors.inc({ reason: failure.reason });
    if (!this.logged.has(failure.reason)) {
      this.logged.add(failure.reason);
      const cause = failure.cause instanceof Error && failure.cause.cause !== undefined ? ` (cause: ${messageOf(failure.cause.cause)})` : '';
      this.log(`${context}: ${failure.message}${cause}; further failures of this kind are counted in weft_ingest_write_errors_total{reason="${failure.reason}"}, not logged`);
    }
    return failure;
  }
}

export const stderrLog = (line: string): void => void process.stderr.write(`weft ingest: ${line}\n`);
