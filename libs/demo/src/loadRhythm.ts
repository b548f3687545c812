/**
 * The load's daily-like rhythm: a sine over a short simulated day (five
 * minutes by default), so a few minutes of demo show a morning ramp, an
 * afternoon peak, an evening fall and a night trough. The demo starts at
 * 09:00 (the mean, rising).
 */
import type { LoadRhythm } from './demoTopology.js';

/** Simulated hour when the demo starts: the sine is at its mean and rising. */
const START_HOUR = 9;

/** Requests per second the load generator aims at, `elapsedMs` into the demo. */
export function rateAt(rhythm: LoadRhythm, elapsedMs: number): number {
  const phase = (2 * Math.PI * elapsedMs) / (rhythm.periodSeconds * 1000);
  return Math.max(0, rhythm.meanRps * (1 + rhythm.swing * Math.sin(phase)));
}

/** The simulated time of day, `elapsedMs` into the demo ('14:30'). */
export function simulatedClock(rhythm: LoadRhythm, elapsedMs: number): string {
  const minutes = Math.floor((START_HOUR * 60 + (elapsedMs / (rhythm.periodSeconds * 1000)) * 24 * 60) % (24 * 60));
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function checkRhythm(rhythm: LoadRhythm): LoadRhythm {
  if (!(rhythm.meanRps > 0 && rhythm.meanRps <= 1000)) throw new Error(`the mean rate must be above 0 and at most 1000 requests/s, got ${rhythm.meanRps}`);
  if (!(rhythm.swing >= 0 && rhythm.swing <= 1)) throw new Error(`the swing must be 0..1, got ${rhythm.swing}`);
  if (!(rhythm.periodSeconds >= 10 && rhythm.periodSeconds <= 86_400)) throw new Error(`the day must last 10..86400 seconds, got ${rhythm.periodSeconds}`);
  return rhythm;
}

/**
 * Turns the rate into whole requests tick by tick: what is due since the
 * last tick, with the fraction carried over, so the average is exact.
 */
export class RequestPacer {
  private carried = 0;
  private lastMs: number;

  constructor(
    private readonly rhythm: LoadRhythm,
    private readonly startedAtMs: number,
  ) {
    this.lastMs = startedAtMs;
  }

  due(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.lastMs);
    this.lastMs = nowMs;
    this.carried += (rateAt(this.rhythm, nowMs - this.startedAtMs) * elapsed) / 1000;
    const whole = Math.floor(this.carried);
    this.carried -= whole;
    return whole;
  }
}
