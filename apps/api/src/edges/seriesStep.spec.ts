import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../errors/serviceErrors.js';
import { defaultStep, seriesStep } from './seriesStep.js';

describe('series steps', () => {
  it('defaults to the finest step giving at most 300 points', () => {
    const cases: Array<[number, number]> = [[60, 1], [300, 1], [301, 10], [900, 10], [3000, 10], [3001, 60], [3600, 60], [18_000, 60], [18_001, 300], [86_400, 300], [7 * 86_400, 3600], [30 * 86_400, 21_600], [400 * 86_400, 86_400]];
    for (const [seconds, step] of cases) assert.equal(defaultStep(seconds), step, `${seconds} s`);
  });

  it('widens the window to whole steps, and counts the points of the widened window', () => {
    assert.deepEqual(seriesStep({ from: 1000, to: 1061 }, 60), { step: 60, window: { from: 960, to: 1080 } });
    assert.deepEqual(seriesStep({ from: 960, to: 1080 }, undefined), { step: 1, window: { from: 960, to: 1080 } });
    assert.deepEqual(seriesStep({ from: 0, to: 10_000 }, 1), { step: 1, window: { from: 0, to: 10_000 } });
  });

  it('refuses a step out of range, too many points, or an end past what is stored', () => {
    const refuses = (parameter: string, f: () => unknown) => assert.throws(f, (err: unknown) => err instanceof InvalidParameterError && err.parameter === parameter);
    refuses('step', () => seriesStep({ from: 0, to: 60 }, 0));
    refuses('step', () => seriesStep({ from: 0, to: 60 }, 1.5));
    refuses('step', () => seriesStep({ from: 0, to: 60 }, 604_801));
    refuses('step', () => seriesStep({ from: 0, to: 10_001 }, 1));
    refuses('to', () => seriesStep({ from: 4_294_900_000, to: 4_294_967_295 }, 604_800));
  });
});
