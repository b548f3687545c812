import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseTime, parseWindow, TimeParameterError } from './timeWindow.js';

const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const nowS = now / 1000;

describe('time parameters', () => {
  it('reads ISO-8601, unix seconds and now-relative forms', () => {
    assert.equal(parseTime('from', '2026-11-23T11:00:00Z', now), nowS - 3600);
    assert.equal(parseTime('from', '2026-11-23T12:00:00+01:00', now), nowS - 3600);
    assert.equal(parseTime('from', String(nowS - 5), now), nowS - 5);
    assert.equal(parseTime('from', 'now', now), nowS);
    assert.equal(parseTime('from', 'now-1h', now), nowS - 3600);
    assert.equal(parseTime('from', 'now-15m', now), nowS - 900);
    assert.equal(parseTime('from', 'now-2d', now), nowS - 172_800);
  });

  it('names the parameter it cannot read', () => {
    for (const bad of ['yesterday', 'now+1h', '2026-13-45T00:00:00Z', String(now), 'now-1y']) {
      assert.throws(() => parseTime('to', bad, now), (err: unknown) => err instanceof TimeParameterError && err.parameter === 'to', bad);
    }
  });

  it('refuses times the store cannot hold (before 1970, at or after 2^32 seconds) as a bad parameter', () => {
    for (const bad of ['4294967296', '18446744073709551616', '2106-02-08T00:00:00Z', '9999-12-31T23:59:59Z', 'now-99999w']) {
      assert.throws(() => parseTime('to', bad, now), (err: unknown) => err instanceof TimeParameterError && err.parameter === 'to', bad);
    }
    assert.equal(parseTime('to', '4294967295', now), 4294967295);
  });

  it('defaults to the last 15 minutes and refuses an empty or reversed window', () => {
    assert.deepEqual(parseWindow(undefined, undefined, now), { from: nowS - 900, to: nowS });
    assert.throws(() => parseWindow('now', 'now-1h', now), /before/);
    assert.throws(() => parseWindow('now', 'now', now), /before/);
  });
});
