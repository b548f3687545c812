/**
 * What `now` means for a window given relative to it (`now-1h` .. `now`): the start of the current
 * bucket of the coarsest tier that is at most 1/60 of the window's length. `now-15m` ends at the
 * last whole 10 s, `now-1h` at the last whole minute, `now-24h` at the last whole 10 minutes.
 *
 * Why: a window cut at an arbitrary second has ragged ends that only the 1 s tier holds, which
 * for a 20,000-edge map was 10 of its 29 rows per edge and 40 % of the statement (bench/query);
 * aligned, it is read from whole buckets alone. The newest seconds are still arriving anyway (the
 * ingest waits for both ends of a connection), and at most 1/60 of the window is left out. A
 * window given in absolute times is answered exactly as asked.
 */
import { SERVICE_TIERS, type Tier } from './windowPieces.js';

/** The tier the `now` of a relative window of `lengthSeconds` aligns to. */
export function relativeAlignment(lengthSeconds: number): Tier {
  let step: Tier = 1;
  for (const tier of SERVICE_TIERS) if (tier * 60 <= lengthSeconds) step = tier;
  return step;
}

/** `now` (unix seconds) for a relative window of `lengthSeconds`: the start of its aligned bucket. */
export function alignedNow(nowSeconds: number, lengthSeconds: number): number {
  const step = relativeAlignment(lengthSeconds);
  return Math.floor(nowSeconds / step) * step;
}
