import type { QueryWindow } from '@weft/store';
import { InvalidParameterError } from '../errors/serviceErrors.js';

/** The steps a series defaults to, finest first: each a multiple of a rollup table's resolution. */
export const DEFAULT_STEPS = [1, 10, 60, 300, 900, 3600, 21_600, 86_400] as const;
const COARSEST_DEFAULT = 86_400;
/** The default step is the finest giving at most this many points. */
export const TARGET_POINTS = 300;
/** A step asked for may give at most this many points. */
export const MAX_POINTS = 10_000;
/** One week. */
export const MAX_STEP_SECONDS = 604_800;
/** The store keeps seconds below 2^32 (exclusive ends may reach it). */
const END_OF_TIME = 2 ** 32;

/** The finest default step giving at most TARGET_POINTS points over a window of that length. */
export function defaultStep(seconds: number): number {
  return DEFAULT_STEPS.find((step) => Math.ceil(seconds / step) <= TARGET_POINTS) ?? COARSEST_DEFAULT;
}

/**
 * The step (the one asked for, or the default) and the window widened to whole steps of it
 * (the store answers whole steps only).
 */
export function seriesStep(window: QueryWindow, asked: number | undefined): { step: number; window: QueryWindow } {
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1 || asked > MAX_STEP_SECONDS)) {
    throw new InvalidParameterError('step', `step must be a whole number of seconds from 1 to ${MAX_STEP_SECONDS}`);
  }
  const step = asked ?? defaultStep(window.to - window.from);
  const aligned = { from: Math.floor(window.from / step) * step, to: Math.ceil(window.to / step) * step };
  const points = (aligned.to - aligned.from) / step;
  if (points > MAX_POINTS) throw new InvalidParameterError('step', `step ${step} gives ${points} points over this window; at most ${MAX_POINTS}: give a larger step or a shorter window`);
  if (aligned.to > END_OF_TIME) throw new InvalidParameterError('to', `to: whole steps of ${step} s would end after the last second Weft stores; give an earlier to or a smaller step`);
  return { step, window: aligned };
}
