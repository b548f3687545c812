import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { FailureLog } from './failureLog.js';

test('a failure kind is logged at once with its causes, then at most once a minute with how many more there were', () => {
  const lines: string[] = [];
  let now = 0;
  const log = new FailureLog((line) => lines.push(line), () => now);
  const error = new Error('store down', { cause: new Error('ECONNREFUSED') });
  log.note('a store does not answer', error);
  for (let i = 0; i < 500; i++) log.note('a store does not answer', error);
  log.note('another kind', new Error('x'));
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^weft api: a store does not answer: Error: store down[\s\S]*caused by: Error: ECONNREFUSED/);
  now = 60_000;
  log.note('a store does not answer', error);
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /^weft api: a store does not answer \(and 500 more in the last minute\): /);
});
