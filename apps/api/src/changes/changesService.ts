import type { EdgeQueries, QueryWindow, TenantId } from '@weft/store';
import { translated } from '../errors/libraryErrors.js';
import { InvalidParameterError } from '../errors/serviceErrors.js';
import { toEdgeStats, toService, toWindow } from '../shared/edgeMapping.js';
import { requestTime, requestWindow } from '../shared/requestWindow.js';
import type { Changes } from './changesDto.js';

export interface ChangesRequest {
  from?: string;
  to?: string;
  baseline_from?: string;
  baseline_to?: string;
}

/** The longest baseline, as for a window. */
const MAX_BASELINE_SECONDS = 400 * 86_400;

const given = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * The baseline a window is compared with: as asked, or by default the window of equal length
 * just before it (never before 1970).
 */
export function baselineWindow(window: QueryWindow, request: ChangesRequest, nowMs: number): QueryWindow {
  const to = given(request.baseline_to) ? requestTime('baseline_to', request.baseline_to, nowMs) : window.from;
  const from = given(request.baseline_from) ? requestTime('baseline_from', request.baseline_from, nowMs) : Math.max(0, to - (window.to - window.from));
  if (from >= to) {
    if (given(request.baseline_from)) throw new InvalidParameterError('baseline_from', `baseline_from (${from}) must be before baseline_to (${to})`);
    if (given(request.baseline_to)) throw new InvalidParameterError('baseline_to', `baseline_to (${to}) leaves no time before it for a baseline`);
    throw new InvalidParameterError('from', `from (${window.from}) leaves no time before it for the default baseline; give baseline_from and baseline_to`);
  }
  if (to - from > MAX_BASELINE_SECONDS) throw new InvalidParameterError('baseline_from', `the baseline is longer than ${MAX_BASELINE_SECONDS} s`);
  return { from, to };
}

/** What changed between a baseline and a window, for one tenant. */
export class ChangesService {
  constructor(
    private readonly queries: EdgeQueries,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async changes(tenant: TenantId, request: ChangesRequest): Promise<Changes> {
    const now = this.nowMs();
    const window = requestWindow(request.from, request.to, now);
    const baseline = baselineWindow(window, request, now);
    const result = await translated(() => this.queries.readChanges(tenant, { window, baseline }));
    return {
      window: toWindow(result.window),
      baseline: toWindow(result.baseline),
      changes: result.changes.map((c) => ({
        kind: c.kind,
        source: c.source,
        target: c.target,
        port: c.port,
        baseline: c.baseline === null ? null : toEdgeStats(c.baseline),
        current: c.current === null ? null : toEdgeStats(c.current),
        reasons: [...c.reasons],
      })),
      services: result.services.map(toService),
    };
  }
}
