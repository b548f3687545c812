import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseTime, parseWindow, TIME_PATTERN, TimeParameterError } from './timeWindow.js';

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

  it('a relative window ends at now aligned to its length; absolute and mixed windows are exact', () => {
    const at = Date.UTC(2026, 10, 23, 12, 34, 56, 789);
    const s = Math.floor(at / 1000);
    assert.deepEqual(parseWindow('now-5m', 'now', at), { from: s - 300, to: s }, 'under 10 minutes: to the second');
    assert.deepEqual(parseWindow('now-15m', undefined, at), { from: s - 6 - 900, to: s - 6 }, '15 minutes: the last whole 10 s');
    assert.deepEqual(parseWindow(undefined, undefined, at), { from: s - 6 - 900, to: s - 6 }, 'the default is 15 minutes too');
    assert.deepEqual(parseWindow('now-1h', 'now', at), { from: s - 56 - 3600, to: s - 56 }, 'an hour: the last whole minute');
    assert.deepEqual(parseWindow('now-24h', undefined, at), { from: s - 296 - 86_400, to: s - 296 }, 'a day: the last whole 10 minutes');
    assert.deepEqual(parseWindow('now-2h', 'now-1h', at), { from: s - 56 - 7200, to: s - 56 - 3600 }, 'both ends move with now');
    assert.deepEqual(parseWindow('now-1h', String(s), at), { from: s - 3600, to: s }, 'an absolute end: exact');
  });

  it('defaults to the last 15 minutes and refuses an empty or reversed window', () => {
    assert.deepEqual(parseWindow(undefined, undefined, now), { from: nowS - 900, to: nowS }, 'now on a whole 10 s');
    assert.throws(() => parseWindow('now', 'now-1h', now), /before/);
    assert.throws(() => parseWindow('now', 'now', now), /before/);
  });

  it('refuses a day the month does not have, which Date.parse would roll over', () => {
    for (const bad of ['2026-02-30', '2026-02-29T00:00:00Z', '2026-04-31T10:00:00Z', '0000-00-00', '2026-00-10']) {
      assert.throws(() => parseTime('from', bad, now), (err: unknown) => err instanceof TimeParameterError && /cannot read/.test(err.message), bad);
    }
    assert.equal(parseTime('from', '2024-02-29T00:00:00Z', now), Date.UTC(2024, 1, 29) / 1000);
  });

  it('says milliseconds only of what could be milliseconds, and quotes long values cut short', () => {
    assert.throws(() => parseTime('to', String(nowS * 1000), now), /milliseconds/);
    assert.throws(() => parseTime('to', '18446744073709551616', now), /outside the times/);
    assert.throws(() => parseTime('to', '9'.repeat(5000), now), (err: unknown) => err instanceof Error && /outside the times/.test(err.message) && err.message.length < 300);
  });

  it('never defaults the start to before 1970', () => {
    assert.deepEqual(parseWindow(undefined, '60', now), { from: 0, to: 60 });
    assert.throws(() => parseWindow(undefined, '0', now), (err: unknown) => err instanceof TimeParameterError && err.parameter === 'to');
  });

  it('TIME_PATTERN takes the forms parseTime reads, and not what it cannot', () => {
    const pattern = new RegExp(TIME_PATTERN);
    for (const good of ['', 'now', 'now-15m', '1795000000', '1795000000.5', '2026-11-23', '2026-11-23T10:00Z', '2026-11-23T10:00:00.123+01:00', '2026-11-23 10:00:00']) {
      assert.ok(pattern.test(good), good);
      if (good !== '') assert.doesNotThrow(() => parseTime('from', good, now), good);
    }
    for (const bad of [' now', 'now\n', 'yesterday', '-1', '1e9', '\u0661\u0662', '2026-13-01', "1' OR '1'='1"]) assert.ok(!pattern.test(bad), bad);
  });
});
