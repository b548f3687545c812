/**
 * Window composition: a time window cut into the coarsest pieces that are exact, each answered
 * from one tier (table) holding whole buckets of its width.
 */

export interface TimeWindow {
  /** Unix seconds, inclusive. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
}

/** Bucket widths of the store's tiers, in seconds. Each divides the next. */
export type Tier = 1 | 10 | 60 | 600 | 3600 | 21600;

/** Every tier of the service-level rollups. */
export const SERVICE_TIERS: readonly Tier[] = [1, 10, 60, 600, 3600, 21600];
/** The tiers of the failure-domain tables (no 10 s tier: they carry every instance combination). */
export const DOMAIN_TIERS: readonly Tier[] = [1, 60, 3600];

/** A part of a window answered from one tier: only whole buckets of that tier. */
export interface WindowPiece extends TimeWindow {
  resolution: Tier;
}

export interface WindowPiecesOptions {
  /** The tiers to compose from (ascending, each dividing the next, starting at 1). Default SERVICE_TIERS. */
  tiers?: readonly Tier[];
  /**
   * No piece from a tier coarser than this (seconds). A series passes its step's tier, so that
   * no piece crosses a step boundary.
   */
  maxTier?: number;
}

/** Largest unix second a DateTime holds. */
export const MAX_UNIX_SECONDS = 0xffffffff;

/** Refuses what no tier can answer: non-integers, negative times, an empty or reversed window. */
export function checkWindow({ from, to }: TimeWindow): void {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to > MAX_UNIX_SECONDS || from >= to) {
    throw new RangeError(`invalid time window [${from}, ${to}): expected integer unix seconds with 0 <= from < to <= ${MAX_UNIX_SECONDS}`);
  }
}

/**
 * A window cut into the coarsest pieces that are exact: whole 6 hours from the 6-hour tier, the
 * whole hours around them, the whole 10 minutes around those, the whole minutes around those,
 * the whole 10 s buckets around those, and the ragged seconds at each end. So `now-1h` reads at
 * most 9 seconds, 5 ten-second buckets and 9 minutes at each end plus five or six 10-minute
 * buckets, never 3,600 seconds of rows per pair; `now-24h` about 36 rows per pair, not 1,440.
 * Pieces come in time order, contiguous, at most 2 * (tiers - 1) + 1 of them.
 */
export function windowPieces(window: TimeWindow, options: WindowPiecesOptions = {}): WindowPiece[] {
  checkWindow(window);
  const maxTier = options.maxTier ?? Infinity;
  const tiers = (options.tiers ?? SERVICE_TIERS).filter((t) => t <= maxTier);
  checkTiers(tiers);
  const pieces: WindowPiece[] = [];
  compose(window.from, window.to, tiers, tiers.length - 1, pieces);
  return pieces;
}

function compose(from: number, to: number, tiers: readonly Tier[], level: number, out: WindowPiece[]): void {
  if (from >= to) return;
  const tier = tiers[level]!;
  if (level === 0) {
    out.push({ resolution: tier, from, to });
    return;
  }
  const inner = { from: Math.ceil(from / tier) * tier, to: Math.floor(to / tier) * tier };
  if (inner.from >= inner.to) {
    compose(from, to, tiers, level - 1, out);
    return;
  }
  compose(from, inner.from, tiers, level - 1, out);
  out.push({ resolution: tier, ...inner });
  compose(inner.to, to, tiers, level - 1, out);
}

function checkTiers(tiers: readonly Tier[]): void {
  if (tiers[0] !== 1) throw new RangeError(`window tiers must start at 1 s, got [${tiers.join(', ')}]`);
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i]! % tiers[i - 1]! !== 0 || tiers[i]! <= tiers[i - 1]!) {
      throw new RangeError(`window tiers must ascend, each dividing the next, got [${tiers.join(', ')}]`);
    }
  }
}

/** The finest tier the pieces use: what a result reports as its resolution. */
export function finestTier(pieces: readonly WindowPiece[]): Tier {
  return Math.min(...pieces.map((p) => p.resolution)) as Tier;
}
