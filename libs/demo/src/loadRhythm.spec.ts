import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RequestPacer, checkRhythm, rateAt, simulatedClock } from './loadRhythm.js';

const rhythm = { meanRps: 10, swing: 0.5, periodSeconds: 240 };

describe('the load rhythm', () => {
  it('is a sine: the mean at the start, 150% a quarter in, 50% three quarters in', () => {
    assert.equal(rateAt(rhythm, 0), 10);
    assert.ok(Math.abs(rateAt(rhythm, 60_000) - 15) < 1e-9);
    assert.ok(Math.abs(rateAt(rhythm, 180_000) - 5) < 1e-9);
    assert.ok(Math.abs(rateAt(rhythm, 240_000) - 10) < 1e-9);
  });

  it('tells the simulated time of day, from 09:00', () => {
    assert.equal(simulatedClock(rhythm, 0), '09:00');
    assert.equal(simulatedClock(rhythm, 60_000), '15:00');
    assert.equal(simulatedClock(rhythm, 180_000), '03:00');
  });

  it('paces whole requests whose count over a day is the mean times the day', () => {
    const pacer = new RequestPacer(rhythm, 0);
    let sent = 0;
    for (let t = 50; t <= 240_000; t += 50) sent += pacer.due(t);
    assert.ok(Math.abs(sent - 2_400) <= 1, `sent ${sent}`);
  });

  it('refuses a rhythm it cannot keep', () => {
    assert.throws(() => checkRhythm({ ...rhythm, meanRps: 0 }), /mean rate/);
    assert.throws(() => checkRhythm({ ...rhythm, swing: 1.5 }), /swing/);
    assert.throws(() => checkRhythm({ ...rhythm, periodSeconds: 1 }), /day/);
  });
});
